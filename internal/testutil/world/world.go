package world

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"

	"orderhub/internal/demo"
	"orderhub/internal/hub"
	"orderhub/internal/protocol"
	"orderhub/internal/server"
	"orderhub/internal/service"
	"orderhub/internal/store"
	"orderhub/internal/testutil"
)

// World is a seeded orderhub behind its root handler.
type World struct {
	Store    store.Store
	Service  *service.Service
	Handler  http.Handler
	Registry protocol.Registry
	// A is the demo data (brand A).
	A *demo.Credentials
	// B is brand B: its partners (one per protocol, in registry order),
	// its brand-scoped hub token, its brand id and its first location.
	B *demo.Credentials
	// BLocation is brand B's first location.
	BLocation int64
	// Revoked holds, per protocol channel, credentials of brand A whose
	// credential was revoked (the DemoCredentials of a second demo
	// partner); for zeek and tableorder, RevokedTokens holds an access
	// token issued before the revocation. RevokedHub is a revoked brand-A
	// hub token.
	Revoked       map[hub.Channel]any
	RevokedTokens map[hub.Channel]string
	RevokedHub    string
	// ALocations are brand A's locations (the demo's Gangnam, Saigon).
	ALocations []int64

	mark   Counts // the counts the next fuzz input starts from (Mark)
	marked bool
}

// MetricsToken is the Bearer token GET /metrics requires in a world.
const MetricsToken = "world-metrics-token"

// BaseURL is the base URL the demo data is written with.
const BaseURL = "http://orderhub.test"

// Quiet is a logger that drops everything (a fuzz run logs nothing).
func Quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// New builds a world on st with the server's registry.
func New(tb testing.TB, st store.Store) *World {
	tb.Helper()
	ctx := context.Background()
	reg := server.Protocols()
	svc := service.New(st, reg.Option())
	w := &World{Store: st, Service: svc, Registry: reg, Revoked: map[hub.Channel]any{},
		RevokedTokens: map[hub.Channel]string{}}
	w.Handler = server.Handler(server.Config{Version: "world", Protocols: reg, MetricsToken: MetricsToken}, svc, Quiet())
	var err error
	if w.A, err = demo.Load(ctx, svc, BaseURL, reg); err != nil {
		tb.Fatalf("demo data: %v", err)
	}
	locs, err := st.ListLocations(ctx, w.A.BrandID)
	if err != nil {
		tb.Fatal(err)
	}
	for _, l := range locs {
		w.ALocations = append(w.ALocations, l.ID)
	}

	// Brand B: the same protocols, its own partners and token.
	b := &hub.Brand{Name: "Pho Corner", Currency: "KRW", TaxRateBP: 1000, TaxIncluded: true}
	must(tb, svc.CreateBrand(ctx, b))
	bl := &hub.Location{BrandID: b.ID, Code: "PHO-1", Name: "Pho Corner Jongno", Timezone: "Asia/Seoul"}
	must(tb, svc.CreateLocation(ctx, bl))
	w.BLocation = bl.ID
	bp := &hub.Product{BrandID: b.ID, RefID: "B001", Name: hub.I18n{"en": "Pho"}, Type: hub.ProductSingle, Price: 9000,
		IndividualSale: true, Displayed: true, Launch: hub.Launch{Launched: true}}
	must(tb, svc.SaveProduct(ctx, bp))
	w.B = &demo.Credentials{BaseURL: BaseURL, Currency: b.Currency, BrandID: b.ID}
	db := &protocol.Demo{Service: svc, Brand: b, Locations: []*hub.Location{bl}}
	ab, err := st.GetBrand(ctx, w.A.BrandID)
	must(tb, err)
	da := &protocol.Demo{Service: svc, Brand: ab, Locations: []*hub.Location{&locs[0], &locs[1]}}
	for _, p := range reg {
		if p.Demo == nil {
			continue
		}
		dp, err := p.Demo(ctx, db)
		must(tb, err)
		w.B.Partners = append(w.B.Partners, demo.PartnerCreds{Channel: p.Channel, Credentials: dp.Credentials, Summary: dp.Summary})

		// A second brand-A partner, its credential revoked (after an
		// access token was issued with it, for the client protocols).
		rp, err := p.Demo(ctx, da)
		must(tb, err)
		w.Revoked[p.Channel] = rp.Credentials
		switch p.Channel {
		case hub.ChannelZeek:
			w.RevokedTokens[p.Channel] = w.ZeekToken(tb, rp.Credentials)
		case hub.ChannelTableOrder:
			w.RevokedTokens[p.Channel] = w.QRToken(tb, rp.Credentials)
		}
		pid := PartnerID(tb, rp.Credentials)
		must(tb, st.Update(ctx, func(tx store.Tx) error {
			creds, err := tx.ListCredentials(ctx, pid)
			if err != nil {
				return err
			}
			for _, c := range creds {
				if err := tx.RevokeCredential(ctx, c.ID, svc.Now()); err != nil {
					return err
				}
			}
			return nil
		}))
	}
	if w.B.Hub.Token, err = svc.CreateHubToken(ctx, b.ID, "brand B"); err != nil {
		tb.Fatal(err)
	}
	rt, err := svc.IssueHubToken(ctx, w.A.BrandID, "revoked")
	must(tb, err)
	must(tb, svc.RevokeHubToken(ctx, w.A.BrandID, rt.ID))
	w.RevokedHub = rt.Token
	return w
}

// Open builds a world on a fresh SQLite store in a temporary directory.
func Open(tb testing.TB) *World { return New(tb, testutil.OpenSQLite(tb)) }

func must(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

// fields are a DemoCredentials value's JSON members.
func fields(tb testing.TB, creds any) map[string]any {
	tb.Helper()
	b, err := json.Marshal(creds)
	must(tb, err)
	var m map[string]any
	must(tb, json.Unmarshal(b, &m))
	return m
}

func str(m map[string]any, k string) string { s, _ := m[k].(string); return s }

// PartnerID is the partner_id of a protocol's DemoCredentials.
func PartnerID(tb testing.TB, creds any) int64 {
	tb.Helper()
	id, err := strconv.ParseInt(str(fields(tb, creds), "partner_id"), 10, 64)
	must(tb, err)
	return id
}

// Key is the API key of an API-key protocol's DemoCredentials (kakao's
// api_key, Omni's token, Junglebook's api_key), or the client id of a
// client protocol's.
func Key(tb testing.TB, creds any) string {
	tb.Helper()
	m := fields(tb, creds)
	for _, k := range []string{"api_key", "token", "client_id"} {
		if s := str(m, k); s != "" {
			return s
		}
	}
	tb.Fatalf("credentials %v have no key", m)
	return ""
}

// ClientSecret is a client protocol's client_secret ("" for others).
func ClientSecret(tb testing.TB, creds any) string {
	tb.Helper()
	return str(fields(tb, creds), "client_secret")
}

// Partner is brand A's (b false) or brand B's DemoCredentials of a channel.
func (w *World) Partner(ch hub.Channel, b bool) any {
	if b {
		return w.B.Partner(ch)
	}
	return w.A.Partner(ch)
}

// Do serves one request in process.
func (w *World) Do(req *http.Request) *httptest.ResponseRecorder {
	rr := httptest.NewRecorder()
	w.Handler.ServeHTTP(rr, req)
	return rr
}

// Request builds a request; hdr holds header name/value pairs.
func Request(method, path, body string, hdr ...string) *http.Request {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	return req
}

// ZeekToken exchanges a zeek client's DemoCredentials for an access token.
func (w *World) ZeekToken(tb testing.TB, creds any) string {
	tb.Helper()
	body, _ := json.Marshal(map[string]string{"client_id": Key(tb, creds), "client_secret": ClientSecret(tb, creds),
		"grant_type": "client_credentials", "scope": "all"})
	rr := w.Do(Request("POST", "/api/v1.0/auth/token", string(body), "Content-Type", "application/json",
		"KS-Client-Request-Id", "world-token-"+strconv.FormatInt(PartnerID(tb, creds), 10), "KS-Lang", "en"))
	var out struct {
		Data struct {
			AccessToken string `json:"access_token"`
		} `json:"data"`
	}
	if err := json.Unmarshal(rr.Body.Bytes(), &out); rr.Code != http.StatusOK || err != nil || out.Data.AccessToken == "" {
		tb.Fatalf("zeek token: %d %s", rr.Code, rr.Body.Bytes())
	}
	return out.Data.AccessToken
}

// QRToken logs a QR (tableorder) client in and returns its access token.
func (w *World) QRToken(tb testing.TB, creds any) string {
	tb.Helper()
	form := "grant_type=client_credentials&client_id=" + Key(tb, creds) + "&client_secret=" + ClientSecret(tb, creds)
	rr := w.Do(Request("POST", "/v1/auth/login", form, "Content-Type", "application/x-www-form-urlencoded"))
	var out struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(rr.Body.Bytes(), &out); rr.Code != http.StatusOK || err != nil || out.AccessToken == "" {
		tb.Fatalf("qr login: %d %s", rr.Code, rr.Body.Bytes())
	}
	return out.AccessToken
}

// Counts are the rows a change leaves behind (testutil.Counts).
type Counts = testutil.Counts

// Counts reads the counts in one statement.
func (w *World) Counts(tb testing.TB) Counts {
	tb.Helper()
	return testutil.CountRows(tb, w.Store)
}

// Mark records the counts a fuzz target's next input starts from; call
// it once, after the target's setup and before f.Fuzz.
func (w *World) Mark(tb testing.TB) { w.mark, w.marked = w.Counts(tb), true }

// Check is the fuzz targets' property for one answer: never a 5xx (bad
// input is never the server's fault) and, when refused is true, nothing
// written since the previous input (or Mark). The fuzz function runs one
// input at a time per process, so the counts after one input are those
// before the next: one count per input.
func (w *World) Check(t *testing.T, rr *httptest.ResponseRecorder, refused bool, input any) {
	t.Helper()
	if !w.marked {
		t.Fatal("world.Check before world.Mark")
	}
	if rr.Code >= 500 {
		t.Fatalf("%d for input %q: %s", rr.Code, input, rr.Body.Bytes())
	}
	after := w.Counts(t)
	if refused && after != w.mark {
		t.Fatalf("refused (%d %s) but wrote: before %+v, after %+v; input %q", rr.Code, rr.Body.Bytes(), w.mark, after, input)
	}
	w.mark = after
}

// JSONObjects returns every JSON object written in a text file (a seed
// specification, a golden file): each "{" that starts a balanced, valid
// JSON object, outermost only. The fuzz targets seed their corpus with
// them.
func JSONObjects(tb testing.TB, path string) [][]byte {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	var out [][]byte
	for i := 0; i < len(b); i++ {
		if b[i] != '{' {
			continue
		}
		depth, inString, escaped := 0, false, false
		for j := i; j < len(b); j++ {
			c := b[j]
			switch {
			case escaped:
				escaped = false
			case inString && c == '\\':
				escaped = true
			case c == '"':
				inString = !inString
			case inString:
			case c == '{':
				depth++
			case c == '}':
				depth--
			}
			if depth == 0 {
				if cand := b[i : j+1]; json.Valid(cand) {
					out = append(out, cand)
					i = j
				}
				break
			}
		}
	}
	return out
}
