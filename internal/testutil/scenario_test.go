package testutil

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

func TestMatchJSON(t *testing.T) {
	for _, c := range []struct {
		want, got, msg string
	}{
		{`{"a": 1}`, `{"a": 1, "b": 2}`, ""},
		{`{"a": {"b": "x"}}`, `{"a": {"b": "x", "c": null}}`, ""},
		{`{"a": 1}`, `{"a": 2}`, "$.a is 2, want 1"},
		{`{"a": 1}`, `{"b": 1}`, "$.a is missing"},
		{`{"a": null}`, `{"a": null}`, ""},
		{`{"a": null}`, `{}`, "$.a is missing"},
		{`{"a": [1, {"b": 2}]}`, `{"a": [1, {"b": 2, "c": 3}]}`, ""},
		{`{"a": [1]}`, `{"a": [1, 2]}`, "$.a has 2 elements, want 1"},
		{`{"a": [{"b": 2}]}`, `{"a": [{"b": 3}]}`, "$.a[0].b is 3, want 2"},
		{`{"a": {}}`, `{"a": []}`, "$.a is [], want an object"},
		{`[1]`, `{"a": 1}`, `$ is {"a":1}, want an array`},
		{`"1"`, `1`, `$ is 1, want "1"`},
	} {
		var want, got any
		if err := json.Unmarshal([]byte(c.want), &want); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(c.got), &got); err != nil {
			t.Fatal(err)
		}
		if msg := MatchJSON(want, got, "$"); msg != c.msg {
			t.Errorf("MatchJSON(%s, %s) = %q, want %q", c.want, c.got, msg, c.msg)
		}
	}
}

// TestScenario: a scenario sends its method, path, token, headers and
// body, and its After sees the body.
func TestScenario(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != "PATCH" || r.URL.RequestURI() != "/x?y=1" || r.Header.Get("Authorization") != "Bearer tok" || r.Header.Get("Idempotency-Key") != "k" {
			w.WriteHeader(400)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Idempotent-Replayed", "true")
		w.WriteHeader(201)
		w.Write([]byte(`{"id": 7, "name": "n"}`))
	}))
	defer srv.Close()
	var after []byte
	RunScenarios(t, srv.URL, []Scenario{{
		Name: "sent as declared", Method: "PATCH", Path: "/x?y=1", Token: "tok", Header: map[string]string{"Idempotency-Key": "k"},
		Status: 201, JSON: `{"id": 7}`, Exact: `{"name": "n", "id": 7}`,
		WantHeader: map[string]string{"Idempotent-Replayed": "true", "Cache-Control": ""},
		After:      func(t *testing.T, body []byte) { after = body },
	}, {
		Name: "no token", Method: "PATCH", Path: "/x?y=1", Status: 400, Exact: NoBody,
	}})
	if string(after) != `{"id": 7, "name": "n"}` {
		t.Fatalf("After saw %q", after)
	}
}

// TestScenarioRequest: Basic and Form are sent as declared, a Header
// replaces what they set, and an empty header value is sent empty.
func TestScenarioRequest(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, secret, _ := r.BasicAuth()
		r.ParseForm()
		_, empty := r.Header["X-Empty"]
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"id": id, "secret": secret, "grant": r.PostForm.Get("grant_type"),
			"type": r.Header.Get("Content-Type"), "empty": empty && r.Header.Get("X-Empty") == ""})
	}))
	defer srv.Close()
	RunScenarios(t, srv.URL, []Scenario{{
		Name: "basic and form", Method: "POST", Path: "/", Basic: &[2]string{"a:b", "c d"},
		Form: url.Values{"grant_type": {"client_credentials"}}, Header: map[string]string{"X-Empty": ""},
		Status: 200, Exact: `{"id": "a%3Ab", "secret": "c+d", "grant": "client_credentials",
			"type": "application/x-www-form-urlencoded", "empty": true}`,
	}, {
		Name: "a header replaces the form's type", Method: "POST", Path: "/", Form: url.Values{"grant_type": {"x"}},
		Header: map[string]string{"Content-Type": "text/plain"},
		Status: 200, JSON: `{"grant": "", "type": "text/plain"}`,
	}})
}

// TestScenarioChecks: each check of an answer passes an answer that holds
// and fails one that does not.
func TestScenarioChecks(t *testing.T) {
	var rows int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Accept")
		if r.URL.Path == "/twice" {
			w.Header().Add("Vary", "Origin")
		}
		w.Write([]byte(`{"total": 36364.0, "id": "1", "note": "out of rice"}`))
	}))
	defer srv.Close()
	count := func(*testing.T) any { return rows }
	holds := []Scenario{
		{Name: "exact", Method: "GET", Path: "/", Status: 200, Exact: `{"total": 36364.0, "id": "1", "note": "out of rice"}`},
		{Name: "contains", Method: "GET", Path: "/", Status: 200, Contains: []string{"out of rice"}, Excludes: []string{"sql"}},
		{Name: "header once", Method: "GET", Path: "/", Status: 200, WantHeader: map[string]string{"Vary": "Accept"}},
		{Name: "unchanged", Method: "GET", Path: "/", Status: 200, Unchanged: count},
	}
	RunScenarios(t, srv.URL, holds)
	fails := []Scenario{
		{Name: "another number literal", Method: "GET", Path: "/", Status: 200, Exact: `{"total": 36364, "id": "1", "note": "out of rice"}`},
		{Name: "a number for a string", Method: "GET", Path: "/", Status: 200, Exact: `{"total": 36364.0, "id": 1, "note": "out of rice"}`},
		{Name: "a member more", Method: "GET", Path: "/", Status: 200, Exact: `{"total": 36364.0, "id": "1"}`},
		{Name: "lacks", Method: "GET", Path: "/", Status: 200, Contains: []string{"out of bread"}},
		{Name: "holds", Method: "GET", Path: "/", Status: 200, Excludes: []string{"rice"}},
		{Name: "header twice", Method: "GET", Path: "/twice", Status: 200, WantHeader: map[string]string{"Vary": "Accept"}},
	}
	for _, s := range fails {
		res, err := http.Get(srv.URL + s.Path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if s.check(res.StatusCode, res.Header, body) == "" {
			t.Errorf("scenario %q holds, want a failure", s.Name)
		}
	}
}
