package omni

import (
	"bufio"
	"bytes"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"orderhub/internal/hub"
	"orderhub/internal/store"
	"orderhub/internal/testutil"
)

// seedFile is a byte-for-byte copy of ../shared/seeds/001_5f57ff6f4950ca12.txt;
// the golden tests read their requests and expected answers from it.
const seedFile = "testdata/001_5f57ff6f4950ca12.txt"

// seedExamples are the examples of the seed, in the order they appear.
type seedExamples struct {
	headers  []http.Header // request header blocks, one per call
	requests []string      // request bodies, one per call (confirm, paid, complete, cancel)
	curls    []string      // curl lines without the "$ " prompt, one per call
	// responses are the "HTTP/1.0 ..." blocks of B (200, 400, 401, 403);
	// section C's common header block is the fifth, without a body.
	responses []seedResponse
	// stateErrors are section C's four bodies: invalid_status, already_paid,
	// order_already_completed, order_already_canceled.
	stateErrors []json.RawMessage
}

type seedResponse struct {
	status int
	header map[string]string
	body   string
}

// codeBlocks returns the reStructuredText code blocks of the seed with
// their language.
func codeBlocks(t *testing.T, text string) (langs, blocks []string) {
	t.Helper()
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		trimmed := strings.TrimSpace(lines[i])
		if !strings.HasPrefix(trimmed, ".. code-block::") {
			continue
		}
		lang := strings.TrimSpace(strings.TrimPrefix(trimmed, ".. code-block::"))
		var body []string
		j := i + 1
		for ; j < len(lines); j++ {
			l := lines[j]
			if strings.TrimSpace(l) != "" && !strings.HasPrefix(l, " ") && !strings.HasPrefix(l, "\t") {
				break
			}
			body = append(body, strings.TrimPrefix(l, "    "))
		}
		i = j - 1
		blocks = append(blocks, strings.Trim(strings.Join(body, "\n"), "\n"))
		langs = append(langs, lang)
	}
	return langs, blocks
}

func loadSeed(t *testing.T) seedExamples {
	t.Helper()
	raw, err := os.ReadFile(seedFile)
	must(t, err)
	var ex seedExamples
	langs, blocks := codeBlocks(t, string(raw))
	for i, b := range blocks {
		switch {
		case langs[i] == "":
			h := http.Header{}
			for _, l := range strings.Split(b, "\n") {
				k, v, ok := strings.Cut(l, ":")
				if !ok {
					t.Fatalf("seed header block: bad line %q", l)
				}
				h.Add(strings.TrimSpace(k), strings.TrimSpace(v))
			}
			ex.headers = append(ex.headers, h)
		case langs[i] == "javascript":
			ex.requests = append(ex.requests, b)
		case langs[i] == "bash" && strings.HasPrefix(b, "$ curl"):
			ex.curls = append(ex.curls, strings.TrimSpace(strings.TrimPrefix(b, "$ ")))
		case langs[i] == "bash" && strings.HasPrefix(b, "HTTP/1.0 "):
			ex.responses = append(ex.responses, parseSeedResponse(t, b))
		case langs[i] == "json":
			dec := json.NewDecoder(strings.NewReader(b))
			for {
				var m json.RawMessage
				if err := dec.Decode(&m); err == io.EOF {
					break
				} else if err != nil {
					t.Fatalf("seed json block: %v", err)
				}
				ex.stateErrors = append(ex.stateErrors, m)
			}
		default:
			t.Fatalf("unexpected seed block %q: %q", langs[i], b)
		}
	}
	if len(ex.headers) != 4 || len(ex.requests) != 4 || len(ex.curls) != 4 || len(ex.responses) != 5 || len(ex.stateErrors) != 4 {
		t.Fatalf("seed parse: %d header blocks, %d requests, %d curls, %d responses, %d state errors; want 4, 4, 4, 5, 4",
			len(ex.headers), len(ex.requests), len(ex.curls), len(ex.responses), len(ex.stateErrors))
	}
	return ex
}

func parseSeedResponse(t *testing.T, b string) seedResponse {
	t.Helper()
	head, body, _ := strings.Cut(b, "\n\n")
	lines := strings.Split(head, "\n")
	f := strings.Fields(lines[0])
	status, err := strconv.Atoi(f[1])
	must(t, err)
	r := seedResponse{status: status, header: map[string]string{}, body: strings.TrimSpace(body)}
	for _, l := range lines[1:] {
		l = strings.TrimSpace(l)
		if l == "" || l == "[Redacted Header]" {
			continue
		}
		k, v, _ := strings.Cut(l, ":")
		r.header[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return r
}

// TestSeedCopy keeps testdata in step with the shared seed when it is there.
func TestSeedCopy(t *testing.T) {
	shared := filepath.Join("..", "..", "..", "..", "shared", "seeds", filepath.Base(seedFile))
	want, err := os.ReadFile(shared)
	if err != nil {
		t.Skipf("shared seed not available: %v", err)
	}
	got, err := os.ReadFile(seedFile)
	must(t, err)
	if !bytes.Equal(want, got) {
		t.Fatalf("%s differs from %s", seedFile, shared)
	}
}

var callNames = []string{"confirm", "paid", "complete", "cancel"}

// sendSeed sends the seed's request example of a call exactly as written:
// its header block (the seed's token included) and its body.
func (f *fixture) sendSeed(ex seedExamples, i int, drop ...string) response {
	f.T.Helper()
	var hdr []string
	for k, vs := range ex.headers[i] {
		if contains(drop, k) {
			continue
		}
		for _, v := range vs {
			hdr = append(hdr, k, v)
		}
	}
	return f.Do(http.MethodPost, "/api/store/orders/"+callNames[i], ex.requests[i], hdr...)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// withFields returns a copy of a JSON object with some fields replaced.
func withFields(t *testing.T, body string, fields map[string]any) []byte {
	t.Helper()
	var m map[string]json.RawMessage
	must(t, json.Unmarshal([]byte(body), &m))
	for k, v := range fields {
		b, err := json.Marshal(v)
		must(t, err)
		m[k] = b
	}
	b, err := json.Marshal(m)
	must(t, err)
	return b
}

// checkSeedResponse compares an answer with a response example of the seed:
// status, every header it shows, and (when given) the body.
func checkSeedResponse(t *testing.T, what string, r response, want seedResponse, body []byte) {
	t.Helper()
	if r.Status != want.status {
		t.Errorf("%s: status %d, want %d (body %s)", what, r.Status, want.status, r.Body)
	}
	checkHeaders(t, what, r.Header, want.header)
	if body != nil {
		testutil.SameJSON(t, what, body, r.Body)
	}
}

// TestSeedExamples sends every request example of the seed as written and
// matches every response example field for field, on every configured
// database.
func TestSeedExamples(t *testing.T) {
	ex := loadSeed(t)
	for i, req := range ex.requests {
		key := "order"
		if i == 0 {
			key = "number"
		}
		if req != `{
  "`+key+`": "FR9TL74P"
}` {
			t.Fatalf("request example %d is %q", i, req)
		}
	}
	success, notFound, unauthorized, forbidden, stateHeader := ex.responses[0], ex.responses[1], ex.responses[2], ex.responses[3], ex.responses[4]
	if success.status != 200 || notFound.status != 400 || unauthorized.status != 401 || forbidden.status != 403 || stateHeader.status != 400 || stateHeader.body != "" {
		t.Fatalf("unexpected seed responses: %+v", ex.responses)
	}
	invalidStatus, alreadyPaid, alreadyCompleted, alreadyCanceled := ex.stateErrors[0], ex.stateErrors[1], ex.stateErrors[2], ex.stateErrors[3]

	forEachDB(t, func(t *testing.T, open func(*testing.T) store.Store) {
		t.Run("lifecycle", func(t *testing.T) {
			f := newFixture(t, open(t), Config{}, false)
			// Confirm on the NEW order answers the seed's success example
			// with no exception: the fixture has the seed's id (1) and
			// creation time, so id and created match too.
			checkSeedResponse(t, "confirm", f.sendSeed(ex, 0), success, []byte(success.body))
			// Confirm again: section C's first body.
			checkSeedResponse(t, "confirm again", f.sendSeed(ex, 0), stateHeader, invalidStatus)
			// Paid: the success example, where only paymentStatus
			// legitimately differs (now 2).
			checkSeedResponse(t, "paid", f.sendSeed(ex, 1), success,
				withFields(t, success.body, map[string]any{"paymentStatus": 2}))
			checkSeedResponse(t, "paid again", f.sendSeed(ex, 1), stateHeader, alreadyPaid)
			// Complete: status, deliveryStatus and statusText differ
			// (20, 20, "Complete"), paymentStatus is 2.
			checkSeedResponse(t, "complete", f.sendSeed(ex, 2), success,
				withFields(t, success.body, map[string]any{"status": 20, "deliveryStatus": 20, "statusText": "Complete", "paymentStatus": 2}))
			checkSeedResponse(t, "complete again", f.sendSeed(ex, 2), stateHeader, alreadyCompleted)
			// Cancel of a completed order is refused (DESIGN.md §4).
			checkSeedResponse(t, "cancel completed", f.sendSeed(ex, 3), stateHeader, alreadyCompleted)
		})
		t.Run("cancel", func(t *testing.T) {
			f := newFixture(t, open(t), Config{}, false)
			// Cancel: status, deliveryStatus and statusText differ (30,
			// 30, "Cancelled").
			checkSeedResponse(t, "cancel", f.sendSeed(ex, 3), success,
				withFields(t, success.body, map[string]any{"status": 30, "deliveryStatus": 30, "statusText": "Cancelled"}))
			checkSeedResponse(t, "cancel again", f.sendSeed(ex, 3), stateHeader, alreadyCanceled)
			for i, name := range callNames[:3] {
				key := "order"
				if i == 0 {
					key = "number"
				}
				want := errBody(key, "order_already_canceled", "Order already canceled")
				checkSeedResponse(t, name+" cancelled", f.sendSeed(ex, i), stateHeader, []byte(want))
			}
		})
		t.Run("not found", func(t *testing.T) {
			f := newFixture(t, open(t), Config{}, false)
			// The seed's confirm request with another brand's token: the
			// order exists, but not for this credential.
			other := &hub.Brand{Name: "Pizza Lord", Currency: "IDR"}
			must(t, f.Svc.CreateBrand(f.Ctx, other))
			p := &hub.Partner{BrandID: other.ID, Protocol: hub.ChannelOmni}
			issued, _, err := f.Svc.CreatePartner(f.Ctx, p)
			must(t, err)
			r := f.Do(http.MethodPost, "/api/store/orders/confirm", ex.requests[0],
				"Content-Type", "application/json", "Authorization", "token "+issued.APIKey)
			checkSeedResponse(t, "other brand", r, notFound, []byte(notFound.body))
			// An unknown number, with the seed's token.
			r = f.Do(http.MethodPost, "/api/store/orders/confirm", `{"number": "XXXXXXXX"}`,
				"Content-Type", "application/json", "Authorization", "token "+seedToken)
			checkSeedResponse(t, "unknown number", r, notFound, []byte(notFound.body))
		})
		t.Run("unauthorized", func(t *testing.T) {
			f := newFixture(t, open(t), Config{}, false)
			for i := range callNames {
				checkSeedResponse(t, callNames[i]+" without token", f.sendSeed(ex, i, "Authorization"), unauthorized, []byte(unauthorized.body))
			}
			r := f.Do(http.MethodPost, "/api/store/orders/confirm", ex.requests[0],
				"Content-Type", "application/json", "Authorization", "token "+seedToken+"x")
			checkSeedResponse(t, "wrong token", r, unauthorized, []byte(unauthorized.body))
		})
		t.Run("https required", func(t *testing.T) {
			f := newFixture(t, open(t), Config{RequireHTTPS: true}, false)
			for i := range callNames {
				checkSeedResponse(t, callNames[i]+" over http", f.sendSeed(ex, i), forbidden, []byte(forbidden.body))
			}
		})
	})
}

// TestSeedCurl runs the seed's curl lines as written, "Expect:" included,
// with the real curl binary; only the URL's host is replaced by the test
// server's (which serves HTTPS, so the scheme stays and HTTPS is required).
func TestSeedCurl(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("curl is required under CI=true: %v", err)
		}
		t.Skipf("curl not installed: %v", err)
	}
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skipf("sh not installed: %v", err)
	}
	ex := loadSeed(t)
	f := newFixture(t, nil, Config{RequireHTTPS: true}, true)

	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	must(t, os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: f.Srv.Certificate().Raw}), 0o600))
	env := []string{"PATH=" + filepath.Dir(curl) + string(os.PathListSeparator) + os.Getenv("PATH"),
		"HOME=" + dir, "CURL_HOME=" + dir, "CURL_CA_BUNDLE=" + ca, "NO_PROXY=*", "no_proxy=*"}

	success, stateHeader := ex.responses[0], ex.responses[4]
	want := []struct {
		resp seedResponse
		body []byte
	}{
		{success, []byte(success.body)},
		{success, withFields(t, success.body, map[string]any{"paymentStatus": 2})},
		{success, withFields(t, success.body, map[string]any{"status": 20, "deliveryStatus": 20, "statusText": "Complete", "paymentStatus": 2})},
		{stateHeader, ex.stateErrors[2]},
	}
	for i, line := range ex.curls {
		if !strings.Contains(line, `-H "Expect:"`) || !strings.Contains(line, "https://orders.upnormal.co.id/api/store/orders/"+callNames[i]) {
			t.Fatalf("curl line %d is %q", i, line)
		}
		cmdline := strings.Replace(line, "https://orders.upnormal.co.id", f.Srv.URL, 1)
		cmd := exec.Command(sh, "-c", cmdline)
		cmd.Env = env
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s: %v\n%s", cmdline, err, stderr.String())
		}
		r := parseCurlOutput(t, out)
		checkSeedResponse(t, "curl "+callNames[i], r, want[i].resp, want[i].body)
	}
}

// parseCurlOutput reads the output of curl -i.
func parseCurlOutput(t *testing.T, out []byte) response {
	t.Helper()
	br := bufio.NewReader(bytes.NewReader(out))
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("curl output %q: %v", out, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	must(t, err)
	return response{Status: res.StatusCode, Header: res.Header, Body: b}
}
