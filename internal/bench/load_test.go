package bench

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The closed loop counts answers and failures, and a target that runs out
// ends the run early with every request of it sent exactly once.
func TestClosedLoopCountsAndExhaustion(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen[r.URL.Path]++
		mu.Unlock()
		if strings.HasSuffix(r.URL.Path, "7") {
			http.Error(w, "no", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	c := NewClient(8)
	const n = 200
	tgt := Target{Next: func(i int64) (Request, bool) {
		if i >= n {
			return Request{}, false
		}
		return Request{Method: "POST", Path: "/o/" + itoa(i), Body: []byte(`{}`)}, true
	}, Check: wantStatus(http.StatusNoContent)}
	res := c.Closed(t.Context(), srv.URL, tgt, 8, time.Minute)
	if !res.Exhausted || res.Requests != n || res.Unfinished != 0 || res.Hist.Count() != n {
		t.Fatalf("requests %d unfinished %d exhausted %v hist %d", res.Requests, res.Unfinished, res.Exhausted, res.Hist.Count())
	}
	if res.Errors != 20 || len(res.ErrorSamples) != maxErrorSamples { // 7, 17, …, 197
		t.Fatalf("errors %d samples %d", res.Errors, len(res.ErrorSamples))
	}
	if len(seen) != n {
		t.Fatalf("%d distinct requests, want %d", len(seen), n)
	}
	for p, k := range seen {
		if k != 1 {
			t.Fatalf("%s sent %d times", p, k)
		}
	}
	if res.Elapsed >= time.Minute || res.RPS() <= 0 {
		t.Fatalf("an exhausted run ends early: elapsed %s", res.Elapsed)
	}
}

// Requests still in flight when the window closes are cancelled and
// reported as unfinished, not as errors.
func TestClosedLoopUnfinished(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	c := NewClient(4)
	tgt := Target{Next: func(int64) (Request, bool) { return Request{Method: "GET", Path: "/slow"}, true }}
	res := c.Closed(t.Context(), srv.URL, tgt, 4, 200*time.Millisecond)
	if res.Requests != 0 || res.Errors != 0 || res.Unfinished != 4 {
		t.Fatalf("requests %d errors %d unfinished %d", res.Requests, res.Errors, res.Unfinished)
	}
}

// The open loop sends the planned number of requests and hands each answer
// over.
func TestOpenLoop(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"id": 1}`))
	}))
	defer srv.Close()
	c := NewClient(4)
	var answers atomic.Int64
	tgt := Target{Next: func(int64) (Request, bool) { return Request{Method: "GET", Path: "/"}, true }}
	res := c.Open(t.Context(), srv.URL, tgt, 200, 4, 250*time.Millisecond, func(a Answer) {
		if a.Err == nil && a.Status == 200 && bytes.Contains(a.Body, []byte(`"id"`)) && !a.Answered.Before(a.Sent) {
			answers.Add(1)
		}
	})
	if res.Planned != 50 || res.Sent+res.Missed != res.Planned || res.Errors != 0 {
		t.Fatalf("planned %d sent %d missed %d errors %d", res.Planned, res.Sent, res.Missed, res.Errors)
	}
	if answers.Load() != int64(res.Sent) || res.Hist.Count() != res.Sent {
		t.Fatalf("answers %d hist %d, sent %d", answers.Load(), res.Hist.Count(), res.Sent)
	}
}

// The ceiling decodes JSON and multipart "data" bodies, refuses bad JSON,
// and answers about 300 bytes.
func TestCeilingHandler(t *testing.T) {
	srv := httptest.NewServer(CeilingHandler())
	defer srv.Close()
	res, err := http.Post(srv.URL+"/v1/items", "application/json", strings.NewReader(`{"id":"x","cart":{"items":[]}}`))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	buf.ReadFrom(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || buf.Len() < 250 || buf.Len() > 350 {
		t.Fatalf("JSON: %d, %d bytes: %s", res.StatusCode, buf.Len(), buf.String())
	}
	var ans ceilingAnswer
	if err := json.Unmarshal(buf.Bytes(), &ans); err != nil || ans.Decoded != 2 {
		t.Fatalf("answer %s: %v", buf.String(), err)
	}
	var mb bytes.Buffer
	mw := multipart.NewWriter(&mb)
	mw.WriteField("data", `{"a":1,"b":2,"c":3}`)
	mw.Close()
	res, err = http.Post(srv.URL+"/order", mw.FormDataContentType(), &mb)
	if err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	buf.ReadFrom(res.Body)
	res.Body.Close()
	if err := json.Unmarshal(buf.Bytes(), &ans); err != nil || res.StatusCode != 200 || ans.Decoded != 3 {
		t.Fatalf("multipart: %d %s", res.StatusCode, buf.String())
	}
	res, err = http.Post(srv.URL+"/x", "application/json", strings.NewReader(`{"broken`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusBadRequest {
		t.Fatalf("bad JSON: %d", res.StatusCode)
	}
}
