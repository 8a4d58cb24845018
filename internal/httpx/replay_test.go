package httpx_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"orderhub/internal/httpx"
	"orderhub/internal/hub"
	"orderhub/internal/store"
	"orderhub/internal/testutil"
)

// replayFixture is a handler behind the replay layer that counts its runs
// and answers what answer says.
type replayFixture struct {
	t      *testing.T
	st     store.Store
	rp     *httpx.Replay
	runs   atomic.Int32
	mu     sync.Mutex
	now    time.Time
	answer func(w http.ResponseWriter, r *http.Request, n int32)
}

func newReplay(t *testing.T, st store.Store) *replayFixture {
	f := &replayFixture{t: t, st: st, now: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	f.rp = httpx.NewReplay(st, slog.New(slog.NewTextHandler(io.Discard, nil)))
	f.rp.Now = func() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.now }
	f.answer = func(w http.ResponseWriter, r *http.Request, n int32) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"run":`+strconv.Itoa(int(n))+`}`)
	}
	return f
}

func (f *replayFixture) advance(d time.Duration) { f.mu.Lock(); f.now = f.now.Add(d); f.mu.Unlock() }

// conflicts renders a conflict as its number, for the assertions.
func conflicts(w http.ResponseWriter, r *http.Request, c httpx.Conflict) {
	w.WriteHeader(c.Status())
	io.WriteString(w, "conflict "+strconv.Itoa(int(c)))
}

func (f *replayFixture) send(ctx context.Context, scope, key, ctype, body string) *httptest.ResponseRecorder {
	f.t.Helper()
	r := httptest.NewRequestWithContext(ctx, "POST", "/things?x=1", strings.NewReader(body))
	r.Header.Set("Content-Type", ctype)
	w := httptest.NewRecorder()
	f.rp.Do(w, r, scope, key, httpx.Keep, conflicts, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if string(b) != body {
			f.t.Errorf("the handler read %q, want the body %q", b, body)
		}
		f.answer(w, r, f.runs.Add(1))
	})
	return w
}

func wantAnswer(t *testing.T, name string, w *httptest.ResponseRecorder, status int, body string, replayed bool) {
	t.Helper()
	if w.Code != status || w.Body.String() != body || (w.Header().Get("Idempotent-Replayed") == "true") != replayed {
		t.Fatalf("%s: %d %q replayed=%q, want %d %q replayed=%v", name, w.Code, w.Body, w.Header().Get("Idempotent-Replayed"),
			status, body, replayed)
	}
}

// TestReplayCanonical: the same JSON however laid out, or a form with its
// fields in another order, is the same request and replays; another
// request with the key is a mismatch; keys are per scope.
func TestReplayCanonical(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		f := newReplay(t, st)
		ctx := context.Background()
		const js = "application/json"
		wantAnswer(t, "first", f.send(ctx, "p:1", "k1", js, `{"b":[1,2.50,{"y":1,"x":"é"}],"a":true}`), 201, `{"run":1}`, false)
		wantAnswer(t, "re-indented, keys reordered", f.send(ctx, "p:1", "k1", js,
			"{\n  \"a\": true,\n  \"b\": [1, 2.50, {\"x\": \"\\u00e9\", \"y\": 1}]\n}\n"), 201, `{"run":1}`, true)
		wantAnswer(t, "another request", f.send(ctx, "p:1", "k1", js, `{"a":true,"b":[1,2.5]}`), 422, "conflict 1", false)
		wantAnswer(t, "another scope", f.send(ctx, "p:2", "k1", js, `{"a":false}`), 201, `{"run":2}`, false)

		form := func(order []string) (string, string) {
			var b bytes.Buffer
			mw := multipart.NewWriter(&b)
			mw.SetBoundary("b-" + order[0])
			for _, k := range order {
				v := map[string]string{"data": `{"oaOrderNo": "1", "ea": 2}`, "note": "x"}[k]
				mw.WriteField(k, v)
			}
			mw.Close()
			return mw.FormDataContentType(), b.String()
		}
		ct1, b1 := form([]string{"data", "note"})
		ct2, b2 := form([]string{"note", "data"})
		wantAnswer(t, "multipart", f.send(ctx, "p:1", "m1", ct1, b1), 201, `{"run":3}`, false)
		wantAnswer(t, "multipart, fields reordered", f.send(ctx, "p:1", "m1", ct2, b2), 201, `{"run":3}`, true)
		if f.runs.Load() != 3 {
			t.Fatalf("%d runs, want 3", f.runs.Load())
		}
	})
}

// TestReplayInputErrorsNotKept: a 400 (or 5xx, or an answer marked
// DoNotKeep) frees the key: the corrected retry runs. A 409 is a business
// answer and is kept.
func TestReplayInputErrorsNotKept(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		f := newReplay(t, st)
		ctx := context.Background()
		for _, c := range []struct {
			name   string
			answer func(w http.ResponseWriter)
		}{
			{"400", func(w http.ResponseWriter) { w.WriteHeader(400) }},
			{"500", func(w http.ResponseWriter) { w.WriteHeader(500) }},
			{"DoNotKeep", func(w http.ResponseWriter) { httpx.DoNotKeep(w); w.WriteHeader(200) }},
		} {
			f.answer = func(w http.ResponseWriter, r *http.Request, n int32) { c.answer(w) }
			f.send(ctx, "p", "k-"+c.name, "application/json", `{"v":1}`)
			f.answer = func(w http.ResponseWriter, r *http.Request, n int32) { w.WriteHeader(201); io.WriteString(w, "ok") }
			wantAnswer(t, c.name+": corrected retry", f.send(ctx, "p", "k-"+c.name, "application/json", `{"v":2}`), 201, "ok", false)
		}
		f.answer = func(w http.ResponseWriter, r *http.Request, n int32) {
			w.WriteHeader(409)
			io.WriteString(w, "sold out")
		}
		f.send(ctx, "p", "k-409", "application/json", `{"v":1}`)
		f.answer = func(w http.ResponseWriter, r *http.Request, n int32) { w.WriteHeader(201) }
		wantAnswer(t, "409 again", f.send(ctx, "p", "k-409", "application/json", `{"v":1}`), 409, "sold out", true)
	})
}

// TestReplayLease: an attempt whose process died (its record left in
// progress) holds the key only until its lease passes; then the same
// request runs, and another one is still a mismatch. While an attempt runs
// and renews its lease, a repeat is "in progress".
func TestReplayLease(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		f := newReplay(t, st)
		ctx := context.Background()
		r := httptest.NewRequest("POST", "/things?x=1", strings.NewReader(`{"a":1}`))
		r.Header.Set("Content-Type", "application/json")
		hash := httpx.RequestHash(r, []byte(`{"a":1}`))
		lease := f.now.Add(f.rp.Lease)
		if err := st.Update(ctx, func(tx store.Tx) error {
			_, err := tx.ClaimIdempotency(ctx, &store.IdempotencyRecord{Scope: "replay:p", Key: "dead", RequestHash: hash,
				Owner: "killed", LeaseUntil: &lease}, f.now, httpx.IdempotencyTTL)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		wantAnswer(t, "during the lease", f.send(ctx, "p", "dead", "application/json", `{"a":1}`), 409, "conflict 2", false)
		f.advance(f.rp.Lease + time.Second)
		wantAnswer(t, "another request", f.send(ctx, "p", "dead", "application/json", `{"a":2}`), 422, "conflict 1", false)
		wantAnswer(t, "the same request", f.send(ctx, "p", "dead", "application/json", `{"a":1}`), 201, `{"run":1}`, false)
		wantAnswer(t, "and again", f.send(ctx, "p", "dead", "application/json", `{"a":1}`), 201, `{"run":1}`, true)

		// A long attempt renews its lease: a repeat meanwhile is in
		// progress even after the first lease would have passed.
		// The test's clock moves only after the renewal at the current
		// time has been written (waiting for it, bounded), so a loaded
		// machine cannot let the lease pass between renewals.
		f.rp.Lease = 60 * time.Millisecond
		release := make(chan struct{})
		running := make(chan struct{})
		var runs atomic.Int32
		f.answer = func(w http.ResponseWriter, r *http.Request, n int32) {
			if runs.Add(1) == 1 {
				close(running)
				<-release
			}
			w.WriteHeader(201)
		}
		done := make(chan struct{})
		go func() { defer close(done); f.send(ctx, "p", "long", "application/json", `{}`) }()
		<-running
		renewedAt := func(at time.Time) bool {
			rec, err := st.GetIdempotency(ctx, "replay:p", "long")
			return err == nil && rec.LeaseUntil != nil && !rec.LeaseUntil.Before(at.Add(f.rp.Lease))
		}
		for range 3 {
			f.mu.Lock()
			now := f.now
			f.mu.Unlock()
			for deadline := time.Now().Add(10 * time.Second); !renewedAt(now) && time.Now().Before(deadline); {
				time.Sleep(5 * time.Millisecond)
			}
			f.advance(40 * time.Millisecond)
			wantAnswer(t, "while it runs", f.send(ctx, "p", "long", "application/json", `{}`), 409, "conflict 2", false)
		}
		if n := runs.Load(); n != 1 {
			t.Fatalf("the long attempt ran %d times while it held its key", n)
		}
		close(release)
		<-done
		wantAnswer(t, "after it ran", f.send(ctx, "p", "long", "application/json", `{}`), 201, "", true)
	})
}

// TestReplayClientGone: the client gives up (its request context ends)
// while the first request runs, which still completes; its retry with the
// same key replays the first answer instead of "in progress" (or running
// the change twice).
func TestReplayClientGone(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		f := newReplay(t, st)
		ctx, cancel := context.WithCancel(context.Background())
		f.answer = func(w http.ResponseWriter, r *http.Request, n int32) {
			cancel() // the client goes away; the change has been made
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, `{"run":`+strconv.Itoa(int(n))+`}`)
		}
		f.send(ctx, "p", "k1", "application/json", `{"a":1}`)
		wantAnswer(t, "retry after the client left", f.send(context.Background(), "p", "k1", "application/json", `{"a":1}`),
			201, `{"run":1}`, true)
	})
}

// TestReplaySecretNotKept: an answer marked as holding a secret is not
// stored; the same key again is ConflictSecretShown, runs nothing, and the
// record keeps no body.
func TestReplaySecretNotKept(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		f := newReplay(t, st)
		ctx := context.Background()
		f.answer = func(w http.ResponseWriter, r *http.Request, n int32) {
			httpx.MarkSecret(w)
			httpx.WriteJSON(w, http.StatusCreated, map[string]string{"secret": "ohs_do-not-keep-me"})
		}
		if w := f.send(ctx, "p", "s1", "application/json", `{}`); w.Code != 201 || !strings.Contains(w.Body.String(), "ohs_") {
			t.Fatalf("first: %d %s", w.Code, w.Body)
		}
		wantAnswer(t, "again", f.send(ctx, "p", "s1", "application/json", `{}`), 409, "conflict 3", false)
		rec, err := st.GetIdempotency(ctx, "replay:p", "s1")
		if err != nil || len(rec.Body) != 0 || rec.Status != 201 {
			t.Fatalf("record %+v, %v", rec, err)
		}
		if f.runs.Load() != 1 {
			t.Fatalf("%d runs", f.runs.Load())
		}
	})
}

// TestReplayConcurrent: of many identical requests at once, one runs; the
// others are in progress or replays of it.
func TestReplayConcurrent(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		f := newReplay(t, st)
		ctx := context.Background()
		var wg sync.WaitGroup
		codes := make([]int, 20)
		for i := range codes {
			wg.Go(func() { codes[i] = f.send(ctx, "p", "same", "application/json", `{"n":1}`).Code })
		}
		wg.Wait()
		if f.runs.Load() != 1 {
			t.Fatalf("%d runs of one request, want 1", f.runs.Load())
		}
		for _, c := range codes {
			if c != 201 && c != 409 {
				t.Fatalf("answers %v", codes)
			}
		}
	})
}

// TestReplayCommittedNotRunTwice: a keyed request's unit of work marks its
// key committed in its own commit (store.Fenced), so a request whose effect
// committed is never run again by a retry — not when its answer failed
// after the commit (a 500), not when the process died between the commit
// and keeping the answer (kill -9: a top-up applied twice before) — and an
// attempt whose key a retry took over commits nothing.
func TestReplayCommittedNotRunTwice(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		f := newReplay(t, st)
		ctx := context.Background()
		brands := func() int {
			t.Helper()
			bs, err := st.ListBrands(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return len(bs)
		}
		write := func(ctx context.Context, name string) error {
			return st.Update(ctx, func(tx store.Tx) error { return tx.CreateBrand(ctx, &hub.Brand{Name: name, Currency: "KRW"}) })
		}

		// The write commits, then the answer fails: the key stays taken.
		f.answer = func(w http.ResponseWriter, r *http.Request, n int32) {
			if err := write(r.Context(), "after-commit"); err != nil {
				t.Error(err)
			}
			w.WriteHeader(http.StatusInternalServerError)
		}
		wantAnswer(t, "first", f.send(ctx, "p", "k500", "application/json", `{}`), 500, "", false)
		wantAnswer(t, "during its lease", f.send(ctx, "p", "k500", "application/json", `{}`), 409, "conflict 2", false)
		f.advance(f.rp.Lease + time.Second)
		wantAnswer(t, "after its lease", f.send(ctx, "p", "k500", "application/json", `{}`), 409, "conflict 5", false)
		wantAnswer(t, "another request", f.send(ctx, "p", "k500", "application/json", `{"b":1}`), 422, "conflict 1", false)
		if n, b := f.runs.Load(), brands(); n != 1 || b != 1 {
			t.Fatalf("after a committed 500: %d runs, %d brands; want 1, 1", n, b)
		}

		// The process dies between the commit and keeping the answer.
		r := httptest.NewRequest("POST", "/things?x=1", strings.NewReader(`{}`))
		r.Header.Set("Content-Type", "application/json")
		hash := httpx.RequestHash(r, []byte(`{}`))
		claim := func(key, owner string) {
			t.Helper()
			lease := f.now.Add(f.rp.Lease)
			if err := st.Update(ctx, func(tx store.Tx) error {
				held, err := tx.ClaimIdempotency(ctx, &store.IdempotencyRecord{Scope: "replay:p", Key: key, RequestHash: hash,
					Owner: owner, LeaseUntil: &lease}, f.now, httpx.IdempotencyTTL)
				if held != nil {
					t.Errorf("claim %s: held by %s", key, held.Owner)
				}
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		claim("killed", "killed")
		if err := write(store.WithReplayClaim(ctx, store.ReplayClaim{Scope: "replay:p", Key: "killed", Owner: "killed"}), "killed"); err != nil {
			t.Fatal(err)
		}
		f.advance(f.rp.Lease + time.Second)
		f.answer = func(w http.ResponseWriter, r *http.Request, n int32) { write(r.Context(), "retry"); w.WriteHeader(201) }
		wantAnswer(t, "retry after kill -9", f.send(ctx, "p", "killed", "application/json", `{}`), 409, "conflict 5", false)
		if n, b := f.runs.Load(), brands(); n != 1 || b != 2 {
			t.Fatalf("after a kill: %d runs, %d brands; want 1, 2", n, b)
		}

		// In Rerun mode (the answer is never kept: a token call) a
		// committed, unanswered attempt is simply run again.
		reruns := 0
		out, replayed, c := f.rp.Run(ctx, "p", "killed", hash, httpx.Rerun, func(context.Context) httpx.Outcome {
			reruns++
			return httpx.Outcome{Status: 200}
		})
		if reruns != 1 || replayed || c != 0 || out.Status != 200 {
			t.Fatalf("rerun of a committed key: %d runs, %+v, replayed %v, conflict %d", reruns, out, replayed, c)
		}

		// A slow attempt loses its key to a retry: its late unit commits
		// nothing.
		claim("slow", "slow")
		f.advance(f.rp.Lease + time.Second)
		wantAnswer(t, "the retry", f.send(ctx, "p", "slow", "application/json", `{}`), 201, "", false)
		err := write(store.WithReplayClaim(ctx, store.ReplayClaim{Scope: "replay:p", Key: "slow", Owner: "slow"}), "late")
		if e := hub.AsError(err); err == nil || e.Code != hub.CodeConflict || e.Reason != hub.ReasonIdempotencyTakenOver {
			t.Fatalf("the slow attempt's unit: %v; want a taken-over conflict", err)
		}
		if n, b := f.runs.Load(), brands(); n != 2 || b != 3 {
			t.Fatalf("after a takeover: %d runs, %d brands; want 2, 3", n, b)
		}
		wantAnswer(t, "the retry again", f.send(ctx, "p", "slow", "application/json", `{}`), 201, "", true)
	})
}
