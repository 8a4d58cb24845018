// Package httpx holds the HTTP plumbing every surface shares: request ids,
// the request log line, panic recovery, JSON decoding with field-named
// errors, the Idempotency-Key replay store, and reading credentials
// (Credentials, BasicCredentials) and whether a request came over HTTPS
// (IsHTTPS) the same way on every surface. It knows no protocol: each
// surface passes its own error renderer.
package httpx

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"orderhub/internal/hub"
)

type ctxKey int

const requestIDKey ctxKey = iota

// RequestID returns the request id of ctx ("" outside a request).
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

func validRequestID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

func newRequestID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// statusRecorder remembers the status and size written, and whether the
// answer is a stream (server-sent events).
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int
	stream bool
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
		r.stream = isStream(r.Header())
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
		r.stream = isStream(r.Header())
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += n
	return n, err
}

// Flush lets streaming handlers (server-sent events) flush through.
func (r *statusRecorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap exposes the underlying writer to http.ResponseController.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// isStream reports an answer that streams for as long as its client
// stays: server-sent events.
func isStream(h http.Header) bool {
	mt, _, _ := strings.Cut(h.Get("Content-Type"), ";")
	return strings.EqualFold(strings.TrimSpace(mt), "text/event-stream")
}

// RequestObserver hears of every request once it is answered (the
// metrics of internal/metrics). It must be safe for concurrent use, and
// must not keep path or use it as it is in a label: it is the raw path.
// stream is set when the answer was a stream (Content-Type
// text/event-stream), whose duration is its client's stay, not a latency.
type RequestObserver interface {
	ObserveRequest(method, path string, status int, d time.Duration, stream bool)
}

// Middleware gives every request an id (the caller's X-Request-Id when it
// is sane, else a new one, echoed in the response), recovers panics into a
// 500 without details, and logs one line per request. Secrets never reach
// the log: only method, path (no query), status, size, duration, id and
// remote address are written. Each observer (nil ones are skipped) hears
// of the request with the same status and duration as the log line.
func Middleware(log *slog.Logger, next http.Handler, observers ...RequestObserver) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if !validRequestID(id) {
			id = newRequestID()
		}
		w.Header().Set("X-Request-Id", id)
		ctx := context.WithValue(r.Context(), requestIDKey, id)
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				log.ErrorContext(ctx, "panic", "request_id", id, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				if rec.status == 0 {
					rec.Header().Set("Content-Type", "application/json")
					rec.WriteHeader(http.StatusInternalServerError)
					io.WriteString(rec, `{"error":{"code":"internal","message":"internal error"}}`)
				}
			}
			status := rec.status
			if status == 0 {
				status = http.StatusOK
			}
			elapsed := time.Since(start)
			log.LogAttrs(ctx, slog.LevelInfo, "request",
				slog.String("request_id", id),
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.Int("status", status),
				slog.Int("bytes", rec.bytes),
				slog.Duration("duration", elapsed),
				slog.String("remote", r.RemoteAddr))
			for _, o := range observers {
				if o != nil {
					o.ObserveRequest(r.Method, r.URL.Path, status, elapsed, rec.stream)
				}
			}
		}()
		next.ServeHTTP(rec, r.WithContext(ctx))
	})
}

// MaxBody is the largest request body any surface reads.
const MaxBody = 1 << 20

// ReadBody reads the body up to MaxBody; a larger body is
// hub.CodeTooLarge (413 in every envelope), as is a body cut off by an
// http.MaxBytesReader.
func ReadBody(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	if err != nil {
		if IsTooLarge(err) {
			return nil, hub.TooLarge(MaxBody)
		}
		return nil, hub.Invalid("body", "could not read the request body")
	}
	if len(b) > MaxBody {
		return nil, hub.TooLarge(MaxBody)
	}
	return b, nil
}

// IsTooLarge reports whether err is an http.MaxBytesReader's refusal or
// already hub.CodeTooLarge.
func IsTooLarge(err error) bool {
	var mb *http.MaxBytesError
	var he *hub.Error
	return errors.As(err, &mb) || errors.As(err, &he) && he.Code == hub.CodeTooLarge
}

// DecodeJSON decodes body into v, turning JSON errors into invalid errors
// that name the field. With strict, unknown fields are refused.
func DecodeJSON(body []byte, v any, strict bool) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return hub.Invalid("body", "a JSON body is required")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		return JSONError(err)
	}
	if dec.More() {
		return hub.Invalid("body", "unexpected data after the JSON value")
	}
	return nil
}

// JSONError describes a decoding error in terms of the field.
func JSONError(err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		f := te.Field
		if f == "" {
			f = "body"
		}
		return hub.Invalid(f, "must be %s, not %s", jsonType(te.Type.Kind().String()), te.Value)
	case errors.As(err, &se):
		return hub.Invalid("body", "invalid JSON at offset %d", se.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return hub.Invalid("body", "truncated JSON")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return hub.Invalid(f, "unknown field")
	}
	var he *hub.Error
	if errors.As(err, &he) {
		return he
	}
	return hub.Invalid("body", "invalid JSON: %v", err)
}

// JSONKind names the JSON type of a value that is neither a string nor a
// number, as encoding/json's type errors do (for a json.UnmarshalTypeError
// of an UnmarshalJSON method, which the decoder fills with the field's
// path).
func JSONKind(b []byte) string {
	switch b[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "bool"
	}
	return "value"
}

func jsonType(kind string) string {
	switch kind {
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "an integer"
	case "float32", "float64":
		return "a number"
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "slice", "array":
		return "an array"
	case "map", "struct":
		return "an object"
	}
	return "a " + kind
}

// WriteJSON writes v as JSON with a status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// IDString is an identifier a client may send as a JSON string or number
// (a product's PLU, a hub id, a bot's order id): a string is taken with
// its surrounding white space trimmed, an integer as written, null leaves it
// as it was. Anything else is a type error, so that the decoder names the
// field where it stands ("lines[0].product: must be a string, not
// object"), not a field of its own.
type IDString string

func (r *IDString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*r = IDString(strings.TrimSpace(s))
		return nil
	}
	if string(b) == "null" {
		return nil
	}
	// A number is an integer id: 1.5 or 1e3 names nothing.
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return &json.UnmarshalTypeError{Value: JSONKind(b), Type: reflect.TypeFor[string]()}
	}
	if _, err := strconv.ParseInt(n.String(), 10, 64); err != nil {
		return &json.UnmarshalTypeError{Value: "number " + n.String(), Type: reflect.TypeFor[string]()}
	}
	*r = IDString(n.String())
	return nil
}

// statusOf is the HTTP status of each error code.
var statusOf = map[hub.Code]int{
	hub.CodeInvalid:      http.StatusBadRequest,
	hub.CodeUnauthorized: http.StatusUnauthorized,
	hub.CodeForbidden:    http.StatusForbidden,
	hub.CodeNotFound:     http.StatusNotFound,
	hub.CodeConflict:     http.StatusConflict,
	hub.CodeUnavailable:  http.StatusServiceUnavailable,
	hub.CodeInternal:     http.StatusInternalServerError,
	hub.CodeRateLimited:  http.StatusTooManyRequests,
	hub.CodeTooLarge:     http.StatusRequestEntityTooLarge,
}

// StatusOf is the HTTP status an error code answers with where an
// envelope has no rule of its own (500 for a code it does not know); an
// envelope that answers a code otherwise (Junglebook's 200 for input
// faults) says so where it renders.
func StatusOf(c hub.Code) int {
	if s, ok := statusOf[c]; ok {
		return s
	}
	return http.StatusInternalServerError
}
