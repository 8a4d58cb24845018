package httpx

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/store"
)

// IdempotencyTTL is how long a recorded answer is replayed.
const IdempotencyTTL = 24 * time.Hour

// ConflictFunc renders an idempotency conflict in a protocol's own error
// format (status is 409 or 422).
type ConflictFunc func(w http.ResponseWriter, r *http.Request, status int, message string)

// Idempotency makes every write (POST, PUT, PATCH, DELETE) that carries an
// Idempotency-Key header safe to retry, on any surface (DESIGN.md §4):
//
//   - the first request with a key runs and its answer (status, content
//     type, body) is recorded, unless it is a 5xx, which may be retried;
//   - the same key with the same method, path and body gets the recorded
//     answer again, with Idempotent-Replayed: true, and runs nothing;
//   - the same key with a different request gets 422 from conflict;
//   - the same key while the first is still running gets 409 from conflict;
//   - an answer marked with MarkSecret (it shows a secret once) is not
//     kept: the same key again gets 409 saying so, and creates nothing.
//
// Keys are scoped per surface and per credential (a hash of the
// Authorization header), so two partners can never see each other's
// answers.
func Idempotency(st store.Store, surface string, log *slog.Logger, conflict ConflictFunc, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get("Idempotency-Key")
		if key == "" || r.Method == http.MethodGet || r.Method == http.MethodHead || r.Method == http.MethodOptions {
			next.ServeHTTP(w, r)
			return
		}
		if len(key) > 255 {
			conflict(w, r, http.StatusUnprocessableEntity, "Idempotency-Key must be at most 255 characters")
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
		if err != nil {
			conflict(w, r, http.StatusBadRequest, "could not read the request body")
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		authSum := sha256.Sum256([]byte(r.Header.Get("Authorization")))
		scope := surface + ":" + hex.EncodeToString(authSum[:16])
		reqSum := sha256.Sum256(append([]byte(r.Method+" "+r.URL.RequestURI()+"\n"), body...))
		hash := hex.EncodeToString(reqSum[:])
		ctx := r.Context()

		rec, err := st.GetIdempotency(ctx, scope, key)
		if err == nil && time.Since(rec.CreatedAt) > IdempotencyTTL {
			st.Update(ctx, func(tx store.Tx) error { return tx.DeleteIdempotency(ctx, scope, key) })
			rec, err = nil, hub.NotFound("expired")
		}
		switch {
		case err == nil:
			replay(w, r, rec, hash, conflict)
			return
		case hub.ErrorCode(err) != hub.CodeNotFound:
			log.ErrorContext(ctx, "idempotency lookup failed", "request_id", RequestID(ctx), "error", err)
			next.ServeHTTP(w, r)
			return
		}
		err = st.Update(ctx, func(tx store.Tx) error {
			return tx.PutIdempotency(ctx, &store.IdempotencyRecord{Scope: scope, Key: key, RequestHash: hash})
		})
		if err != nil {
			if rec, gerr := st.GetIdempotency(ctx, scope, key); gerr == nil {
				replay(w, r, rec, hash, conflict)
				return
			}
			conflict(w, r, http.StatusConflict, "a request with this Idempotency-Key is in progress")
			return
		}
		cw := &captureWriter{ResponseWriter: w}
		completed := false
		// The answer is recorded (or the key freed) even when the client
		// has gone: a client that timed out is exactly the one that
		// retries with the same key, and must get the first answer, not
		// "in progress" for a day nor a second order.
		wctx := context.WithoutCancel(ctx)
		defer func() {
			// A panic or a 5xx leaves the key free for a retry.
			if !completed {
				st.Update(wctx, func(tx store.Tx) error { return tx.DeleteIdempotency(wctx, scope, key) })
			}
		}()
		next.ServeHTTP(cw, r)
		status := cw.status
		if status == 0 {
			status = http.StatusOK
		}
		if status >= 500 {
			return
		}
		ctype, body := cw.Header().Get("Content-Type"), cw.body.Bytes()
		if HoldsSecret(cw.Header()) {
			// Remember that the key was used, not the answer: a secret
			// shown once is never stored in clear.
			ctype, body = secretHeld, nil
		}
		err = st.Update(wctx, func(tx store.Tx) error {
			return tx.PutIdempotency(wctx, &store.IdempotencyRecord{Scope: scope, Key: key, RequestHash: hash, Status: status,
				ContentType: ctype, Body: body})
		})
		if err != nil {
			log.ErrorContext(ctx, "idempotency record failed", "request_id", RequestID(ctx), "error", err)
			return
		}
		completed = true
	})
}

// secretHeld marks a record whose answer held a secret and was not kept.
const secretHeld = "orderhub/secret-not-stored"

// MarkSecret marks a response that shows a secret once (a new key, token
// or signing secret). Its answer is sent with Cache-Control: no-store and
// is never kept for Idempotency-Key replays: a retry with the same key is
// told so (409) instead of creating a second secret or reading one back.
func MarkSecret(w http.ResponseWriter) { w.Header().Set("Cache-Control", "no-store") }

// HoldsSecret reports whether a response was marked with MarkSecret.
func HoldsSecret(h http.Header) bool { return h.Get("Cache-Control") == "no-store" }

func replay(w http.ResponseWriter, r *http.Request, rec *store.IdempotencyRecord, hash string, conflict ConflictFunc) {
	if rec.RequestHash != hash {
		conflict(w, r, http.StatusUnprocessableEntity, "Idempotency-Key was already used for a different request")
		return
	}
	if rec.ContentType == secretHeld && rec.Status != 0 {
		conflict(w, r, http.StatusConflict, "the request with this Idempotency-Key succeeded; its answer held a secret "+
			"that is shown only once and was not kept: look the result up instead")
		return
	}
	if rec.Status == 0 {
		conflict(w, r, http.StatusConflict, "a request with this Idempotency-Key is in progress")
		return
	}
	if rec.ContentType != "" {
		w.Header().Set("Content-Type", rec.ContentType)
	}
	w.Header().Set("Idempotent-Replayed", "true")
	w.WriteHeader(rec.Status)
	w.Write(rec.Body)
}

// captureWriter passes the response through and keeps a copy.
type captureWriter struct {
	http.ResponseWriter
	status int
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
