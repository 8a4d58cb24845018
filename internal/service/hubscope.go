package service

import (
	"context"

	"orderhub/internal/hub"
)

// Brand inference on /hub/v1: which brand a request acts on when it does
// not say. The rule is asked for only when the answer would be a guess:
//   - a brand token acts on its own brand; naming another is not found
//     (existence never leaks across brands);
//   - an operator token acts on the brand it names (one that does not
//     exist is not found, 404, on reads and writes alike); naming none, on the
//     install's only brand; with several brands and none named the request
//     is ambiguous: 400 naming brand_id;
//   - a route that names a thing by id takes the brand from the thing
//     (the api package's owned, and HubOrderScope for order refs).

// HubBrand is the brand a request acts on; given is the brand_id the request
// names (0 = none).
func (s *Service) HubBrand(ctx context.Context, p *HubPrincipal, given int64) (int64, error) {
	if given < 0 {
		return 0, hub.Invalid("brand_id", "must be a positive integer")
	}
	if p.BrandID != 0 {
		if given != 0 && given != p.BrandID {
			return 0, hub.NotFound("brand %d not found", given)
		}
		return p.BrandID, nil
	}
	if given != 0 {
		// A brand that does not exist is not found, on a read as on a
		// create (never an empty list that looks like "nothing yet").
		if _, err := s.store.GetBrand(ctx, given); err != nil {
			if hub.ErrorCode(err) == hub.CodeNotFound {
				return 0, hub.NotFound("brand %d not found", given)
			}
			return 0, err
		}
		return given, nil
	}
	brands, err := s.store.ListBrands(ctx)
	if err != nil {
		return 0, err
	}
	switch len(brands) {
	case 0:
		return 0, hub.Invalid("brand_id", "there is no brand yet: create one first (POST /hub/v1/brands)")
	case 1:
		return brands[0].ID, nil
	}
	return 0, hub.Invalid("brand_id", "is required with an operator token when there are several brands")
}

// HubOrderScope is the scope in which an order ref is looked up: the brand
// named or inferred (HubBrand) or, for an operator token on several brands
// that named none, the one brand that has an order ref could name. A ref
// that names orders of several brands asks for brand_id; one that names
// none is not found.
func (s *Service) HubOrderScope(ctx context.Context, p *HubPrincipal, given int64, ref string) (OrderScope, error) {
	if p.BrandID != 0 || given != 0 {
		b, err := s.HubBrand(ctx, p, given)
		return OrderScope{BrandID: b}, err
	}
	brands, err := s.store.ListBrands(ctx)
	if err != nil {
		return OrderScope{}, err
	}
	if len(brands) == 1 {
		return OrderScope{BrandID: brands[0].ID}, nil
	}
	var found []int64
	for _, b := range brands {
		os, err := s.store.FindOrdersByRef(ctx, b.ID, ref, true)
		if err != nil {
			return OrderScope{}, err
		}
		if len(os) > 0 {
			found = append(found, b.ID)
		}
	}
	switch len(found) {
	case 0:
		return OrderScope{}, hub.NotFound("order not found")
	case 1:
		return OrderScope{BrandID: found[0]}, nil
	}
	return OrderScope{}, hub.Invalid("brand_id", "order %q names orders of several brands: name the brand", ref)
}
