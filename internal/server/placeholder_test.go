package server_test

import (
	"encoding/json"
	"strings"
	"testing"

	"orderhub/internal/server"
)

// TestOrderNumberExamplesSayPlaceholder: an example that names an order by
// the document's placeholder number works only once that number is
// replaced (the examples test does it with a fresh order's): each such
// example's summary says so, for whoever sends it by hand.
func TestOrderNumberExamplesSayPlaceholder(t *testing.T) {
	doc, err := server.OpenAPI(server.Protocols())
	if err != nil {
		t.Fatal(err)
	}
	var d map[string]any
	if err := json.Unmarshal(doc, &d); err != nil {
		t.Fatal(err)
	}
	found := 0
	var walk func(where string, v any, note string)
	walk = func(where string, v any, note string) {
		switch v := v.(type) {
		case map[string]any:
			if s, ok := v["summary"].(string); ok && v["value"] != nil {
				note = s
			}
			for k, c := range v {
				if k == "example" || k == "value" {
					raw, _ := json.Marshal(c)
					if strings.Contains(string(raw), `"`+exampleOrderRef+`"`) && strings.Contains(where, "requestBod") {
						found++
						if k == "example" || !strings.Contains(note, "replace it with the number of an order you placed") {
							t.Errorf("%s: example %s does not say its order number is a placeholder", where, raw)
						}
					}
					continue
				}
				walk(where+"/"+k, c, note)
			}
		case []any:
			for _, c := range v {
				walk(where, c, note)
			}
		}
	}
	walk("#", d, "")
	if found < 3 {
		t.Fatalf("%d request examples name order %s; want the Omni, Kakao and Zeek ones at least", found, exampleOrderRef)
	}
}
