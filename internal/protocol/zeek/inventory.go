package zeek

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"orderhub/internal/delivery"
	"orderhub/internal/hub"
	"orderhub/internal/netguard"
	"orderhub/internal/service"
)

// Inventory statuses of CheckProviderInventory's answer.
const (
	InventoryInStock    = 1
	InventoryOutOfStock = 2
)

// InventoryProvider is seed 003's CheckProviderInventory on the wire, the
// service.InventoryProvider of this protocol: the request (one product per
// order line, times in the partner's zone), signed like the callback
// (KS-Timestamp, KS-Signature over timestamp + "." + body, keyed with the
// partner's callback secret), and the answer, which must be HTTP 200 with
// {"products": [{"product_id": int, "inventory_status": 1|2}, ...]}. Which
// partners are asked, the timeout, fail-open or fail-closed, and the
// refusal of an order are service.InventoryPolicy's.
type InventoryProvider struct {
	client *http.Client
}

// NewInventoryProvider returns the provider. It asks with the query's
// client (the service's, guarded by its outbound policy); client, or when
// nil a guarded client that follows no redirects (netguard), is for a
// query without one.
func NewInventoryProvider(client *http.Client) *InventoryProvider {
	if client == nil {
		client = netguard.Policy{}.Client(nil)
	}
	return &InventoryProvider{client: client}
}

// The request's wire types, in the seed's member order.
type (
	invProduct struct {
		ProductID    int64  `json:"product_id"`
		RefProductID string `json:"ref_product_id"`
		Quantity     int    `json:"quantity"`
	}
	invRequest struct {
		Store    cbStore      `json:"store"`
		Location cbLocation   `json:"location"`
		Schedule cbSchedule   `json:"schedule"`
		Shipping cbShipping   `json:"shipping"`
		Products []invProduct `json:"products"`
	}
	invAnswer struct {
		Products *[]struct {
			ProductID       *json.Number `json:"product_id"`
			InventoryStatus *json.Number `json:"inventory_status"`
		} `json:"products"`
	}
)

// InventoryRequest renders the request for an order: one product per order
// line (a combo as itself), times in the partner's zone.
func InventoryRequest(o *hub.Order, s hub.PartnerSettings) []byte {
	req := invRequest{
		Store: cbStore{StoreID: o.BrandID}, Location: cbLocation{LocationID: o.LocationID},
		Schedule: schedule(o, PartnerZone(s)), Shipping: shipping(o), Products: []invProduct{},
	}
	for _, l := range o.Lines {
		req.Products = append(req.Products, invProduct{ProductID: l.ProductID, RefProductID: l.ProductRefID, Quantity: l.Quantity})
	}
	return bytes.TrimRight(encode(req), "\n")
}

// AskInventory sends the request and returns the ids answered out of
// stock (service.InventoryProvider).
func (c *InventoryProvider) AskInventory(ctx context.Context, q service.InventoryQuery) ([]int64, error) {
	p, o := q.Partner, q.Order
	body := InventoryRequest(o, p.Settings)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.Settings.ProviderURL, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("User-Agent", delivery.UserAgent)
	// Signed like the callback (the seed: "When Zeek requests CKVN API, a
	// HMAC-SHA256 generated signature will be included").
	if q.Secret != "" {
		key, err := delivery.SecretKey(q.Secret)
		if err != nil {
			return nil, err
		}
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		req.Header.Set("KS-Timestamp", ts)
		req.Header.Set("KS-Signature", delivery.SignKSHex(key, ts, body))
	}
	client := c.client
	if q.Client != nil {
		client = q.Client
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("provider answered HTTP %d", resp.StatusCode)
	}
	var ans invAnswer
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&ans); err != nil {
		return nil, fmt.Errorf("provider answer is not JSON: %w", err)
	}
	if ans.Products == nil {
		return nil, errors.New(`provider answer has no "products"`)
	}
	var out []int64
	for i, pr := range *ans.Products {
		if pr.InventoryStatus == nil {
			return nil, fmt.Errorf("provider answer products[%d] has no inventory_status", i)
		}
		st, err := pr.InventoryStatus.Int64()
		if err != nil || (st != InventoryInStock && st != InventoryOutOfStock) {
			return nil, fmt.Errorf("provider answer products[%d].inventory_status %s is not 1 or 2", i, pr.InventoryStatus.String())
		}
		if st == InventoryOutOfStock {
			var id int64
			if pr.ProductID != nil {
				id, _ = pr.ProductID.Int64()
			}
			out = append(out, id)
		}
	}
	return out, nil
}
