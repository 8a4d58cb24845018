package api

import (
	"net/http"

	"orderhub/internal/httpx"
	"orderhub/internal/hub"
	"orderhub/internal/service"
)

// Hub tokens: an operator token lists, issues and revokes every token, a
// brand token its own brand's only (another brand's ids answer 404).

func (h *Handler) listHubTokens(w http.ResponseWriter, r *http.Request, p *service.HubPrincipal) error {
	ts, err := h.svc.ListHubTokens(r.Context(), p.BrandID)
	if err != nil {
		return err
	}
	return ok(w, page[service.HubToken]{Data: ts})
}

type hubTokenRequest struct {
	Label   string `json:"label"`
	BrandID *int64 `json:"brand_id"`
}

// createHubToken issues a token, shown once. An operator must name the
// brand (brand_id 0 for another operator token), so that a forgotten
// brand_id never issues a token for every brand; a brand token may omit it.
func (h *Handler) createHubToken(w http.ResponseWriter, r *http.Request, p *service.HubPrincipal) error {
	var req hubTokenRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	brandID := p.BrandID
	switch {
	case req.BrandID == nil && p.BrandID == 0:
		return hub.Invalid("brand_id", "is required with an operator token (0 issues an operator token)")
	case req.BrandID != nil && *req.BrandID < 0:
		return hub.Invalid("brand_id", "must not be negative")
	case req.BrandID != nil && p.BrandID == 0:
		brandID = *req.BrandID
	case req.BrandID != nil && *req.BrandID != p.BrandID:
		if *req.BrandID == 0 {
			return errOperatorOnly
		}
		return hub.NotFound("brand %d not found", *req.BrandID)
	}
	t, err := h.svc.IssueHubToken(r.Context(), brandID, req.Label)
	if err != nil {
		return err
	}
	httpx.MarkSecret(w)
	return created(w, t)
}

func (h *Handler) revokeHubToken(w http.ResponseWriter, r *http.Request, p *service.HubPrincipal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.svc.RevokeHubToken(r.Context(), p.BrandID, id); err != nil {
		return err
	}
	return noContent(w)
}
