package testutil

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

const miniDoc = `{"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "servers": [{"url": "/"}],
"paths": {"/things": {"post": {"operationId": "make",
  "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}}}},
  "responses": {"201": {"description": "made", "content": {"application/json": {"schema": {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}}}}},
                "400": {"description": "bad", "content": {"application/json": {"schema": {"type": "object"}}}}}}}}}`

// errorsTB records Errorf instead of failing.
type errorsTB struct {
	testing.TB
	errs []string
}

func (e *errorsTB) Errorf(format string, args ...any) {
	e.errs = append(e.errs, fmt.Sprintf(format, args...))
}

// TestValidatingHandler: the checker catches an undocumented status, a
// body its schema refuses, and a server that takes a request the document
// calls invalid; a documented exchange passes.
func TestValidatingHandler(t *testing.T) {
	cases := []struct {
		name, body, answer string
		status             int
		want               string // "" = no error
	}{
		{"documented", `{"name":"a"}`, `{"id":1}`, 201, ""},
		{"undocumented status", `{"name":"a"}`, `{"id":1}`, 202, "not the documented one"},
		{"body off schema", `{"name":"a"}`, `{"id":"x"}`, 201, "not the documented one"},
		{"invalid request taken", `{}`, `{"id":1}`, 201, "calls the request invalid"},
		{"invalid request refused", `{}`, `{}`, 400, ""},
		{"no content type, JSON implied", `{"name":"a"}`, `{"id":1}`, 201, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tb := &errorsTB{TB: t}
			h := ValidatingHandler(tb, []byte(miniDoc), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(c.status)
				w.Write([]byte(c.answer))
			}))
			req := httptest.NewRequest("POST", "/things", strings.NewReader(c.body))
			if !strings.Contains(c.name, "no content type") {
				req.Header.Set("Content-Type", "application/json")
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != c.status || rec.Body.String() != c.answer {
				t.Fatalf("passed on %d %q, want %d %q", rec.Code, rec.Body, c.status, c.answer)
			}
			got := strings.Join(tb.errs, "\n")
			if (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
				t.Fatalf("errors %q, want one with %q", got, c.want)
			}
		})
	}
}

// TestValidatingTransport: a client whose Transport serves in process
// gets the handler's answer and the same checks.
func TestValidatingTransport(t *testing.T) {
	for _, c := range []struct {
		status int
		want   string
	}{{201, ""}, {202, "not the documented one"}} {
		tb := &errorsTB{TB: t}
		client := &http.Client{Transport: ValidatingTransport(tb, []byte(miniDoc), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(c.status)
			w.Write([]byte(`{"id":7}`))
		}))}
		res, err := client.Post("http://orderhub.test/things", "application/json", strings.NewReader(`{"name":"a"}`))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != c.status || string(b) != `{"id":7}` {
			t.Fatalf("got %d %s", res.StatusCode, b)
		}
		if got := strings.Join(tb.errs, "\n"); (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
			t.Fatalf("%d: errors %q, want one with %q", c.status, got, c.want)
		}
	}
}
