package httpx

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/store"
)

// The replay layer (DESIGN.md §10): one mechanism for every door's
// idempotency keys (Idempotency-Key, and seed 003's KS-Client-Request-Id).
//
//   - It runs after authentication, so an unauthenticated request writes
//     nothing, and keys are scoped per caller: a partner (all of its
//     credentials, so that a retry after a key rotation is still
//     recognised) or a hub token.
//   - Two requests are the same when their method, path and query are,
//     and their bodies are as canonical JSON (keys sorted, numbers as
//     written, insignificant white space dropped; a form's or multipart
//     body's fields sorted, each a JSON value canonicalised too). Anything
//     else is compared byte for byte.
//   - The first answer is kept and replayed (with Idempotent-Replayed:
//     true) when it is a success or a business answer (2xx, 3xx, 409, 410).
//     Other 4xx answers (the request was wrong: a corrected retry with the
//     same key must run) and 5xx answers (a failure to retry) free the key,
//     as does an answer the handler marks with DoNotKeep (a protocol that
//     answers input errors with 200 in its envelope).
//   - An attempt holds its key under a lease of a few seconds that it
//     renews while it runs. Its units of work commit only while it holds
//     the key, and mark the key committed in the same commit
//     (store.Fenced): an attempt whose key a retry took over writes
//     nothing. A process that dies lets its keys go when the lease passes:
//     the same request then runs if nothing of it had committed, and is
//     ConflictAnswerLost if it had (its effect is there, its answer was
//     never kept; it is not run twice). Another request with the key is a
//     conflict, as ever.
//   - A conflict is a typed Conflict, which each protocol renders in its
//     own envelope.
//   - An answer that shows a secret once (MarkSecret) is never kept: the
//     same key again is ConflictSecretShown, and nothing runs.
//
// Order intake is different: the order row is the record. A door that
// places orders takes a Ticket (the key scoped to its caller, and the
// request's canonical hash) and hands it to service.PlaceOrder, which
// stores the key with the order in the order's own unit of work (one
// commit), and answers a repeat with the stored order (and a different
// request with the key as a conflict). So intake writes no replay record at
// all, and a crash can never leave its key "in progress".

// MarkReplayed says, with Idempotent-Replayed: true, that an answer is
// the replay of a kept one (nothing ran again), when replayed is.
func MarkReplayed(w http.ResponseWriter, replayed bool) {
	if replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
}

// IdempotencyTTL is how long a key is remembered (and replayed).
const IdempotencyTTL = 24 * time.Hour

// DefaultReplayLease is how long an attempt holds its key without renewing.
const DefaultReplayLease = 10 * time.Second

// MaxKeyLength bounds an idempotency key.
const MaxKeyLength = 255

// Conflict is why a key cannot be used for a request now.
type Conflict int

const (
	// ConflictMismatch: the key was used for another request.
	ConflictMismatch Conflict = iota + 1
	// ConflictInProgress: the first request with the key still runs.
	ConflictInProgress
	// ConflictSecretShown: the first request succeeded and its answer
	// showed a secret once, which was not kept.
	ConflictSecretShown
	// ConflictBadKey: the key itself is unusable (too long).
	ConflictBadKey
	// ConflictAnswerLost: the first request with the key was carried out
	// (its unit of work committed) but its answer was never kept: the
	// process stopped in between. It is not run again.
	ConflictAnswerLost
)

// Status is the HTTP status a conflict is answered with where a protocol
// has no rule of its own.
func (c Conflict) Status() int {
	switch c {
	case ConflictMismatch, ConflictBadKey:
		return http.StatusUnprocessableEntity
	}
	return http.StatusConflict
}

// Message is the conflict in English.
func (c Conflict) Message() string {
	switch c {
	case ConflictMismatch:
		return "Idempotency-Key was already used for a different request"
	case ConflictInProgress:
		return "a request with this Idempotency-Key is in progress"
	case ConflictSecretShown:
		return "the request with this Idempotency-Key succeeded; its answer held a secret that is shown only once " +
			"and was not kept: look the result up instead"
	case ConflictBadKey:
		return "Idempotency-Key must be at most 255 characters"
	case ConflictAnswerLost:
		return "the request with this Idempotency-Key was carried out, but its answer was lost when orderhub stopped; " +
			"it is not run again: look the result up instead"
	}
	return "idempotency conflict"
}

// ConflictCodes are the codes a protocol's envelope gives the conflicts.
type ConflictCodes struct {
	Mismatch, InProgress, SecretShown, BadKey, AnswerLost string
}

// Of is the code of c ("" for no conflict).
func (cc *ConflictCodes) Of(c Conflict) string {
	switch c {
	case ConflictMismatch:
		return cc.Mismatch
	case ConflictInProgress:
		return cc.InProgress
	case ConflictSecretShown:
		return cc.SecretShown
	case ConflictBadKey:
		return cc.BadKey
	case ConflictAnswerLost:
		return cc.AnswerLost
	}
	return ""
}

// ConflictFunc renders a conflict in a protocol's envelope.
type ConflictFunc func(w http.ResponseWriter, r *http.Request, c Conflict)

// ConflictOf maps a service error onto the replay conflict it reports, for
// doors whose order intake passes a Ticket to the service (0: none).
func ConflictOf(err error) Conflict {
	if hub.ErrorCode(err) == hub.CodeConflict && hub.ErrorReason(err) == hub.ReasonIdempotencyReuse {
		return ConflictMismatch
	}
	return 0
}

// Mode says what the layer keeps of an answer.
type Mode int

const (
	// Keep replays the first answer.
	Keep Mode = iota
	// Rerun keeps only which request had the key: a repeat runs again
	// (an answer that is a fresh credential each time, like a token), and
	// another request with the key is still a conflict.
	Rerun
)

// Replay is the replay layer over a store.
type Replay struct {
	st  store.Store
	log *slog.Logger
	// Now is the clock; Lease how long an attempt holds its key between
	// renewals (DefaultReplayLease); TTL how long a key is remembered.
	Now   func() time.Time
	Lease time.Duration
	TTL   time.Duration
}

// NewReplay returns the layer over st.
func NewReplay(st store.Store, log *slog.Logger) *Replay {
	if log == nil {
		log = slog.Default()
	}
	return &Replay{st: st, log: log, Now: time.Now, Lease: DefaultReplayLease, TTL: IdempotencyTTL}
}

// Key is the request's idempotency key: the first of the headers that is
// set (Idempotency-Key when none are named).
func Key(r *http.Request, headers ...string) string {
	if len(headers) == 0 {
		headers = []string{"Idempotency-Key"}
	}
	for _, h := range headers {
		if v := strings.TrimSpace(r.Header.Get(h)); v != "" {
			return v
		}
	}
	return ""
}

// Ticket is an order intake's key for service.PlaceOrderInput: Key is the
// caller's key scoped to the caller, Hash the request's canonical hash.
type Ticket struct {
	Key  string
	Hash string
}

// Ticket returns the ticket of key for the caller scope and the request
// whose body is body (nil: r's body is read, and restored for the
// handler), or the conflict when the key is unusable. An empty key gives
// an empty ticket.
func (rp *Replay) Ticket(r *http.Request, body []byte, scope, key string) (Ticket, Conflict) {
	if key == "" {
		return Ticket{}, 0
	}
	if len(key) > MaxKeyLength {
		return Ticket{}, ConflictBadKey
	}
	if body == nil {
		var ok bool
		if body, ok = peekBody(r); !ok {
			return Ticket{}, 0 // too large: the handler refuses it, nothing is placed
		}
	}
	return Ticket{Key: "key:" + scope + ":" + key, Hash: RequestHash(r, body)}, 0
}

// Outcome is an attempt's answer as the replay layer keeps it.
type Outcome struct {
	Status      int
	ContentType string
	Body        []byte
	// Secret marks an answer that shows a secret once: never kept.
	Secret bool
	// Discard marks an answer not to keep whatever its status (DoNotKeep).
	Discard bool
}

// Run runs attempt at most once for key within scope, for the request
// whose canonical hash is hash (RequestHash), or answers from what the
// first attempt kept: replayed is true when out is a kept answer given
// again, conflict non-zero when the key cannot be used now (then nothing
// ran). attempt must do its work with the context it is given: that
// context carries the claim (store.WithReplayClaim), so that its units of
// work commit only while it holds the key and mark the key committed (a
// retry after a crash between that commit and keeping the answer is then
// ConflictAnswerLost, never a second run). Do is Run for an HTTP handler;
// a protocol that builds its answers itself (seed 003's) calls Run.
func (rp *Replay) Run(ctx context.Context, scope, key, hash string, mode Mode, attempt func(context.Context) Outcome) (out Outcome, replayed bool, conflict Conflict) {
	if len(key) > MaxKeyLength {
		return Outcome{}, false, ConflictBadKey
	}
	scopeKey := "replay:" + scope
	now := rp.Now()
	if rec, err := rp.st.GetIdempotency(ctx, scopeKey, key); err == nil && !rec.CreatedAt.Before(now.Add(-rp.TTL)) {
		// Held or used. Only an abandoned attempt at this very request
		// (its lease passed) is claimed, below, to be taken over.
		if rec.Status != 0 || rec.Committed || rec.RequestHash != hash || rec.LeaseUntil == nil || rec.LeaseUntil.After(now) {
			return rp.held(ctx, rec, hash, mode, now, attempt)
		}
	} else if err != nil && hub.ErrorCode(err) != hub.CodeNotFound {
		rp.log.ErrorContext(ctx, "replay: reading the key failed; the request runs without it", "request_id", RequestID(ctx), "error", err)
		return attempt(ctx), false, 0
	}
	owner := newOwner()
	lease := now.Add(rp.Lease)
	mine := &store.IdempotencyRecord{Scope: scopeKey, Key: key, RequestHash: hash, Owner: owner, LeaseUntil: &lease}
	var held *store.IdempotencyRecord
	err := rp.st.Update(ctx, func(tx store.Tx) error {
		var err error
		held, err = tx.ClaimIdempotency(ctx, mine, now, rp.TTL)
		return err
	})
	if err != nil {
		rp.log.ErrorContext(ctx, "replay: claiming the key failed; the request runs without it", "request_id", RequestID(ctx), "error", err)
		return attempt(ctx), false, 0
	}
	if held != nil {
		return rp.held(ctx, held, hash, mode, now, attempt)
	}
	// The attempt is ours. Its outcome is written even when the client
	// has gone: a client that timed out is exactly the one that retries.
	wctx := context.WithoutCancel(ctx)
	stop := rp.renew(wctx, scopeKey, key, owner)
	finished := false
	defer func() {
		stop()
		if !finished {
			// A panic, a 5xx or an input error: the key is free again
			// (unless a unit of the attempt committed: then it stays,
			// and a retry is ConflictAnswerLost).
			if err := rp.st.Update(wctx, func(tx store.Tx) error { return tx.ReleaseIdempotency(wctx, scopeKey, key, owner) }); err != nil {
				rp.log.ErrorContext(ctx, "replay: freeing the key failed; it frees itself when its lease passes",
					"request_id", RequestID(ctx), "error", err)
			}
		}
	}()
	out = attempt(store.WithReplayClaim(ctx, store.ReplayClaim{Scope: scopeKey, Key: key, Owner: owner}))
	if out.Status == 0 {
		out.Status = http.StatusOK
	}
	if out.Discard || !kept(out.Status) {
		return out, false, 0
	}
	mine.Status, mine.ContentType, mine.Body = out.Status, out.ContentType, out.Body
	switch {
	case out.Secret:
		mine.ContentType, mine.Body = secretHeld, nil
	case mode == Rerun:
		mine.ContentType, mine.Body = rerun, nil
	}
	if err := rp.st.Update(wctx, func(tx store.Tx) error { return tx.FinishIdempotency(wctx, mine) }); err != nil {
		rp.log.ErrorContext(ctx, "replay: keeping the answer failed", "request_id", RequestID(ctx), "error", err)
		return out, false, 0
	}
	finished = true
	return out, false, 0
}

// held answers a request whose key another attempt holds or has used.
func (rp *Replay) held(ctx context.Context, rec *store.IdempotencyRecord, hash string, mode Mode, now time.Time,
	attempt func(context.Context) Outcome) (Outcome, bool, Conflict) {
	switch {
	case rec.RequestHash != hash:
		return Outcome{}, false, ConflictMismatch
	case rec.Status == 0 && rec.Committed && rec.LeaseUntil != nil && !rec.LeaseUntil.After(now):
		if mode == Rerun {
			return attempt(ctx), false, 0 // a repeat runs again anyway (a token issued anew)
		}
		return Outcome{}, false, ConflictAnswerLost
	case rec.Status == 0:
		return Outcome{}, false, ConflictInProgress
	case rec.ContentType == secretHeld:
		return Outcome{}, false, ConflictSecretShown
	case rec.ContentType == rerun || mode == Rerun:
		return attempt(ctx), false, 0
	}
	return Outcome{Status: rec.Status, ContentType: rec.ContentType, Body: rec.Body}, true, 0
}

// Do runs next at most once for key within the caller scope, answering a
// repeat from what the first attempt kept (see the package comment). An
// empty key, or a read, runs next as is.
func (rp *Replay) Do(w http.ResponseWriter, r *http.Request, scope, key string, mode Mode, conflict ConflictFunc, next http.HandlerFunc) {
	if key == "" || r.Method == http.MethodGet || r.Method == http.MethodHead || r.Method == http.MethodOptions {
		next(w, r)
		return
	}
	body, ok := peekBody(r)
	if !ok {
		next(w, r) // too large: the handler refuses it, so nothing is kept
		return
	}
	out, replayed, c := rp.Run(r.Context(), scope, key, RequestHash(r, body), mode, func(ctx context.Context) Outcome {
		cw := &captureWriter{ResponseWriter: w, keep: true}
		next(cw, r.WithContext(ctx))
		return Outcome{Status: cw.status, ContentType: cw.Header().Get("Content-Type"), Body: cw.body.Bytes(),
			Secret: HoldsSecret(cw.Header()), Discard: !cw.keep}
	})
	switch {
	case c != 0:
		conflict(w, r, c)
	case replayed:
		if out.ContentType != "" {
			w.Header().Set("Content-Type", out.ContentType)
		}
		MarkReplayed(w, true)
		w.WriteHeader(out.Status)
		w.Write(out.Body)
	}
}

// kept reports whether an answer of this status is kept for replays.
func kept(status int) bool {
	return status < 400 || status == http.StatusConflict || status == http.StatusGone
}

// renew extends the attempt's lease until stop is called.
func (rp *Replay) renew(ctx context.Context, scope, key, owner string) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(rp.Lease / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				until := rp.Now().Add(rp.Lease)
				if err := rp.st.Update(ctx, func(tx store.Tx) error { return tx.RenewIdempotency(ctx, scope, key, owner, until) }); err != nil {
					rp.log.WarnContext(ctx, "replay: renewing a lease failed", "error", err)
				}
			}
		}
	}()
	return func() { close(done); <-finished }
}

func newOwner() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// peekBody reads the body (up to MaxBody) and puts it back for the
// handler; ok is false when it is larger.
func peekBody(r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), r.Body))
	if err != nil || len(body) > MaxBody {
		return nil, false
	}
	return body, true
}

// RequestHash is the request's identity for the replay layer: method, path
// and query, and the canonical body.
func RequestHash(r *http.Request, body []byte) string {
	h := sha256.New()
	io.WriteString(h, r.Method+" "+r.URL.RequestURI()+"\n")
	h.Write(CanonicalBody(r.Header.Get("Content-Type"), body))
	return hex.EncodeToString(h.Sum(nil))
}

// CanonicalBody is a body in the form two equal requests share: JSON
// re-encoded with sorted keys and no insignificant white space; a form or
// multipart body as its fields sorted by name (each value that is JSON
// canonical too); anything else as it is.
func CanonicalBody(contentType string, body []byte) []byte {
	mt, params, _ := mime.ParseMediaType(contentType)
	switch {
	case mt == "multipart/form-data" && params["boundary"] != "":
		fields := url.Values{}
		mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
		for {
			p, err := mr.NextPart()
			if err != nil {
				if err != io.EOF {
					return body
				}
				break
			}
			v, err := io.ReadAll(io.LimitReader(p, MaxBody))
			if err != nil {
				return body
			}
			fields.Add(p.FormName(), string(v))
		}
		return canonicalFields(fields)
	case mt == "application/x-www-form-urlencoded":
		fields, err := url.ParseQuery(string(body))
		if err != nil {
			return body
		}
		return canonicalFields(fields)
	}
	if c, ok := canonicalJSON(body); ok {
		return c
	}
	return body
}

func canonicalFields(fields url.Values) []byte {
	names := make([]string, 0, len(fields))
	for n := range fields {
		names = append(names, n)
	}
	slices.Sort(names)
	out := map[string][]json.RawMessage{}
	for _, n := range names {
		for _, v := range fields[n] {
			c, ok := canonicalJSON([]byte(v))
			if !ok {
				c, _ = json.Marshal(v)
			}
			out[n] = append(out[n], c)
		}
	}
	b, _ := json.Marshal(out) // map keys are sorted
	return b
}

// canonicalJSON re-encodes a JSON document with sorted keys, numbers as
// written; ok is false when body is not one JSON value.
func canonicalJSON(body []byte) ([]byte, bool) {
	t := bytes.TrimSpace(body)
	if len(t) == 0 {
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(t))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		return nil, false
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, false
	}
	b, err := json.Marshal(v)
	return b, err == nil
}

// Markers of kept records whose body is not the answer.
const (
	// secretHeld: the answer showed a secret and was not kept.
	secretHeld = "orderhub/secret-not-stored"
	// rerun: only the request was kept (Mode Rerun).
	rerun = "orderhub/rerun"
)

// MarkSecret marks a response that shows a secret once (a new key, token
// or signing secret). Its answer is sent with Cache-Control: no-store and
// is never kept for replays: a repeat with the same key is told so
// (ConflictSecretShown) instead of creating a second secret or reading one
// back.
func MarkSecret(w http.ResponseWriter) { w.Header().Set("Cache-Control", "no-store") }

// HoldsSecret reports whether a response was marked with MarkSecret.
func HoldsSecret(h http.Header) bool { return h.Get("Cache-Control") == "no-store" }

// DoNotKeep tells the replay layer not to keep this answer, although its
// status would be (an input error a protocol answers with 200): the key
// is freed, and a corrected retry with it runs.
func DoNotKeep(w http.ResponseWriter) {
	if cw, ok := w.(*captureWriter); ok {
		cw.keep = false
	}
}

// captureWriter passes the response through and keeps a copy.
type captureWriter struct {
	http.ResponseWriter
	status int
	keep   bool
	body   bytes.Buffer
}

func (c *captureWriter) WriteHeader(code int) {
	if c.status == 0 {
		c.status = code
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *captureWriter) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	if c.body.Len() < MaxBody {
		c.body.Write(b)
	}
	return c.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (c *captureWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }
