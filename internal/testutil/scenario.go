package testutil

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// Scenario is one HTTP request and what its answer must be, declared as a
// row of a table (after PocketBase's tests.ApiScenario): the request, the
// exact status, the JSON the body must hold (or equal), substrings it
// must hold, the headers it must carry, and checks of the database around
// it. A table of scenarios runs in order, each as a subtest, against one
// server (RunScenarios), so a row may rely on what the rows before it
// wrote.
type Scenario struct {
	Name   string
	Method string
	// Path is joined to the server's URL ("/hub/v1/brands?limit=1").
	Path string
	// Token, when set, is sent as "Authorization: Bearer <Token>".
	Token string
	// Basic, when set, is a client id and secret sent as HTTP Basic
	// credentials (RFC 6749 §2.3.1: each form-encoded first).
	Basic *[2]string
	Body  string
	// Form, when set, is sent as the body, form-encoded, with its
	// Content-Type unless Header gives one.
	Form url.Values
	// Header are request headers, set after Token, Basic and Form's (so
	// they may replace them); an empty value is sent empty.
	Header map[string]string

	// Status is the status the answer must have.
	Status int
	// JSON, when set, is a JSON document the body must match: each member
	// of one of its objects must be in the body's object with a matching
	// value (the body may have more members); arrays must have the same
	// length and matching elements; other values must be equal.
	JSON string
	// Exact, when set, is the JSON the body must equal as DiffJSON
	// compares (white space and member order do not count, number
	// literals and JSON types do). "{}" for an empty object; NoBody for no
	// body at all.
	Exact string
	// Contains are substrings the body must hold, Excludes substrings it
	// must not.
	Contains, Excludes []string
	// WantHeader are headers the answer must carry, each once with this
	// value; "" means the header must be absent.
	WantHeader map[string]string

	// Before runs before the request, After after it with the body (to
	// check the database, or read an id for later rows).
	Before func(t *testing.T)
	After  func(t *testing.T, body []byte)
	// Unchanged, when set, reads some state (Counts, an order's history)
	// before and after the request, and the two must be equal: a refused
	// request writes nothing.
	Unchanged func(t *testing.T) any
}

// NoBody as Scenario.Exact: the answer has an empty body.
const NoBody = "-"

// RunScenarios runs each scenario as a subtest against baseURL, in order.
func RunScenarios(t *testing.T, baseURL string, scenarios []Scenario) {
	t.Helper()
	RunScenariosWith(t, http.DefaultClient, baseURL, scenarios)
}

// RunScenariosWith is RunScenarios with a client of the server's (an
// httptest TLS server's, which trusts its certificate).
func RunScenariosWith(t *testing.T, client *http.Client, baseURL string, scenarios []Scenario) {
	t.Helper()
	names := map[string]bool{}
	for _, s := range scenarios {
		if s.Name == "" || names[s.Name] {
			t.Fatalf("scenario %q: every scenario needs a name of its own", s.Name)
		}
		names[s.Name] = true
		t.Run(s.Name, func(t *testing.T) { s.RunWith(t, client, baseURL) })
	}
}

// Run sends the scenario's request to baseURL, checks the answer and
// returns its body.
func (s Scenario) Run(t *testing.T, baseURL string) []byte {
	t.Helper()
	return s.RunWith(t, http.DefaultClient, baseURL)
}

// RunWith is Run with client.
func (s Scenario) RunWith(t *testing.T, client *http.Client, baseURL string) []byte {
	t.Helper()
	if s.Before != nil {
		s.Before(t)
	}
	reqBody := s.Body
	if s.Form != nil {
		reqBody = s.Form.Encode()
	}
	req, err := http.NewRequestWithContext(t.Context(), s.Method, baseURL+s.Path, strings.NewReader(reqBody))
	if err != nil {
		t.Fatalf("%s %s: %v", s.Method, s.Path, err)
	}
	if s.Token != "" {
		req.Header.Set("Authorization", "Bearer "+s.Token)
	}
	if s.Basic != nil {
		req.SetBasicAuth(url.QueryEscape(s.Basic[0]), url.QueryEscape(s.Basic[1]))
	}
	if s.Form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range s.Header {
		req.Header.Set(k, v)
	}
	var before any
	if s.Unchanged != nil {
		before = s.Unchanged(t)
	}
	res, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", s.Method, s.Path, err)
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", s.Method, s.Path, err)
	}
	if msg := s.check(res.StatusCode, res.Header, body); msg != "" {
		t.Fatalf("%s %s: %s", s.Method, s.Path, msg)
	}
	if s.Unchanged != nil {
		if after := s.Unchanged(t); !reflect.DeepEqual(before, after) {
			t.Fatalf("%s %s: changed %+v to %+v", s.Method, s.Path, before, after)
		}
	}
	if s.After != nil {
		s.After(t, body)
	}
	return body
}

// check reports how an answer fails the scenario's status, headers and
// body, or "" when it holds.
func (s Scenario) check(status int, header http.Header, body []byte) string {
	if status != s.Status {
		return fmt.Sprintf("status %d, want %d; body: %s", status, s.Status, body)
	}
	for _, k := range slices.Sorted(maps.Keys(s.WantHeader)) {
		got, want := header.Values(k), s.WantHeader[k]
		if (want == "" && len(got) != 0) || (want != "" && (len(got) != 1 || got[0] != want)) {
			return fmt.Sprintf("header %s = %q, want %q", k, got, want)
		}
	}
	switch {
	case s.Exact == NoBody:
		if len(body) != 0 {
			return fmt.Sprintf("body %s, want none", body)
		}
	case s.Exact != "":
		want, err := decodeNumbers([]byte(s.Exact))
		if err != nil {
			return fmt.Sprintf("the scenario's Exact is not JSON: %v: %s", err, s.Exact)
		}
		got, err := decodeNumbers(body)
		if err != nil {
			return fmt.Sprintf("body is not JSON: %s", body)
		}
		if d := DiffJSON("$", want, got, false); len(d) > 0 {
			return fmt.Sprintf("body differs:\n  %s\nbody %s\nwant %s", strings.Join(d, "\n  "), body, s.Exact)
		}
	}
	for _, sub := range s.Contains {
		if !strings.Contains(string(body), sub) {
			return fmt.Sprintf("body lacks %q: %s", sub, body)
		}
	}
	for _, sub := range s.Excludes {
		if strings.Contains(string(body), sub) {
			return fmt.Sprintf("body holds %q: %s", sub, body)
		}
	}
	if s.JSON != "" {
		var got, want any
		if err := json.Unmarshal([]byte(s.JSON), &want); err != nil {
			return fmt.Sprintf("the scenario's JSON is not JSON: %v: %s", err, s.JSON)
		}
		if err := json.Unmarshal(body, &got); err != nil {
			return fmt.Sprintf("body is not JSON: %s", body)
		}
		if msg := MatchJSON(want, got, "$"); msg != "" {
			return fmt.Sprintf("%s\nbody: %s", msg, body)
		}
	}
	return ""
}

// MatchJSON reports where got (decoded JSON) does not match want as
// Scenario.JSON says, naming the path ("$.error.details.field"), or ""
// when it matches.
func MatchJSON(want, got any, path string) string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Sprintf("%s is %s, want an object", path, describe(got))
		}
		for _, k := range slices.Sorted(maps.Keys(w)) {
			gv, ok := g[k]
			if !ok {
				return fmt.Sprintf("%s.%s is missing", path, k)
			}
			if msg := MatchJSON(w[k], gv, path+"."+k); msg != "" {
				return msg
			}
		}
		return ""
	case []any:
		g, ok := got.([]any)
		if !ok {
			return fmt.Sprintf("%s is %s, want an array", path, describe(got))
		}
		if len(g) != len(w) {
			return fmt.Sprintf("%s has %d elements, want %d", path, len(g), len(w))
		}
		for i := range w {
			if msg := MatchJSON(w[i], g[i], fmt.Sprintf("%s[%d]", path, i)); msg != "" {
				return msg
			}
		}
		return ""
	default:
		if !reflect.DeepEqual(want, got) {
			return fmt.Sprintf("%s is %s, want %s", path, describe(got), describe(want))
		}
		return ""
	}
}

func describe(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
