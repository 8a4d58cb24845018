package tableorder

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"orderhub/internal/hub"
	"orderhub/internal/store"
	"orderhub/internal/testutil"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// golden is the part of a stored order the examples decide: everything but
// generated values (ids, number, pickup code, timestamps).
type golden struct {
	ExternalRef   string          `json:"external_ref"`
	Channel       hub.Channel     `json:"channel"`
	Type          hub.OrderType   `json:"type"`
	Location      string          `json:"location"`
	Currency      string          `json:"currency"`
	Status        string          `json:"status"`
	PriceFlagged  bool            `json:"price_flagged"`
	Lines         []hub.OrderLine `json:"lines"`
	Fees          hub.Fees        `json:"fees"`
	StockTaken    []stockByRef    `json:"stock_taken,omitempty"`
	Attributes    map[string]any  `json:"attributes,omitempty"`
	ModifierCount int             `json:"modifier_count"`
}

type stockByRef struct {
	Ref      string `json:"ref"`
	Quantity int    `json:"quantity"`
}

func countModifiers(ms []hub.Modifier) int {
	n := 0
	for _, m := range ms {
		n += 1 + countModifiers(m.Children)
	}
	return n
}

// zeroIDs replaces hub product ids (which depend on insertion order) by
// 0 and keeps the ref ids, so that the files read as the catalog does.
func zeroIDs(ms []hub.Modifier) {
	for i := range ms {
		ms[i].ProductID = 0
		zeroIDs(ms[i].Children)
	}
}

func (f *fixture) golden(o *hub.Order) golden {
	refs := map[int64]string{}
	for r, id := range f.ids {
		refs[id] = r
	}
	g := golden{ExternalRef: o.ExternalRef, Channel: o.Channel, Type: o.Type, Currency: o.Currency, Status: o.Status.String(),
		PriceFlagged: o.PriceFlagged, Lines: o.Lines, Fees: o.Fees, Attributes: o.Attributes}
	if o.LocationID == f.loc.ID {
		g.Location = f.loc.Code
	}
	for i := range g.Lines {
		g.Lines[i].ProductID = 0
		g.ModifierCount += countModifiers(g.Lines[i].Modifiers)
		zeroIDs(g.Lines[i].Modifiers)
	}
	for _, n := range o.StockTaken {
		g.StockTaken = append(g.StockTaken, stockByRef{Ref: refs[n.ProductID], Quantity: n.Quantity})
	}
	return g
}

// TestSeedExamples posts the seed's three request examples exactly as
// printed, expects 204 with no body, and compares the stored order with a
// golden file. A retry of each is 204 again and creates nothing.
func TestSeedExamples(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st)
		tok := f.token()
		for i, ex := range []struct{ file, id, golden string }{
			{"seed_plain.json", "STORE2005010001", "plain.golden.json"},
			{"seed_combo.json", "B010-202008280996", "combo.golden.json"},
			{"seed_combo_taste.txt", "B033-202010230014", "combo_taste.golden.json"},
		} {
			body := seed(t, ex.file)
			res := f.post(tok, body)
			if res.Status != http.StatusNoContent || len(res.Body) != 0 {
				t.Fatalf("%s: %d %s", ex.file, res.Status, res.Body)
			}
			got, err := json.MarshalIndent(f.golden(f.order(ex.id)), "", "  ")
			must(t, err)
			got = append(got, '\n')
			path := filepath.Join("testdata", ex.golden)
			if *update {
				must(t, os.WriteFile(path, got, 0o644))
			}
			want, err := os.ReadFile(path)
			must(t, err)
			if !bytes.Equal(got, want) {
				t.Errorf("%s: stored order differs from %s:\n%s", ex.file, path, got)
			}
			// The same request again: 204, still one order per example.
			if res := f.post(tok, body); res.Status != http.StatusNoContent {
				t.Fatalf("%s retry: %d %s", ex.file, res.Status, res.Body)
			}
			if n := f.orderCount(); n != i+1 {
				t.Fatalf("after %s retry: %d orders, want %d", ex.file, n, i+1)
			}
		}
	})
}
