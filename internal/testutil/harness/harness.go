package harness

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"orderhub/internal/api"
	"orderhub/internal/protocol"
	"orderhub/internal/service"
	"orderhub/internal/store"
	"orderhub/internal/testutil"
)

// Config says how a harness's service is built and what it holds.
type Config struct {
	// Clock, when not zero, is where the harness's settable clock
	// (Harness.Clock) starts; the service reads the time from it.
	Clock time.Time
	// Options are added to the service's after testutil.Outbound and the
	// clock, so they may override them: the protocol registry
	// (protocol.Registry.Option), a logger, another outbound policy.
	Options []service.Option
	// Data is the catalog created before the test runs.
	Data Data
}

// Harness is a service on a store holding Data, and (after Serve) the
// surface under test over real HTTP.
type Harness struct {
	T     *testing.T
	Ctx   context.Context
	Store store.Store
	Svc   *service.Service
	// Clock is the service's clock (nil without Config.Clock).
	Clock *testutil.Clock
	// Srv is the test server (nil before Serve).
	Srv *httptest.Server

	catalog
}

// New builds the service on st (a fresh SQLite store when st is nil) and
// creates cfg.Data.
func New(t *testing.T, st store.Store, cfg Config) *Harness {
	t.Helper()
	if st == nil {
		st = testutil.OpenSQLite(t)
	}
	f := &Harness{T: t, Ctx: context.Background(), Store: st}
	opts := []service.Option{service.WithOutbound(testutil.Outbound)}
	if !cfg.Clock.IsZero() {
		f.Clock = testutil.NewClock(cfg.Clock)
		opts = append(opts, service.WithClock(f.Clock.Now))
	}
	f.Svc = service.New(st, append(opts, cfg.Options...)...)
	f.create(t, f.Ctx, f.Svc, cfg.Data)
	return f
}

// Quiet is a logger that drops everything.
func Quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// Mux is a ServeMux with each routes function's routes on it (a
// protocol's Handler.Routes, api.Handler.Routes).
func Mux(routes ...func(protocol.Mux)) *http.ServeMux {
	mux := http.NewServeMux()
	for _, r := range routes {
		r(mux)
	}
	return mux
}

// ProtocolDoc is the native API description with the protocols of reg in
// it, which a protocol's traffic is checked against.
func ProtocolDoc(t *testing.T, reg protocol.Registry) []byte {
	t.Helper()
	doc, err := protocol.ComposeOpenAPI(api.OpenAPI(), reg)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// Serve serves h over HTTP until the test ends; with a doc, every request
// and answer is checked against it (testutil.ValidatingHandler).
func (f *Harness) Serve(h http.Handler, doc []byte, checks ...testutil.CheckOption) {
	f.T.Helper()
	f.Srv = httptest.NewServer(f.checked(h, doc, checks))
	f.T.Cleanup(f.Srv.Close)
}

// ServeTLS is Serve over HTTPS; Do trusts the server's certificate.
func (f *Harness) ServeTLS(h http.Handler, doc []byte, checks ...testutil.CheckOption) {
	f.T.Helper()
	f.Srv = httptest.NewTLSServer(f.checked(h, doc, checks))
	f.T.Cleanup(f.Srv.Close)
}

func (f *Harness) checked(h http.Handler, doc []byte, checks []testutil.CheckOption) http.Handler {
	if doc == nil {
		return h
	}
	return testutil.ValidatingHandler(f.T, doc, h, checks...)
}

// Response is an answer as received.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Do sends a request to the test server; hdr holds header name, value
// pairs, added in order (a name given twice is sent twice, an empty value
// is sent empty).
func (f *Harness) Do(method, path, body string, hdr ...string) Response {
	f.T.Helper()
	return Do(f.T, f.Srv, method, path, body, hdr...)
}

// Do sends a request to srv (Harness.Do for a server of its own).
func Do(t testing.TB, srv *httptest.Server, method, path, body string, hdr ...string) Response {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	testutil.Must(t, err)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Add(hdr[i], hdr[i+1])
	}
	res, err := srv.Client().Do(req)
	testutil.Must(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	testutil.Must(t, err)
	return Response{Status: res.StatusCode, Header: res.Header, Body: b}
}

// Literal decodes the body as a JSON object with numbers as their literal
// text (testutil.DecodeJSON), failing t when it is not one.
func (r Response) Literal(t testing.TB) map[string]any {
	t.Helper()
	m, ok := testutil.DecodeJSON(t, r.Body).(map[string]any)
	if !ok {
		t.Fatalf("body is not a JSON object: %q", r.Body)
	}
	return m
}

// Object decodes the body as a JSON object (numbers as float64), failing
// t when it is not one.
func (r Response) Object(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil || m == nil {
		t.Fatalf("body is not a JSON object: %q", r.Body)
	}
	return m
}

// Scenarios runs a table of scenarios against the test server, in order.
func (f *Harness) Scenarios(t *testing.T, ss []testutil.Scenario) {
	t.Helper()
	testutil.RunScenariosWith(t, f.Srv.Client(), f.Srv.URL, ss)
}

// Rows reads testutil.CountRows of the harness's store: as
// Scenario.Unchanged, the request must write nothing.
func (f *Harness) Rows(t *testing.T) any { return testutil.CountRows(t, f.Store) }
