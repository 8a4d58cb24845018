package api

import (
	"net/http"

	"orderhub/internal/httpx"
	"orderhub/internal/hub"
	"orderhub/internal/service"
	"orderhub/internal/store"
)

// partnerView adds the credentials issued with a creation (shown once).
type partnerView struct {
	*hub.Partner
	Credential     *service.IssuedCredential `json:"credential,omitempty"`
	CallbackSecret string                    `json:"callback_secret,omitempty"`
}

func (h *Handler) listPartners(w http.ResponseWriter, r *http.Request, p *service.HubPrincipal) error {
	brandID, err := h.actingBrand(r, p, 0)
	if err != nil {
		return err
	}
	ps, err := h.svc.Store().ListPartners(r.Context(), brandID)
	if err != nil {
		return err
	}
	return ok(w, page[hub.Partner]{Data: ps})
}

func (h *Handler) createPartner(w http.ResponseWriter, r *http.Request, p *service.HubPrincipal) error {
	var pr hub.Partner
	if err := decode(r, &pr); err != nil {
		return err
	}
	brandID, err := h.actingBrand(r, p, pr.BrandID)
	if err != nil {
		return err
	}
	pr.ID, pr.BrandID = 0, brandID
	cred, secret, err := h.svc.CreatePartner(r.Context(), &pr)
	if err != nil {
		return err
	}
	httpx.MarkSecret(w)
	return created(w, partnerView{Partner: &pr, Credential: cred, CallbackSecret: secret})
}

func (h *Handler) partner(r *http.Request, p *service.HubPrincipal) (*hub.Partner, error) {
	return owned(r, p, "partner", h.svc.Store().GetPartner, func(pr *hub.Partner) int64 { return pr.BrandID })
}

func (h *Handler) getPartner(w http.ResponseWriter, r *http.Request, p *service.HubPrincipal) error {
	pr, err := h.partner(r, p)
	if err != nil {
		return err
	}
	return ok(w, pr)
}

func (h *Handler) patchPartner(w http.ResponseWriter, r *http.Request, p *service.HubPrincipal) error {
	pr, err := h.partner(r, p)
	if err != nil {
		return err
	}
	id, brandID, proto := pr.ID, pr.BrandID, pr.Protocol
	if err := decode(r, pr); err != nil {
		return err
	}
	if pr.BrandID != brandID || pr.Protocol != proto {
		return hub.Invalid("protocol", "a partner's brand and protocol cannot change")
	}
	pr.ID = id
	if err := h.svc.UpdatePartner(r.Context(), pr); err != nil {
		return err
	}
	return ok(w, pr)
}

func (h *Handler) listCredentials(w http.ResponseWriter, r *http.Request, p *service.HubPrincipal) error {
	pr, err := h.partner(r, p)
	if err != nil {
		return err
	}
	cs, err := h.svc.Store().ListCredentials(r.Context(), pr.ID)
	if err != nil {
		return err
	}
	return ok(w, page[store.Credential]{Data: cs})
}

func (h *Handler) issueCredential(w http.ResponseWriter, r *http.Request, p *service.HubPrincipal) error {
	pr, err := h.partner(r, p)
	if err != nil {
		return err
	}
	cred, err := h.svc.IssueCredential(r.Context(), pr.ID)
	if err != nil {
		return err
	}
	httpx.MarkSecret(w)
	return created(w, cred)
}

func (h *Handler) revokeCredential(w http.ResponseWriter, r *http.Request, p *service.HubPrincipal) error {
	pr, err := h.partner(r, p)
	if err != nil {
		return err
	}
	cid, err := pathID(r, "credentialId")
	if err != nil {
		return err
	}
	if err := h.svc.RevokeCredential(r.Context(), pr.ID, cid); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) rotateCallbackSecret(w http.ResponseWriter, r *http.Request, p *service.HubPrincipal) error {
	pr, err := h.partner(r, p)
	if err != nil {
		return err
	}
	secret, prevExp, err := h.svc.RotateCallbackSecret(r.Context(), pr.ID)
	if err != nil {
		return err
	}
	httpx.MarkSecret(w)
	return ok(w, map[string]any{"callback_secret": secret, "previous_secret_expires_at": prevExp})
}
