package testutil

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
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
