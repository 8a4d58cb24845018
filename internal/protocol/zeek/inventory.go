package zeek

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"orderhub/internal/delivery"
	"orderhub/internal/hub"
	"orderhub/internal/store"
)

// DefaultInventoryTimeout bounds a provider inventory check when the
// partner sets no Settings.InventoryTimeoutMS (DESIGN.md §4: 3 s).
const DefaultInventoryTimeout = 3 * time.Second

// Inventory statuses of CheckProviderInventory's answer.
const (
	InventoryInStock    = 1
	InventoryOutOfStock = 2
)

// InventoryChecker is seed 003's CheckProviderInventory as a
// service.InventoryChecker: before an order of any channel is taken at a
// location of a brand, every enabled zeek partner of that brand with a
// provider_url, whose scope includes the location, is asked whether the
// order's lines are in stock.
//
//   - inventory_status 2 on any product rejects the order: a conflict with
//     reason hub.ReasonInventoryRejected, which each channel renders in its
//     own format;
//   - no answer within the partner's InventoryTimeoutMS (default 3 s), a
//     refused connection, a status other than 200, or an answer that is
//     not {"products": [{"product_id": int, "inventory_status": 1|2}, ...]}
//     fails closed (hub.CodeUnavailable) unless the partner's
//     InventoryFailOpen is set, in which case the order goes ahead (and a
//     warning is logged).
//
// Products missing from the answer, or answered with ids the order does
// not have, count as in stock: the seed's own example answers product 33
// to a request for product 13.
type InventoryChecker struct {
	st     store.Reader
	client *http.Client
	log    *slog.Logger
}

// NewInventoryChecker returns the checker. client nil means a client that
// follows no redirects; log nil means slog.Default().
func NewInventoryChecker(st store.Reader, client *http.Client, log *slog.Logger) *InventoryChecker {
	if client == nil {
		client = &http.Client{
			Transport:     http.DefaultTransport.(*http.Transport).Clone(),
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	if log == nil {
		log = slog.Default()
	}
	return &InventoryChecker{st: st, client: client, log: log.With("protocol", "zeek", "component", "inventory")}
}

// CheckInventory implements service.InventoryChecker.
func (c *InventoryChecker) CheckInventory(ctx context.Context, o *hub.Order, partners []hub.Partner) error {
	for i := range partners {
		p := &partners[i]
		if p.Protocol != hub.ChannelZeek || p.Disabled || p.Settings.ProviderURL == "" || !p.CanAccess(o.BrandID, o.LocationID) {
			continue
		}
		if err := c.check(ctx, p, o); err != nil {
			return err
		}
	}
	return nil
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

// check asks one partner's provider.
func (c *InventoryChecker) check(ctx context.Context, p *hub.Partner, o *hub.Order) error {
	timeout := DefaultInventoryTimeout
	if p.Settings.InventoryTimeoutMS > 0 {
		timeout = time.Duration(p.Settings.InventoryTimeoutMS) * time.Millisecond
	}
	out, err := c.ask(ctx, p, o, timeout)
	if err == nil {
		if len(out) > 0 {
			return rejected(o, out[0])
		}
		return nil
	}
	if ctx.Err() != nil {
		// The caller gave up (its client went away): not the provider's
		// fault, and no order is taken.
		return &hub.Error{Code: hub.CodeUnavailable, Message: "request cancelled", Err: ctx.Err()}
	}
	if p.Settings.InventoryFailOpen {
		c.log.WarnContext(ctx, "provider inventory check failed; taking the order (fail open)",
			"partner", p.ID, "brand", o.BrandID, "location", o.LocationID, "error", err)
		return nil
	}
	c.log.WarnContext(ctx, "provider inventory check failed; refusing the order (fail closed)",
		"partner", p.ID, "brand", o.BrandID, "location", o.LocationID, "error", err)
	return &hub.Error{Code: hub.CodeUnavailable,
		Message: "the inventory provider could not confirm stock; try again later", Err: err}
}

// ask sends the request and returns the ids answered out of stock.
func (c *InventoryChecker) ask(ctx context.Context, p *hub.Partner, o *hub.Order, timeout time.Duration) ([]int64, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	body := InventoryRequest(o, p.Settings)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.Settings.ProviderURL, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("User-Agent", delivery.UserAgent)
	// Signed like the callback (the seed: "When Zeek requests CKVN API, a
	// HMAC-SHA256 generated signature will be included").
	secret, err := c.st.PartnerCallbackSecret(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	if secret != "" {
		key, err := delivery.SecretKey(secret)
		if err != nil {
			return nil, err
		}
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		req.Header.Set("KS-Timestamp", ts)
		req.Header.Set("KS-Signature", delivery.SignKSHex(key, ts, body))
	}
	resp, err := c.client.Do(req)
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

// rejected is the refusal for a product the provider has not got.
func rejected(o *hub.Order, productID int64) error {
	name := strconv.FormatInt(productID, 10)
	field := ""
	for i, l := range o.Lines {
		if l.ProductID == productID {
			name, field = l.Name, "lines["+strconv.Itoa(i)+"].product"
			break
		}
	}
	return hub.Conflict(hub.ReasonInventoryRejected, "%s is out of stock", name).
		WithField(field).WithDetail("product_id", productID)
}
