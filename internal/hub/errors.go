package hub

import (
	"errors"
	"fmt"
	"time"
)

// Code classifies an error so that every protocol can render it in its own
// envelope and status without knowing where it came from.
type Code string

const (
	CodeInvalid      Code = "invalid"      // the caller sent something wrong (4xx)
	CodeNotFound     Code = "not_found"    // the named thing does not exist in the caller's scope
	CodeConflict     Code = "conflict"     // the request clashes with the current state
	CodeUnauthorized Code = "unauthorized" // no or bad credential
	CodeForbidden    Code = "forbidden"    // credential valid, but not for this
	CodeUnavailable  Code = "unavailable"  // a dependency (e.g. a provider) could not answer
	CodeInternal     Code = "internal"     // our fault; logged in full, never shown
	CodeRateLimited  Code = "rate_limited" // the caller is over its request rate (429 with Retry-After)
	CodeTooLarge     Code = "too_large"    // the request body is over the cap (413)
)

// Reason refines a code with a machine-readable cause that protocols map onto
// their own error codes (Omni's "already_paid", Junglebook's "206", ...).
type Reason string

const (
	ReasonNone               Reason = ""
	ReasonInvalidTransition  Reason = "invalid_transition"
	ReasonAlreadyInStatus    Reason = "already_in_status"
	ReasonAlreadyCompleted   Reason = "already_completed"
	ReasonAlreadyCancelled   Reason = "already_cancelled"
	ReasonAlreadyPaid        Reason = "already_paid"
	ReasonCookingStarted     Reason = "cooking_started"
	ReasonOutOfStock         Reason = "out_of_stock"     // stock is zero
	ReasonNotEnoughStock     Reason = "not_enough_stock" // stock is positive but below the quantity
	ReasonNotAvailable       Reason = "not_available"    // not launched, outside timeslot, not at location
	ReasonNotIndividual      Reason = "not_individual"   // may only be sold inside a combo
	ReasonSupplierRestricted Reason = "supplier_restricted"
	ReasonBelowMinimum       Reason = "below_minimum"
	ReasonAboveMaximum       Reason = "above_maximum"
	ReasonBundleSize         Reason = "bundle_size"
	ReasonInvalidOption      Reason = "invalid_option"
	ReasonPriceMismatch      Reason = "price_mismatch"
	ReasonDuplicateLine      Reason = "duplicate_line"
	ReasonDuplicateOrder     Reason = "duplicate_order"
	ReasonIdempotencyReuse   Reason = "idempotency_key_reused"
	ReasonUnknownProduct     Reason = "unknown_product"
	ReasonInventoryRejected  Reason = "inventory_rejected"
	ReasonLastOperatorToken  Reason = "last_operator_token" // the only live operator hub token
	// ReasonCredentialRole: the credential may not act in the route's role
	// (CredentialRole.Authorize; Details "credential_role" and "role").
	ReasonCredentialRole Reason = "credential_role"
	// ReasonIdempotencyTakenOver: a keyed request's attempt lost its key
	// (its lease passed and a retry took it over) before its unit
	// committed; the unit is rolled back.
	ReasonIdempotencyTakenOver Reason = "idempotency_key_taken_over"
)

// Error is the one error type that crosses layers. Field names the input
// that failed (a JSON path such as "lines[1].quantity") when there is one.
type Error struct {
	Code    Code
	Reason  Reason
	Field   string
	Message string
	// Details carries structured context for protocols that must echo it
	// (e.g. the existing order of a duplicate, the product that ran out).
	Details map[string]any
	// RetryAfter is how long a rate-limited caller should wait
	// (CodeRateLimited); renderers send it as Retry-After.
	RetryAfter time.Duration
	Err        error
}

func (e *Error) Error() string {
	msg := e.Message
	if e.Field != "" {
		msg = e.Field + ": " + msg
	}
	if e.Err != nil {
		if msg == "" {
			return e.Err.Error()
		}
		return msg + ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an *Error with a code and a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid reports bad input in one named field.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Code: CodeInvalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// NotFound reports a missing thing, named for the caller.
func NotFound(format string, args ...any) *Error {
	return &Error{Code: CodeNotFound, Message: fmt.Sprintf(format, args...)}
}

// Conflict reports a state clash with a reason.
func Conflict(reason Reason, format string, args ...any) *Error {
	return &Error{Code: CodeConflict, Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// Internal wraps an unexpected error; its text is never shown to callers.
func Internal(err error, format string, args ...any) *Error {
	return &Error{Code: CodeInternal, Message: fmt.Sprintf(format, args...), Err: err}
}

// RateLimited reports a caller over its request rate, who may try again
// after retry.
func RateLimited(retry time.Duration) *Error {
	return &Error{Code: CodeRateLimited, Message: "too many requests, slow down", RetryAfter: retry}
}

// TooLarge reports a request body over the cap of limit bytes.
func TooLarge(limit int) *Error {
	return &Error{Code: CodeTooLarge, Field: "body", Message: fmt.Sprintf("request body exceeds %d bytes", limit)}
}

// RetryAfterSeconds is the Retry-After of a rate-limited error in whole
// seconds, rounded up and at least 1 (0 for any other error).
func RetryAfterSeconds(err error) int {
	e := AsError(err)
	if e == nil || e.Code != CodeRateLimited {
		return 0
	}
	s := int((e.RetryAfter + time.Second - 1) / time.Second)
	return max(s, 1)
}

// WithReason sets the reason and returns e for chaining.
func (e *Error) WithReason(r Reason) *Error { e.Reason = r; return e }

// WithField sets the field and returns e for chaining.
func (e *Error) WithField(f string) *Error { e.Field = f; return e }

// WithDetail adds a detail and returns e for chaining.
func (e *Error) WithDetail(k string, v any) *Error {
	if e.Details == nil {
		e.Details = map[string]any{}
	}
	e.Details[k] = v
	return e
}

// AsError finds the *Error in err's chain; anything else is internal.
func AsError(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: CodeInternal, Message: "internal error", Err: err}
}

// ErrorCode returns the code of err ("" for nil).
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	return AsError(err).Code
}

// ErrorReason returns the reason of err.
func ErrorReason(err error) Reason {
	if err == nil {
		return ReasonNone
	}
	return AsError(err).Reason
}

// PublicMessage is the text safe to show a caller: internal errors are never
// described.
func PublicMessage(err error) string {
	e := AsError(err)
	if e.Code == CodeInternal {
		return "internal error"
	}
	if e.Message == "" && e.Err != nil {
		return e.Err.Error()
	}
	return e.Message
}
