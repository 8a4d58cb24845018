package api

import (
	"net/http"

	"orderhub/internal/hub"
	"orderhub/internal/service"
	"orderhub/internal/store"
)

// Partner cash balances (the Junglebook shop pays settleKind "s" orders
// from it). Amounts are integer minor units of the partner's brand
// currency.
//
//	GET  /hub/v1/partners/{id}/balance           {"partner_id", "balance", "currency"}
//	POST /hub/v1/partners/{id}/balance/top-ups   {"amount": N, "note": "..."} → 201 {"entry", "balance", "currency"}
//	GET  /hub/v1/partners/{id}/balance/entries   newest first, ?limit= and ?cursor=

type balanceView struct {
	PartnerID int64  `json:"partner_id"`
	Balance   int64  `json:"balance"`
	Currency  string `json:"currency"`
}

type topUpView struct {
	Entry    *store.BalanceEntry `json:"entry"`
	Balance  int64               `json:"balance"`
	Currency string              `json:"currency"`
}

func (h *Handler) partnerCurrency(r *http.Request, brandID int64) (string, error) {
	b, err := h.svc.Store().GetBrand(r.Context(), brandID)
	if err != nil {
		return "", err
	}
	return b.Currency, nil
}

func (h *Handler) getBalance(w http.ResponseWriter, r *http.Request, p *service.HubPrincipal, pr *hub.Partner) error {
	bal, err := h.svc.Balance(r.Context(), pr.ID)
	if err != nil {
		return err
	}
	cur, err := h.partnerCurrency(r, pr.BrandID)
	if err != nil {
		return err
	}
	return ok(w, balanceView{PartnerID: pr.ID, Balance: bal, Currency: cur})
}

func (h *Handler) topUpBalance(w http.ResponseWriter, r *http.Request, p *service.HubPrincipal, pr *hub.Partner) error {
	var body struct {
		Amount int64  `json:"amount"`
		Note   string `json:"note"`
	}
	if err := decode(r, &body); err != nil {
		return err
	}
	e, err := h.svc.TopUpBalance(r.Context(), pr.ID, body.Amount, body.Note)
	if err != nil {
		return err
	}
	cur, err := h.partnerCurrency(r, pr.BrandID)
	if err != nil {
		return err
	}
	return created(w, topUpView{Entry: e, Balance: e.BalanceAfter, Currency: cur})
}

func (h *Handler) listBalanceEntries(w http.ResponseWriter, r *http.Request, p *service.HubPrincipal, pr *hub.Partner) error {
	before, limit, err := queryPage(r)
	if err != nil {
		return err
	}
	es, err := h.svc.BalanceEntries(r.Context(), pr.ID, before, limit)
	if err != nil {
		return err
	}
	var next *string
	if len(es) == limit {
		next = cursorAt(es[len(es)-1].ID)
	}
	return ok(w, page[store.BalanceEntry]{Data: es, NextCursor: next})
}
