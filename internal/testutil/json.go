package testutil

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// DecodeJSON decodes one JSON document keeping numbers as their literal
// text (json.Number), so that 36364.0 and 36364 differ and types are
// compared exactly; trailing data fails tb.
func DecodeJSON(tb testing.TB, b []byte) any {
	tb.Helper()
	v, err := decodeNumbers(b)
	if err != nil {
		tb.Fatalf("invalid JSON %q: %v", b, err)
	}
	return v
}

func decodeNumbers(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("trailing data after the JSON value")
	}
	return v, nil
}

// DiffJSON lists where two decoded JSON values (DecodeJSON) differ,
// naming each place by its path from "$": a member missing from got or
// not in want, an array of another length, a leaf of another JSON type
// or value. With shapeOnly, leaves are compared by JSON type only.
func DiffJSON(path string, want, got any, shapeOnly bool) []string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: want object, got %T %v", path, got, got)}
		}
		keys := maps.Clone(w)
		maps.Copy(keys, g)
		var out []string
		for _, k := range slices.Sorted(maps.Keys(keys)) {
			wv, wok := w[k]
			gv, gok := g[k]
			switch {
			case !gok:
				out = append(out, fmt.Sprintf("%s.%s: missing", path, k))
			case !wok:
				out = append(out, fmt.Sprintf("%s.%s: unexpected (%v)", path, k, gv))
			default:
				out = append(out, DiffJSON(path+"."+k, wv, gv, shapeOnly)...)
			}
		}
		return out
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return []string{fmt.Sprintf("%s: want %v, got %v", path, want, got)}
		}
		var out []string
		for i := range w {
			out = append(out, DiffJSON(fmt.Sprintf("%s[%d]", path, i), w[i], g[i], shapeOnly)...)
		}
		return out
	}
	if reflect.TypeOf(want) != reflect.TypeOf(got) {
		return []string{fmt.Sprintf("%s: want %T %v, got %T %v", path, want, want, got, got)}
	}
	if !shapeOnly && !reflect.DeepEqual(want, got) {
		return []string{fmt.Sprintf("%s: want %v, got %v", path, want, got)}
	}
	return nil
}

// SameJSON fails tb (and goes on) unless the two bodies are the same JSON
// as DiffJSON compares them: white space and member order do not count,
// number literals and JSON types do.
func SameJSON(tb testing.TB, what string, want, got []byte) {
	tb.Helper()
	if d := DiffJSON("$", DecodeJSON(tb, want), DecodeJSON(tb, got), false); len(d) > 0 {
		tb.Errorf("%s: body differs:\n  %s\nwant %s\ngot  %s", what, strings.Join(d, "\n  "), want, got)
	}
}

// SameValue is SameJSON for bodies already decoded with DecodeJSON.
func SameValue(tb testing.TB, what string, want, got any) {
	tb.Helper()
	if d := DiffJSON("$", want, got, false); len(d) > 0 {
		w, _ := json.Marshal(want)
		g, _ := json.Marshal(got)
		tb.Errorf("%s: body differs:\n  %s\nwant %s\ngot  %s", what, strings.Join(d, "\n  "), w, g)
	}
}

// SameShape fails tb unless the two bodies have the same members at every
// level, with the same JSON types (values may differ: ids, times).
func SameShape(tb testing.TB, what string, want, got []byte) {
	tb.Helper()
	if d := DiffJSON("$", DecodeJSON(tb, want), DecodeJSON(tb, got), true); len(d) > 0 {
		tb.Errorf("%s: shape differs:\n  %s\nwant %s\ngot  %s", what, strings.Join(d, "\n  "), want, got)
	}
}
