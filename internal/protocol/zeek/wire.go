package zeek

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"orderhub/internal/hub"
)

// This file reads the seed's JSON by hand, member by member, so that every
// problem names the field as the client wrote it ("products[0].price.amount")
// and says what was wrong in the caller's language (messages.go).

// problem is the first thing wrong with a request.
type problem struct {
	field string
	kind  problemKind
	arg   string // the allowed values, a limit
	// en is the English detail of a service validation error (kind
	// kindService); Vietnamese callers get a generic text.
	en string
}

type problemKind int

const (
	kindRequired problemKind = iota + 1
	kindInteger
	kindString
	kindObject
	kindArray
	kindFlag
	kindOneOf
	kindAmount
	kindDate
	kindTime
	kindLocation
	kindJSON
	kindPositive
	kindTooMany
	kindTooLong
	kindService
	kindDecimals // arg: the currency
)

// reader collects the first problem; later ones are ignored, so a caller
// can read a whole object and check r.p once.
type reader struct {
	p *problem
	// zone reads times without an offset (KS-Region's zone).
	zone *time.Location
}

func (r *reader) fail(field string, kind problemKind, arg string) {
	if r.p == nil {
		r.p = &problem{field: field, kind: kind, arg: arg}
	}
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// absent reports a missing member or a JSON null.
func absent(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || string(t) == "null"
}

// object reads a JSON object; nil when absent (a problem if required) or
// not an object.
func (r *reader) object(raw json.RawMessage, path string, required bool) map[string]json.RawMessage {
	if r.missing(raw, path, required) {
		return nil
	}
	t := bytes.TrimSpace(raw)
	if t[0] != '{' {
		r.fail(path, kindObject, "")
		return nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(t, &m); err != nil {
		r.fail(path, kindObject, "")
		return nil
	}
	return m
}

// array reads a JSON array; present reports that it was sent (an empty
// array is present).
func (r *reader) array(raw json.RawMessage, path string, required bool) (items []json.RawMessage, present bool) {
	if r.missing(raw, path, required) {
		return nil, false
	}
	t := bytes.TrimSpace(raw)
	if t[0] != '[' {
		r.fail(path, kindArray, "")
		return nil, false
	}
	if err := json.Unmarshal(t, &items); err != nil {
		r.fail(path, kindArray, "")
		return nil, false
	}
	if len(items) > maxItems {
		r.fail(path, kindTooMany, strconv.Itoa(maxItems))
		return nil, false
	}
	return items, true
}

// maxItems bounds every array of a request.
const maxItems = 500

// missing reports an absent value (none, or null), failing it when it
// is required.
func (r *reader) missing(raw json.RawMessage, path string, required bool) bool {
	if !absent(raw) {
		return false
	}
	if required {
		r.fail(path, kindRequired, "")
	}
	return true
}

// numberText is the text of a number sent as a JSON number or inside a
// JSON string; a string that is not one fails as kind, an absent value as
// required when it is.
func (r *reader) numberText(raw json.RawMessage, path string, required bool, kind problemKind) (string, bool) {
	if r.missing(raw, path, required) {
		return "", false
	}
	t := string(bytes.TrimSpace(raw))
	if strings.HasPrefix(t, `"`) {
		var s string
		if json.Unmarshal([]byte(t), &s) != nil {
			r.fail(path, kind, "")
			return "", false
		}
		t = s
	}
	return t, true
}

// integer reads a JSON integer (or a string of digits, which some clients
// send for ids).
func (r *reader) integer(raw json.RawMessage, path string, required bool) (int64, bool) {
	t, ok := r.numberText(raw, path, required, kindInteger)
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseInt(strings.TrimSpace(t), 10, 64)
	if err != nil {
		r.fail(path, kindInteger, "")
		return 0, false
	}
	return v, true
}

// smallInt reads an integer that must fit a count or a sort order.
func (r *reader) smallInt(raw json.RawMessage, path string, required bool) (int, bool) {
	v, ok := r.integer(raw, path, required)
	if !ok {
		return 0, false
	}
	if v < -1_000_000_000 || v > 1_000_000_000 {
		r.fail(path, kindInteger, "")
		return 0, false
	}
	return int(v), true
}

// id reads a positive integer id.
func (r *reader) id(raw json.RawMessage, path string, required bool) (int64, bool) {
	v, ok := r.integer(raw, path, required)
	if ok && v <= 0 {
		r.fail(path, kindPositive, "")
		return 0, false
	}
	return v, ok
}

// str reads a JSON string; a JSON number is taken as its literal text
// (ids such as order_id are sometimes sent unquoted).
func (r *reader) str(raw json.RawMessage, path string, required bool) (string, bool) {
	if r.missing(raw, path, required) {
		return "", false
	}
	t := bytes.TrimSpace(raw)
	switch {
	case t[0] == '"':
		var s string
		if json.Unmarshal(t, &s) != nil {
			r.fail(path, kindString, "")
			return "", false
		}
		s = strings.TrimSpace(s)
		if s == "" && required {
			r.fail(path, kindRequired, "")
			return "", false
		}
		if len(s) > 1000 {
			r.fail(path, kindTooLong, "1000")
			return "", false
		}
		return s, true
	case t[0] == '-' || (t[0] >= '0' && t[0] <= '9'):
		return string(t), true
	}
	r.fail(path, kindString, "")
	return "", false
}

// flag reads the seed's 0/1 switches (JSON true and false are accepted
// too).
func (r *reader) flag(raw json.RawMessage, path string, required bool) (bool, bool) {
	if r.missing(raw, path, required) {
		return false, false
	}
	switch string(bytes.TrimSpace(raw)) {
	case "1", "true", `"1"`:
		return true, true
	case "0", "false", `"0"`:
		return false, true
	}
	r.fail(path, kindFlag, "")
	return false, false
}

// oneOf reads an integer code that must be one of allowed.
func (r *reader) oneOf(raw json.RawMessage, path string, required bool, allowed ...int64) (int64, bool) {
	v, ok := r.integer(raw, path, required)
	if !ok {
		if r.p != nil && r.p.field == path && r.p.kind == kindInteger {
			r.p.kind, r.p.arg = kindOneOf, joinInts(allowed)
		}
		return 0, false
	}
	for _, a := range allowed {
		if v == a {
			return v, true
		}
	}
	r.fail(path, kindOneOf, joinInts(allowed))
	return 0, false
}

func joinInts(v []int64) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.FormatInt(x, 10)
	}
	return strings.Join(s, ", ")
}

// amount reads a non-negative amount in major units: a decimal string
// ("45.40", as the tables say) or a JSON number (300, as the combo and
// option examples send), converted exactly into minor units of currency.
// Floats never take part: the number's literal text is parsed.
func (r *reader) amount(raw json.RawMessage, path, currency string, required bool) (int64, bool) {
	t, ok := r.numberText(raw, path, required, kindAmount)
	if !ok {
		return 0, false
	}
	v, err := hub.ParseAmount(t, currency)
	if err != nil && tooPrecise(t, currency) {
		r.fail(path, kindDecimals, currency)
		return 0, false
	}
	if err != nil || v < 0 || v > hub.MaxAmount {
		r.fail(path, kindAmount, "")
		return 0, false
	}
	return v, true
}

// tooPrecise reports a non-negative decimal whose only fault is more
// decimal places than the currency has ("45.40" VND, "1.005" HKD), so that
// the answer says so rather than asking for what was sent.
func tooPrecise(s, currency string) bool {
	s = strings.TrimPrefix(strings.TrimSpace(s), "+")
	whole, frac, ok := strings.Cut(s, ".")
	digits := func(x string) bool {
		return x != "" && strings.Trim(x, "0123456789") == ""
	}
	return ok && digits(whole) && digits(frac) && len(strings.TrimRight(frac, "0")) > hub.CurrencyExponent(currency)
}

// date reads YYYY-MM-DD.
func (r *reader) date(raw json.RawMessage, path string) string {
	s, ok := r.str(raw, path, false)
	if !ok || s == "" {
		return ""
	}
	if _, err := time.Parse(time.DateOnly, s); err != nil {
		r.fail(path, kindDate, "")
		return ""
	}
	return s
}

// instant reads a time: RFC 3339 with its offset ("2004-05-03T17:30:08+07:00",
// as the create example sends), or "2021-03-22 17:00:00" (the batch
// example) in the region's zone. nil when absent or empty.
func (r *reader) instant(raw json.RawMessage, path string) *time.Time {
	s, ok := r.str(raw, path, false)
	if !ok || s == "" {
		return nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		u := t.UTC()
		return &u
	}
	for _, layout := range []string{time.DateTime, "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, r.zone); err == nil {
			u := t.UTC()
			return &u
		}
	}
	r.fail(path, kindTime, "")
	return nil
}

// i18n reads a text per language ({"en": ..., "zh_hk": ...}); language
// tags are normalised (zh_hk and zh-hk are zh-HK). Required means at least
// one non-empty text.
func (r *reader) i18n(raw json.RawMessage, path string, required bool) hub.I18n {
	m := r.object(raw, path, required)
	if m == nil {
		return nil
	}
	out := hub.I18n{}
	for k, v := range m {
		s, ok := r.str(v, join(path, k), false)
		if ok && s != "" {
			out[k] = s
		}
	}
	out = out.Normalize()
	if required && len(out) == 0 {
		r.fail(path, kindRequired, "")
		return nil
	}
	return out
}

// unwrap accepts both body forms of DESIGN.md §4: bare, or wrapped as
// {"error": 0, "data": {...}}. A body is the wrapped form when "data" is an
// object and every other member is "error".
func unwrap(m map[string]json.RawMessage) map[string]json.RawMessage {
	data, ok := m["data"]
	if !ok {
		return m
	}
	for k := range m {
		if k != "data" && k != "error" {
			return m
		}
	}
	t := bytes.TrimSpace(data)
	if len(t) == 0 || t[0] != '{' {
		return m
	}
	var inner map[string]json.RawMessage
	if json.Unmarshal(t, &inner) != nil {
		return m
	}
	return inner
}

// body parses a request body as a JSON object, wrapped or bare.
func (r *reader) body(b []byte) map[string]json.RawMessage {
	t := bytes.TrimSpace(b)
	if len(t) == 0 {
		r.fail("body", kindRequired, "")
		return nil
	}
	if !json.Valid(t) {
		r.fail("body", kindJSON, "")
		return nil
	}
	m := r.object(t, "body", true)
	if m == nil {
		return nil
	}
	return unwrap(m)
}
