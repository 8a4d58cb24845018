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

func (h *Handler) createPartner(w http.ResponseWriter, r *http.Request, p *service.HubPrincipal) error {
	var pr hub.Partner
	if err := decodeNew(h, r, p, &pr, decodeOnto, &pr.ID, &pr.BrandID); err != nil {
		return err
	}
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

func (h *Handler) listCredentials(w http.ResponseWriter, r *http.Request, p *service.HubPrincipal, pr *hub.Partner) error {
	cs, err := h.svc.Store().ListCredentials(r.Context(), pr.ID)
	if err != nil {
		return err
	}
	return ok(w, page[store.Credential]{Data: cs})
}

func (h *Handler) issueCredential(w http.ResponseWriter, r *http.Request, p *service.HubPrincipal, pr *hub.Partner) error {
	cred, err := h.svc.IssueCredential(r.Context(), pr.ID)
	if err != nil {
		return err
	}
	httpx.MarkSecret(w)
	return created(w, cred)
}

func (h *Handler) revokeCredential(w http.ResponseWriter, r *http.Request, p *service.HubPrincipal, pr *hub.Partner) error {
	cid, err := pathID(r, "credentialId")
	if err != nil {
		return err
	}
	if err := h.svc.RevokeCredential(r.Context(), pr.ID, cid); err != nil {
		return err
	}
	return noContent(w)
}

func (h *Handler) rotateCallbackSecret(w http.ResponseWriter, r *http.Request, p *service.HubPrincipal, pr *hub.Partner) error {
	secret, prevExp, err := h.svc.RotateCallbackSecret(r.Context(), pr.ID)
	if err != nil {
		return err
	}
	httpx.MarkSecret(w)
	return ok(w, map[string]any{"callback_secret": secret, "previous_secret_expires_at": prevExp})
}
