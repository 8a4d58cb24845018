package testutil

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// OpenAPIChecker checks traffic against an API description (the composed
// GET /openapi.json; testutil cannot import the server, so the caller
// passes server.OpenAPI's bytes):
//
//   - every answer to an operation of the document must be one the
//     document describes: a documented status (or default) with a body
//     its schema accepts, and the documented headers;
//   - a request the document calls invalid must be refused (4xx): tests
//     send bad input on purpose, and the server must not take what the
//     document says it refuses. A valid request gets no such check.
//
// Paths the document leaves out (the dashboard, unknown paths) pass
// unchecked, and so do streams (an answer the handler flushes).
type OpenAPIChecker struct {
	router routers.Router
}

var (
	checkerMu    sync.Mutex
	checkerCache = map[string]*OpenAPIChecker{}
)

// NewOpenAPIChecker parses the document once per content.
func NewOpenAPIChecker(tb testing.TB, doc []byte) *OpenAPIChecker {
	tb.Helper()
	checkerMu.Lock()
	defer checkerMu.Unlock()
	if c := checkerCache[string(doc)]; c != nil {
		return c
	}
	loader := openapi3.NewLoader()
	d, err := loader.LoadFromData(doc)
	if err != nil {
		tb.Fatalf("openapi: load: %v", err)
	}
	// Examples are checked where they are sent (the examples test, on
	// the full registry); a document of fewer protocols may name others.
	if err := d.Validate(context.Background(), openapi3.DisableExamplesValidation()); err != nil {
		tb.Fatalf("openapi: the document is not valid: %v", err)
	}
	r, err := gorillamux.NewRouter(d)
	if err != nil {
		tb.Fatalf("openapi: router: %v", err)
	}
	c := &OpenAPIChecker{router: r}
	checkerCache[string(doc)] = c
	return c
}

// CheckOption adjusts what ValidatingHandler checks, for a partner wire
// the document cannot say everything about. Each names the operations
// (operationId) it applies to; none means every operation.
type CheckOption func(*checkConfig)

type checkConfig struct {
	refusesWith200 map[string]bool
	anyContentType map[string]bool
}

func (c *checkConfig) applies(set map[string]bool, route *routers.Route) bool {
	if set == nil {
		return false
	}
	return set[""] || (route.Operation != nil && set[route.Operation.OperationID])
}

func opSet(ids []string) map[string]bool {
	m := map[string]bool{}
	if len(ids) == 0 {
		m[""] = true
	}
	for _, id := range ids {
		m[id] = true
	}
	return m
}

// RefusesWith200 is for operations whose refusals are 200 answers with an
// error code in the body (Junglebook, seed 002: errCode 001 for a missing
// parameter; the platform's batch update, seed 003: a result per row): the
// status cannot tell a refused invalid request from a taken one, so only
// the answers are checked. The tests of such a wire assert the codes.
func RefusesWith200(operationIDs ...string) CheckOption {
	return func(c *checkConfig) { c.refusesWith200 = opSet(operationIDs) }
}

// AnyContentType is for operations that read a JSON body whatever its
// Content-Type says (Omni: "the content type is not enforced"; the
// platform's token endpoint: the seed's curl -d sends its JSON labelled
// as a form): a body that parses as JSON is checked as application/json.
func AnyContentType(operationIDs ...string) CheckOption {
	return func(c *checkConfig) { c.anyContentType = opSet(operationIDs) }
}

// ValidatingHandler wraps h so that every request it serves is checked
// (OpenAPIChecker); a failure fails tb.
func ValidatingHandler(tb testing.TB, doc []byte, h http.Handler, opts ...CheckOption) http.Handler {
	var cfg checkConfig
	for _, o := range opts {
		o(&cfg)
	}
	c := NewOpenAPIChecker(tb, doc)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		route, params, err := c.router.FindRoute(r)
		if err != nil {
			h.ServeHTTP(w, r) // not an operation of the document
			return
		}
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		in := &openapi3filter.RequestValidationInput{
			Request: r.Clone(r.Context()), PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true},
		}
		in.Request.Body = io.NopCloser(bytes.NewReader(body))
		if ct := impliedContentType(route, body); ct != "" && r.Header.Get("Content-Type") == "" {
			in.Request.Header.Set("Content-Type", ct)
		}
		if cfg.applies(cfg.anyContentType, route) && json.Valid(body) {
			in.Request.Header.Set("Content-Type", "application/json")
		}
		reqErr := openapi3filter.ValidateRequest(r.Context(), in)

		rec := &recorder{w: w, header: http.Header{}, status: http.StatusOK}
		h.ServeHTTP(rec, r)
		if rec.streaming {
			return
		}
		if reqErr != nil && !(rec.status == http.StatusOK && cfg.applies(cfg.refusesWith200, route)) && (rec.status < 400 || rec.status >= 500) {
			tb.Errorf("openapi: %s %s: the document calls the request invalid, the server answered %d: %v",
				r.Method, r.URL, rec.status, reqErr)
		}
		out := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: in, Status: rec.status, Header: rec.header,
			Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
		}
		out.SetBodyBytes(rec.body.Bytes())
		if err := openapi3filter.ValidateResponse(r.Context(), out); err != nil {
			tb.Errorf("openapi: %s %s: answer %d is not the documented one: %v\n%s",
				r.Method, r.URL, rec.status, err, truncate(rec.body.Bytes()))
		}
		rec.flushTo()
	})
}

// impliedContentType is the media type a body without Content-Type is
// read as: every surface decodes the one format it takes whatever the
// header says (tests and partners' clients often send none), so the
// request is checked as the operation's JSON (or only) media type.
func impliedContentType(route *routers.Route, body []byte) string {
	if len(body) == 0 || route.Operation == nil || route.Operation.RequestBody == nil || route.Operation.RequestBody.Value == nil {
		return ""
	}
	content := route.Operation.RequestBody.Value.Content
	if content.Get("application/json") != nil {
		return "application/json"
	}
	for ct := range content {
		if len(content) == 1 {
			return ct
		}
	}
	return ""
}

func truncate(b []byte) []byte {
	if len(b) > 600 {
		return append(b[:600:600], "…"...)
	}
	return b
}

// ValidatingTransport is ValidatingHandler for a client: it serves the
// request with h in process, so a test's http.Client checks its traffic
// the same way (Transport: testutil.ValidatingTransport(t, doc, h)).
func ValidatingTransport(tb testing.TB, doc []byte, h http.Handler) http.RoundTripper {
	vh := ValidatingHandler(tb, doc, h)
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		rec := &inProcess{header: http.Header{}, status: http.StatusOK}
		vh.ServeHTTP(rec, r)
		return &http.Response{StatusCode: rec.status, Status: http.StatusText(rec.status), Header: rec.header,
			Body: io.NopCloser(bytes.NewReader(rec.body.Bytes())), Request: r, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			ContentLength: int64(rec.body.Len())}, nil
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// recorder keeps an answer until it is checked, and passes a stream (a
// flushed answer) straight through.
type recorder struct {
	w         http.ResponseWriter
	header    http.Header
	status    int
	wrote     bool
	body      bytes.Buffer
	streaming bool
}

func (r *recorder) Header() http.Header {
	if r.streaming {
		return r.w.Header()
	}
	return r.header
}

func (r *recorder) WriteHeader(code int) {
	if r.streaming {
		r.w.WriteHeader(code)
		return
	}
	if !r.wrote {
		r.status, r.wrote = code, true
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.streaming {
		return r.w.Write(b)
	}
	r.wrote = true
	return r.body.Write(b)
}

// Flush turns the answer into a stream: what was kept goes out, the rest
// passes through unchecked.
func (r *recorder) Flush() {
	if !r.streaming {
		r.streaming = true
		r.flushTo()
	}
	if f, ok := r.w.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the real writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.w }

func (r *recorder) flushTo() {
	for k, v := range r.header {
		r.w.Header()[k] = v
	}
	r.w.WriteHeader(r.status)
	r.w.Write(r.body.Bytes())
	r.body.Reset()
}

// inProcess is the ResponseWriter of ValidatingTransport.
type inProcess struct {
	header http.Header
	status int
	wrote  bool
	body   bytes.Buffer
}

func (r *inProcess) Header() http.Header { return r.header }
func (r *inProcess) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
}
func (r *inProcess) Write(b []byte) (int, error) { r.wrote = true; return r.body.Write(b) }
