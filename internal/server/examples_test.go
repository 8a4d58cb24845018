package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"orderhub/internal/demo"
	"orderhub/internal/server"
	"orderhub/internal/service"
	"orderhub/internal/testutil"
)

// exampleOrderRef is the order number the document's examples use; the
// test places a fresh order and sends its number instead.
const exampleOrderRef = "FR9TL74P"

// demoServer is orderhub on the demo data (internal/demo, as `serve
// --demo` loads it), its traffic checked against the document.
type demoServer struct {
	t     *testing.T
	srv   *httptest.Server
	creds map[string]json.RawMessage
	doc   []byte
	seq   int
}

func newDemoServer(t *testing.T, doc []byte) *demoServer {
	t.Helper()
	svc := service.New(testutil.OpenSQLite(t), server.Protocols().Option())
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	d := &demoServer{t: t, doc: doc}
	d.srv = httptest.NewServer(testutil.ValidatingHandler(t, doc, server.Handler(server.Config{}, svc, log)))
	t.Cleanup(d.srv.Close)
	c, err := demo.Load(context.Background(), svc, d.srv.URL, server.Protocols())
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &d.creds); err != nil {
		t.Fatal(err)
	}
	return d
}

// cred reads a member of demo-credentials.json: cred("zeek", "client_id").
func (d *demoServer) cred(entry, member string) string {
	d.t.Helper()
	var m map[string]any
	if err := json.Unmarshal(d.creds[entry], &m); err != nil {
		d.t.Fatalf("demo credentials %s: %v", entry, err)
	}
	switch v := m[member].(type) {
	case string:
		return v
	case float64:
		return fmt.Sprint(int64(v))
	}
	d.t.Fatalf("demo credentials %s.%s: %v", entry, member, m[member])
	return ""
}

func (d *demoServer) send(method, path string, header http.Header, body string) (int, []byte) {
	d.t.Helper()
	req, err := http.NewRequest(method, d.srv.URL+path, strings.NewReader(body))
	if err != nil {
		d.t.Fatal(err)
	}
	req.Header = header
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		d.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

func jsonHeader(auth string) http.Header {
	h := http.Header{"Content-Type": {"application/json"}}
	if auth != "" {
		h.Set("Authorization", auth)
	}
	return h
}

// order places an order through /hub/v1 (no brand_id: the demo has one
// brand) and returns its number.
func (d *demoServer) order() string {
	d.t.Helper()
	status, b := d.send("POST", "/hub/v1/orders", jsonHeader("Bearer "+d.cred("hub", "token")),
		`{"location_id": 1, "lines": [{"product": "P006", "quantity": 1}]}`)
	var o struct{ Number string }
	if status != 201 || json.Unmarshal(b, &o) != nil || o.Number == "" {
		d.t.Fatalf("placing an order: %d %s", status, b)
	}
	return o.Number
}

// auth is the Authorization value for a security scheme of the document.
func (d *demoServer) auth(scheme string) string {
	d.t.Helper()
	switch scheme {
	case "hubToken":
		return "Bearer " + d.cred("hub", "token")
	case "kakaoApiKey":
		return "Bearer " + d.cred("kakao", "api_key")
	case "omniToken":
		return "token " + d.cred("omni", "token")
	case "junglebookApiKey":
		return d.cred("junglebook", "api_key")
	case "zeekClient":
		d.seq++
		status, b := d.send("POST", "/api/v1.0/auth/token", http.Header{"Content-Type": {"application/json"},
			"KS-Client-Request-Id": {fmt.Sprintf("examples-token-%d", d.seq)}, "KS-Lang": {"en"}},
			fmt.Sprintf(`{"client_id": %q, "client_secret": %q, "grant_type": "client_credentials", "scope": "all"}`,
				d.cred("zeek", "client_id"), d.cred("zeek", "client_secret")))
		var tok struct {
			Data struct {
				AccessToken string `json:"access_token"`
			} `json:"data"`
		}
		if status != 200 || json.Unmarshal(b, &tok) != nil || tok.Data.AccessToken == "" {
			d.t.Fatalf("zeek token: %d %s", status, b)
		}
		return "Bearer " + tok.Data.AccessToken
	case "tableorderClient":
		status, b := d.send("POST", "/v1/auth/login", http.Header{"Content-Type": {"application/x-www-form-urlencoded"}},
			"grant_type=client_credentials&client_id="+d.cred("tableorder", "client_id")+"&client_secret="+d.cred("tableorder", "client_secret"))
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		if status != 200 || json.Unmarshal(b, &tok) != nil || tok.AccessToken == "" {
			d.t.Fatalf("tableorder token: %d %s", status, b)
		}
		return "Bearer " + tok.AccessToken
	case "":
		return ""
	}
	d.t.Fatalf("no demo credential for security scheme %q", scheme)
	return ""
}

// example is one request example of the document.
type example struct {
	operationID, method, path, contentType string
	body                                   json.RawMessage
	op                                     map[string]any
}

// examples lists every operation's request examples, in document order.
func examples(t *testing.T, doc []byte) []example {
	var d map[string]any
	if err := json.Unmarshal(doc, &d); err != nil {
		t.Fatal(err)
	}
	resolve := func(v any) map[string]any {
		m, _ := v.(map[string]any)
		if ref, ok := m["$ref"].(string); ok {
			var cur any = d
			for _, p := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
				cur = cur.(map[string]any)[p]
			}
			m, _ = cur.(map[string]any)
		}
		return m
	}
	var out []example
	paths := d["paths"].(map[string]any)
	for _, path := range slices.Sorted(mapsKeys(paths)) {
		item := paths[path].(map[string]any)
		for _, method := range []string{"get", "put", "post", "delete", "patch"} {
			op, ok := item[method].(map[string]any)
			if !ok || op["requestBody"] == nil {
				continue
			}
			content, _ := resolve(op["requestBody"])["content"].(map[string]any)
			for _, ct := range slices.Sorted(mapsKeys(content)) {
				c := content[ct].(map[string]any)
				var bodies []any
				if ex, ok := c["example"]; ok {
					bodies = append(bodies, ex)
				}
				if exs, ok := c["examples"].(map[string]any); ok {
					for _, k := range slices.Sorted(mapsKeys(exs)) {
						bodies = append(bodies, resolve(exs[k])["value"])
					}
				}
				for _, b := range bodies {
					raw, _ := json.Marshal(b)
					id, _ := op["operationId"].(string)
					out = append(out, example{operationID: id, method: strings.ToUpper(method), path: path, contentType: ct, body: raw, op: op})
				}
			}
		}
	}
	return out
}

func mapsKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

var pathParam = regexp.MustCompile(`\{([^}]+)\}`)

// TestOpenAPIExamplesWorkOnDemo sends every request example of the served
// document to orderhub on the demo data, each on a fresh demo, with the
// demo's credentials, and expects the operation's documented success; the
// answer must match the document too (testutil.ValidatingHandler). Only
// the credentials, ids the demo gives (path and required parameters) and
// the example order number (a fresh order's) are filled in.
func TestOpenAPIExamplesWorkOnDemo(t *testing.T) {
	doc, err := server.OpenAPI(server.Protocols())
	if err != nil {
		t.Fatal(err)
	}
	exs := examples(t, doc)
	if len(exs) < 20 {
		t.Fatalf("only %d request examples found", len(exs))
	}
	for _, ex := range exs {
		t.Run(ex.operationID, func(t *testing.T) {
			d := newDemoServer(t, doc)
			ref := d.order()
			body := strings.ReplaceAll(string(ex.body), exampleOrderRef, ref)
			if ex.operationID == "zeekGetAccessToken" {
				body = strings.NewReplacer(`"ck_client"`, `"`+d.cred("zeek", "client_id")+`"`,
					`"secret"`, `"`+d.cred("zeek", "client_secret")+`"`).Replace(body)
			}
			// Path parameters: the demo's ids. A partner id is the partner
			// the example is about: the shop's balance, the platform's
			// settings.
			partner := d.cred("zeek", "partner_id")
			if strings.Contains(ex.path, "/balance") {
				partner = d.cred("junglebook", "partner_id")
			}
			values := map[string]string{"storeId": d.cred("kakao", "store_id"), "productId": "1", "orderId": ref,
				"KS-Client-Request-Id": "examples-" + ex.operationID, "KS-Lang": "en"}
			path := pathParam.ReplaceAllStringFunc(ex.path, func(m string) string {
				name := m[1 : len(m)-1]
				switch {
				case name == "id" && strings.HasPrefix(ex.path, "/hub/v1/partners/"):
					return partner
				case name == "id":
					return "1" // the Gangnam location, the breakfast timeslot
				}
				if v, ok := values[name]; ok {
					return v
				}
				t.Fatalf("no demo value for path parameter %s", name)
				return ""
			})
			header := http.Header{"Content-Type": {ex.contentType}}
			var query []string
			for _, p := range ex.op["parameters"].([]any) {
				pm := p.(map[string]any)
				if ref, ok := pm["$ref"].(string); ok {
					var dd map[string]any
					json.Unmarshal(doc, &dd)
					pm = dd["components"].(map[string]any)["parameters"].(map[string]any)[strings.TrimPrefix(ref, "#/components/parameters/")].(map[string]any)
				}
				if req, _ := pm["required"].(bool); !req || pm["in"] == "path" {
					continue
				}
				name := pm["name"].(string)
				v, ok := values[name]
				if !ok {
					t.Fatalf("no demo value for required parameter %s", name)
				}
				switch pm["in"] {
				case "query":
					query = append(query, name+"="+v)
				case "header":
					header.Set(name, v)
				}
			}
			if len(query) > 0 {
				path += "?" + strings.Join(query, "&")
			}
			scheme := ""
			if sec, ok := ex.op["security"].([]any); ok && len(sec) > 0 {
				for name := range sec[0].(map[string]any) {
					scheme = name
				}
			}
			if a := d.auth(scheme); a != "" {
				header.Set("Authorization", a)
			}
			want := ""
			for code := range ex.op["responses"].(map[string]any) {
				if strings.HasPrefix(code, "2") && (want == "" || code < want) {
					want = code
				}
			}
			status, answer := d.send(ex.method, path, header, body)
			if fmt.Sprint(status) != want {
				t.Fatalf("%s %s %s: %d, want %s: %s", ex.method, path, body, status, want, answer)
			}
			// Doors whose refusals ride on a 200 say so in the body.
			var m map[string]any
			json.Unmarshal(answer, &m)
			switch {
			case strings.HasPrefix(ex.operationID, "junglebook"):
				if r, _ := m["orderResult"].(map[string]any); r["success"] != "1" {
					t.Fatalf("%s: refused: %s", ex.operationID, answer)
				}
			case strings.HasPrefix(ex.operationID, "zeek"):
				if m["error"] != float64(0) {
					t.Fatalf("%s: refused: %s", ex.operationID, answer)
				}
			}
		})
	}
}
