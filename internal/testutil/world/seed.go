package world

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
)

// PlaceHubOrder places an order at brand A's first location through
// /hub/v1 and returns its number (the fuzz targets of the store-side
// calls need an order to name).
func (w *World) PlaceHubOrder(tb testing.TB, externalRef, product string) string {
	tb.Helper()
	body := fmt.Sprintf(`{"brand_id": %d, "location_id": %d, "external_ref": %q, "lines": [{"product": %q, "quantity": 1}]}`,
		w.A.BrandID, w.ALocations[0], externalRef, product)
	rr := w.Do(Request("POST", "/hub/v1/orders", body, "Authorization", "Bearer "+w.A.Hub.Token, "Content-Type", "application/json"))
	var out struct {
		Number string `json:"number"`
	}
	if err := json.Unmarshal(rr.Body.Bytes(), &out); rr.Code != http.StatusCreated || err != nil {
		tb.Fatalf("hub order: %d %s", rr.Code, rr.Body.Bytes())
	}
	return out.Number
}

var seq atomic.Int64

// Unique is a fresh id for headers that must not repeat between fuzz
// iterations (KS-Client-Request-Id: a repeat would be replayed).
func Unique(prefix string) string { return prefix + strconv.FormatInt(seq.Add(1), 10) }
