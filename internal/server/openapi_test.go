package server

import (
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"orderhub/internal/api"
	"orderhub/internal/protocol"
	"orderhub/internal/service"
	"orderhub/internal/testutil"
)

// The API description (internal/api/openapi.json composed with every
// registered protocol's part) and the mux must agree:
//
//   - document → mux: every operation of the document, sent to the full mux
//     that Routes builds (path parameters filled with sample values), is
//     routed to a pattern with exactly the document's path template and its
//     method, or to a method-less pattern that serves every method of a path
//     nobody registered with a method (Omni, Junglebook, Zeek), whose
//     handler must then not answer the operation's method with 405;
//   - mux → document: every pattern registered is in the document. Routes
//     is run on a recordingMux, so every pattern of every surface — the
//     native ones and each protocol of the registry — is recorded.

// recordingMux registers on a ServeMux and records every pattern.
type recordingMux struct {
	*http.ServeMux
	patterns []string
}

func newRecordingMux() *recordingMux { return &recordingMux{ServeMux: http.NewServeMux()} }

func (m *recordingMux) Handle(pattern string, h http.Handler) {
	m.patterns = append(m.patterns, pattern)
	m.ServeMux.Handle(pattern, h)
}

func (m *recordingMux) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	m.patterns = append(m.patterns, pattern)
	m.ServeMux.HandleFunc(pattern, h)
}

var _ api.Mux = (*recordingMux)(nil)

// fallbacks are method-less subtree patterns that serve no route of their
// own, only errors for paths nothing else matches: the native API's, and
// "<prefix>/" of a protocol's path prefix (its 404 in its own envelope:
// /api/v1.0/ for the platform's 40401, /order/ for the shop's errCode 999).
func fallbacks(reg protocol.Registry) map[string]bool {
	out := map[string]bool{"/hub/v1/": true} // the native API's 404 in its error envelope
	for _, p := range reg {
		for _, pp := range p.PathPrefixes {
			out[pp+"/"] = true
		}
	}
	return out
}

// undocumented reports whether a served path is left out of the API
// description on purpose: the dashboard (/ui/...) and the root that
// redirects to it are HTML pages for people, rendered by the server, not an
// API anyone programs against (README "Paths" documents them). Redocly's
// rules (a trailing-slash path, cookie sessions) are for APIs, too.
func undocumented(path string) bool {
	return path == "/" || strings.HasPrefix(path, "/ui/")
}

// samples fill path parameters; any other parameter gets "1".
var samples = map[string]string{
	"id": "1", "productId": "2", "credentialId": "3", "ref": "FR9TL74P", "action": "confirm",
	"storeId": "1", "orderId": "FR9TL74P", "numb": "4821", "name": "ui.css",
}

var methods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// loadDoc is the document served with the registry.
func loadDoc(t *testing.T, reg protocol.Registry) map[string]any {
	t.Helper()
	d, err := composeOpenAPI(reg)
	if err != nil {
		t.Fatalf("compose openapi.json: %v", err)
	}
	var doc map[string]any
	if err := json.Unmarshal(d.body, &doc); err != nil {
		t.Fatalf("openapi.json is not JSON: %v", err)
	}
	return doc
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// splitPattern splits "GET /a/{b}" into "GET" and "/a/{b}".
func splitPattern(p string) (method, path string) {
	if m, rest, ok := strings.Cut(p, " "); ok {
		return m, strings.TrimSpace(rest)
	}
	return "", p
}

var paramRE = regexp.MustCompile(`\{([^}]+)\}`)

func fill(path string) string {
	return paramRE.ReplaceAllStringFunc(path, func(m string) string {
		if v, ok := samples[m[1:len(m)-1]]; ok {
			return v
		}
		return "1"
	})
}

func TestOpenAPIMatchesMux(t *testing.T) {
	checkOpenAPIMatchesMux(t, Protocols())
}

// checkOpenAPIMatchesMux checks the document served with a registry
// against the routes Routes registers with it.
func checkOpenAPIMatchesMux(t *testing.T, reg protocol.Registry) {
	doc := loadDoc(t, reg)
	paths, _ := doc["paths"].(map[string]any)
	svc := service.New(testutil.OpenSQLite(t), service.WithOutbound(testutil.Outbound), reg.Option())

	mux := newRecordingMux()
	Routes(mux, Config{Version: "test", Protocols: reg}, svc, quietLog())
	patterns := mux.patterns
	fallback := fallbacks(reg)

	// Paths registered with a method: a method-less pattern on such a path
	// is a fallback (405 in the surface's envelope), not a route.
	withMethod := map[string]bool{}
	for _, p := range patterns {
		if m, path := splitPattern(p); m != "" {
			withMethod[path] = true
		}
	}

	t.Run("mux to document", func(t *testing.T) {
		seen := map[string]bool{}
		for _, p := range patterns {
			if seen[p] {
				t.Errorf("pattern %q registered twice", p)
			}
			seen[p] = true
			method, path := splitPattern(p)
			path = strings.TrimSuffix(path, "{$}") // "/{$}" is the path "/" exactly
			item, documented := paths[path].(map[string]any)
			switch {
			case undocumented(path):
				if documented {
					t.Errorf("%s is a page for people but in openapi.json", p)
				}
			case method != "":
				if item[strings.ToLower(method)] == nil {
					t.Errorf("%s is served but not in openapi.json", p)
				}
			case strings.HasSuffix(path, "/"):
				if !fallback[path] {
					t.Errorf("subtree pattern %q is neither documented nor a known fallback", p)
				}
			case !documented:
				t.Errorf("%s (any method) is served but not in openapi.json", p)
			case !withMethod[path] && item["post"] == nil && item["get"] == nil:
				t.Errorf("%s (any method) is documented without a GET or POST operation", p)
			}
		}
	})

	t.Run("document to mux", func(t *testing.T) {
		for _, path := range slices.Sorted(maps.Keys(paths)) {
			item := paths[path].(map[string]any)
			n := 0
			for _, m := range methods {
				if item[m] == nil {
					continue
				}
				n++
				method := strings.ToUpper(m)
				req := httptest.NewRequest(method, fill(path), nil)
				_, pattern := mux.Handler(req)
				pm, pp := splitPattern(pattern)
				pp = strings.TrimSuffix(pp, "{$}")
				switch {
				case pattern == "":
					t.Errorf("%s %s: the mux has no route", method, path)
				case pp != path:
					t.Errorf("%s %s: the mux routes it to %q", method, path, pattern)
				case pm == method, pm == http.MethodGet && method == http.MethodHead:
				case pm == "" && !withMethod[pp]:
					// A path served whole, every method by one handler:
					// it must not refuse this one.
					rr := httptest.NewRecorder()
					mux.ServeHTTP(rr, httptest.NewRequest(method, fill(path), nil))
					if rr.Code == http.StatusMethodNotAllowed {
						t.Errorf("%s %s: the handler of %q answers 405", method, path, pattern)
					}
				default:
					t.Errorf("%s %s: the mux routes it to %q (no route for this method)", method, path, pattern)
				}
			}
			if n == 0 {
				t.Errorf("%s: no operations", path)
			}
		}
	})
}

// TestOpenAPIDocument checks the document's own form: OpenAPI 3.1, info,
// paths, every $ref resolving, path templates and their parameters agreeing,
// unique operation ids, and every operation answering something.
func TestOpenAPIDocument(t *testing.T) {
	checkOpenAPIDocument(t, Protocols())
}

func checkOpenAPIDocument(t *testing.T, reg protocol.Registry) {
	doc := loadDoc(t, reg)
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.1.") {
		t.Errorf("openapi = %q, want 3.1.x", v)
	}
	info, _ := doc["info"].(map[string]any)
	for _, k := range []string{"title", "version"} {
		if s, _ := info[k].(string); s == "" {
			t.Errorf("info.%s is missing", k)
		}
	}
	paths, _ := doc["paths"].(map[string]any)
	if len(paths) == 0 {
		t.Fatal("no paths")
	}

	// Every $ref resolves to something in the document.
	var walk func(v any, at string)
	walk = func(v any, at string) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				if resolve(doc, ref) == nil {
					t.Errorf("%s: $ref %q does not resolve", at, ref)
				}
			}
			for k, x := range v {
				walk(x, at+"/"+k)
			}
		case []any:
			for i, x := range v {
				walk(x, at+"/"+strconv.Itoa(i))
			}
		}
	}
	walk(doc, "#")

	ids := map[string]string{}
	for path, v := range paths {
		item := v.(map[string]any)
		template := map[string]bool{}
		for _, m := range paramRE.FindAllStringSubmatch(path, -1) {
			template[m[1]] = true
		}
		common := pathParams(t, doc, item["parameters"])
		for _, m := range methods {
			op, ok := item[m].(map[string]any)
			if !ok {
				continue
			}
			where := strings.ToUpper(m) + " " + path
			declared := map[string]bool{}
			for k := range common {
				declared[k] = true
			}
			for k := range pathParams(t, doc, op["parameters"]) {
				declared[k] = true
			}
			for name := range template {
				if !declared[name] {
					t.Errorf("%s: path parameter %q is not declared", where, name)
				}
			}
			for name := range declared {
				if !template[name] {
					t.Errorf("%s: declares path parameter %q that the path does not have", where, name)
				}
			}
			if id, _ := op["operationId"].(string); id != "" {
				if other, dup := ids[id]; dup {
					t.Errorf("%s: operationId %q is also %s's", where, id, other)
				}
				ids[id] = where
			}
			if rs, _ := op["responses"].(map[string]any); len(rs) == 0 {
				t.Errorf("%s: no responses", where)
			}
		}
	}
}

// pathParams returns the names of the "in: path" parameters of a list.
func pathParams(t *testing.T, doc map[string]any, list any) map[string]bool {
	out := map[string]bool{}
	ps, _ := list.([]any)
	for _, p := range ps {
		pm, _ := p.(map[string]any)
		if ref, ok := pm["$ref"].(string); ok {
			pm, _ = resolve(doc, ref).(map[string]any)
		}
		if pm["in"] == "path" {
			name, _ := pm["name"].(string)
			if pm["required"] != true {
				t.Errorf("path parameter %q is not required: true", name)
			}
			out[name] = true
		}
	}
	return out
}

// resolve follows a local JSON pointer ("#/components/schemas/Order").
func resolve(doc map[string]any, ref string) any {
	rest, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil
	}
	var cur any = doc
	for _, tok := range strings.Split(rest, "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		if cur, ok = m[tok]; !ok {
			return nil
		}
	}
	return cur
}

func TestOpenAPIServed(t *testing.T) {
	svc := service.New(testutil.OpenSQLite(t), service.WithOutbound(testutil.Outbound))
	srv := httptest.NewServer(Handler(Config{Version: "test"}, svc, quietLog()))
	t.Cleanup(srv.Close)

	res, err := http.Get(srv.URL + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	want, err := composeOpenAPI(Protocols())
	if err != nil {
		t.Fatal(err)
	}
	if string(body) != string(want.body) {
		t.Error("body is not the composed document")
	}
	etag := res.Header.Get("ETag")
	if !strings.HasPrefix(etag, `"`) || len(etag) < 10 {
		t.Fatalf("ETag = %q, want a strong tag", etag)
	}
	if cc := res.Header.Get("Cache-Control"); cc == "" {
		t.Error("no Cache-Control")
	}

	for _, inm := range []string{etag, `"other", ` + etag, "*"} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/openapi.json", nil)
		req.Header.Set("If-None-Match", inm)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusNotModified || len(b) != 0 {
			t.Errorf("If-None-Match %s: status %d with %d bytes, want 304 and none", inm, res.StatusCode, len(b))
		}
		if res.Header.Get("ETag") != etag {
			t.Errorf("If-None-Match %s: ETag %q on the 304", inm, res.Header.Get("ETag"))
		}
	}

	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/openapi.json", nil)
	req.Header.Set("If-None-Match", `"stale"`)
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("stale If-None-Match: status %d, want 200", res.StatusCode)
	}

	res, err = http.Post(srv.URL+"/openapi.json", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: status %d, want 405", res.StatusCode)
	}
}
