package api

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"

	"orderhub/internal/hub"
	"orderhub/internal/service"
	"orderhub/internal/store"
)

// ---- brands ----

func (h *Handler) listBrands(w http.ResponseWriter, r *http.Request, p *service.HubPrincipal) error {
	all, err := h.svc.Store().ListBrands(r.Context())
	if err != nil {
		return err
	}
	out := []hub.Brand{}
	for _, b := range all {
		if p.CanBrand(b.ID) {
			out = append(out, b)
		}
	}
	return ok(w, page[hub.Brand]{Data: out})
}

func (h *Handler) createBrand(w http.ResponseWriter, r *http.Request, p *service.HubPrincipal) error {
	if p.BrandID != 0 {
		return errOperatorOnly
	}
	var b hub.Brand
	if err := decode(r, &b); err != nil {
		return err
	}
	b.ID = 0
	if err := h.svc.CreateBrand(r.Context(), &b); err != nil {
		return err
	}
	return created(w, b)
}

func (h *Handler) brand(r *http.Request, p *service.HubPrincipal) (*hub.Brand, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	if err := notFoundUnlessMine(p, id, "brand", id); err != nil {
		return nil, err
	}
	return h.svc.Store().GetBrand(r.Context(), id)
}

// ---- locations ----

// locationInForce shows a location as its controls stand now
// (hub.Location.InForce).
func (h *Handler) locationInForce(l *hub.Location) hub.Location { return l.InForce(h.svc.Now()) }

func (h *Handler) listLocations(w http.ResponseWriter, r *http.Request, p *service.HubPrincipal) error {
	ls, err := brandRows(h, r, p, h.svc.Store().ListLocations)
	if err != nil {
		return err
	}
	now := h.svc.Now()
	for i := range ls {
		ls[i] = ls[i].InForce(now)
	}
	return ok(w, page[hub.Location]{Data: ls})
}

func (h *Handler) createLocation(w http.ResponseWriter, r *http.Request, p *service.HubPrincipal) error {
	var l hub.Location
	if err := decodeNew(h, r, p, &l, decodeLocation, &l.ID, &l.BrandID); err != nil {
		return err
	}
	if err := h.svc.CreateLocation(r.Context(), &l); err != nil {
		return err
	}
	return created(w, l.InForce(h.svc.Now()))
}

// decodeLocation reads a location's fields from a request body onto l. A
// prep_minutes the body gives must be in range: 0 stands for the default
// in the stored location, but sent, it is a mistake (no preparation at
// all?), not a request for the default.
func decodeLocation(body []byte, l *hub.Location) error {
	if err := decodeRaw(body, l); err != nil {
		return err
	}
	var given struct {
		PrepMinutes json.RawMessage `json:"prep_minutes"`
	}
	if json.Unmarshal(body, &given) == nil && len(given.PrepMinutes) > 0 && string(given.PrepMinutes) != "null" {
		return hub.ValidatePrep(l.PrepMinutes)
	}
	return nil
}

func (h *Handler) location(r *http.Request, p *service.HubPrincipal) (*hub.Location, error) {
	return owned(r, p, "location", h.svc.Store().GetLocation, func(l *hub.Location) int64 { return l.BrandID })
}

// ---- stock ----

func (h *Handler) listStock(w http.ResponseWriter, r *http.Request, p *service.HubPrincipal, l *hub.Location) error {
	levels, err := h.svc.Store().ListStock(r.Context(), l.ID)
	if err != nil {
		return err
	}
	ids := make([]int64, 0, len(levels))
	for id := range levels {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	out := make([]service.StockLevel, 0, len(ids))
	for _, id := range ids {
		q := levels[id]
		out = append(out, service.StockLevel{LocationID: l.ID, ProductID: id, Quantity: &q})
	}
	return ok(w, page[service.StockLevel]{Data: out})
}

// stockTarget is what a stock path names: a product at a location.
type stockTarget struct {
	l         *hub.Location
	productID int64
}

func (h *Handler) stock(r *http.Request, p *service.HubPrincipal) (*stockTarget, error) {
	l, err := h.location(r, p)
	if err != nil {
		return nil, err
	}
	pid, err := pathID(r, "productId")
	if err != nil {
		return nil, err
	}
	return &stockTarget{l: l, productID: pid}, nil
}

func (h *Handler) getStock(w http.ResponseWriter, r *http.Request, p *service.HubPrincipal, t *stockTarget) error {
	lvl, err := h.svc.Stock(r.Context(), t.l.BrandID, t.l.ID, t.productID)
	if err != nil {
		return err
	}
	return ok(w, lvl)
}

// putStock sets the level, then answers it as getStock does.
func (h *Handler) putStock(w http.ResponseWriter, r *http.Request, p *service.HubPrincipal, t *stockTarget) error {
	var body struct {
		Quantity *int64 `json:"quantity"`
	}
	raw, err := readRaw(r)
	if err != nil {
		return err
	}
	if err := decodeRaw(raw, &body); err != nil {
		return err
	}
	if !hasKey(raw, "quantity") {
		return hub.Invalid("quantity", "is required (a number, or null for untracked)")
	}
	if err := h.svc.SetStock(r.Context(), t.l.BrandID, t.l.ID, t.productID, body.Quantity); err != nil {
		return err
	}
	return h.getStock(w, r, p, t)
}

// ---- products ----

func (h *Handler) listProducts(w http.ResponseWriter, r *http.Request, p *service.HubPrincipal) error {
	brandID, after, limit, err := h.brandPage(r, p)
	if err != nil {
		return err
	}
	ps, err := h.svc.Store().ListProducts(r.Context(), store.ProductFilter{BrandID: brandID, AfterID: after, Limit: limit + 1})
	if err != nil {
		return err
	}
	res := page[hub.Product]{Data: ps}
	if len(ps) > limit {
		res.Data = ps[:limit]
		res.NextCursor = cursorAt(ps[limit-1].ID)
	}
	return ok(w, res)
}

func (h *Handler) createProduct(w http.ResponseWriter, r *http.Request, p *service.HubPrincipal) error {
	var pr hub.Product
	if err := decodeNew(h, r, p, &pr, decodeOnto, &pr.ID, &pr.BrandID); err != nil {
		return err
	}
	if err := h.svc.SaveProduct(r.Context(), &pr); err != nil {
		return err
	}
	return created(w, pr)
}

func (h *Handler) product(r *http.Request, p *service.HubPrincipal) (*hub.Product, error) {
	return owned(r, p, "product", func(ctx context.Context, id int64) (*hub.Product, error) {
		brandID, err := h.svc.Store().ProductBrand(ctx, id)
		if err != nil {
			return nil, err
		}
		return h.svc.Store().GetProduct(ctx, brandID, id)
	}, func(pr *hub.Product) int64 { return pr.BrandID })
}

func (h *Handler) putProduct(w http.ResponseWriter, r *http.Request, p *service.HubPrincipal, old *hub.Product) error {
	var pr hub.Product
	if err := decode(r, &pr); err != nil {
		return err
	}
	pr.ID, pr.BrandID = old.ID, old.BrandID
	if err := h.svc.SaveProduct(r.Context(), &pr); err != nil {
		return err
	}
	return ok(w, pr)
}

// ---- timeslots ----

func (h *Handler) putTimeslot(w http.ResponseWriter, r *http.Request, p *service.HubPrincipal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var t hub.Timeslot
	if err := decodeNew(h, r, p, &t, decodeOnto, &t.ID, &t.BrandID); err != nil {
		return err
	}
	t.ID = id
	if err := h.svc.PutTimeslot(r.Context(), &t); err != nil {
		return err
	}
	return ok(w, t)
}
