package ui

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"orderhub/internal/httpx"
	"orderhub/internal/hub"
	"orderhub/internal/service"
	"orderhub/internal/store"
)

// Partners of a brand: their credentials (hints only), settings, cash
// balance. Secrets are shown once, in the answer to the POST that made
// them (never stored in a cookie or a redirect).

type credentialRow struct {
	ID      int64
	Kind    string
	Hint    string
	Created string
	Revoked bool
}

type partnerRow struct {
	ID          int64
	Name        string
	Protocol    string
	Locations   string
	Disabled    bool
	CallbackURL string
	ProviderURL string
	BotURL      string
	Extra       string
	Credentials []credentialRow
	Balance     string
	HasCallback bool
}

type partnersView struct {
	*scope
	Protocols []string
	Partners  []partnerRow
	Back      string
}

func (h *Handler) partnersPage(w http.ResponseWriter, r *http.Request, s *session) {
	sc, v, ok := scopedPage(h, w, r, s, "partners", "Partners", false, func(sc *scope) partnersView {
		v := partnersView{scope: sc}
		for _, c := range h.svc.Channels() {
			v.Protocols = append(v.Protocols, string(c))
		}
		return v
	})
	if !ok {
		return
	}
	ctx := r.Context()
	v.Back = "/ui/partners?brand=" + strconv.FormatInt(sc.Brand.ID, 10)
	ps, err := h.svc.Store().ListPartners(ctx, sc.Brand.ID)
	if err != nil {
		h.internalError(w, r, s, err)
		return
	}
	now := h.svc.Now()
	for _, p := range ps {
		row := partnerRow{ID: p.ID, Name: p.Name, Protocol: string(p.Protocol), Disabled: p.Disabled, Locations: "all",
			CallbackURL: p.Settings.CallbackURL, ProviderURL: p.Settings.ProviderURL, BotURL: p.Settings.BotURL}
		if len(p.Settings.Extra) > 0 {
			b, _ := json.Marshal(p.Settings.Extra)
			row.Extra = string(b)
		}
		var names []string
		for _, id := range p.LocationIDs {
			if l := sc.byID[id]; l != nil {
				names = append(names, l.Name)
			}
		}
		if len(names) > 0 {
			row.Locations = strings.Join(names, ", ")
		}
		cs, err := h.svc.Store().ListCredentials(ctx, p.ID)
		if err != nil {
			h.internalError(w, r, s, err)
			return
		}
		for _, c := range cs {
			row.Credentials = append(row.Credentials, credentialRow{ID: c.ID, Kind: string(c.Kind), Hint: c.Hint,
				Created: clock(c.CreatedAt, now, h.brandZone(sc)), Revoked: !c.Live(now)})
		}
		bal, err := h.svc.Balance(ctx, p.ID)
		if err != nil {
			h.internalError(w, r, s, err)
			return
		}
		row.Balance = money(bal, sc.Brand.Currency)
		secret, err := h.svc.Store().PartnerCallbackSecret(ctx, p.ID)
		if err != nil {
			h.internalError(w, r, s, err)
			return
		}
		row.HasCallback = secret != ""
		v.Partners = append(v.Partners, row)
	}
	h.render(w, r, s, http.StatusOK, "partners", "Partners · "+sc.Brand.Name, v)
}

// brandZone is the zone of the brand's first location (UTC without one):
// times that belong to no location are shown in it.
func (h *Handler) brandZone(sc *scope) *time.Location {
	if len(sc.Locations) > 0 {
		return h.zone(sc.Locations[0].Timezone)
	}
	return time.UTC
}

// secretView is a page that shows secrets once.
type secretView struct {
	Title   string
	Partner string
	Items   []secretItem
	Note    string
	Back    string
}

type secretItem struct{ Label, Value string }

func (h *Handler) showSecrets(w http.ResponseWriter, r *http.Request, s *session, v secretView) {
	httpx.MarkSecret(w)
	h.render(w, r, s, http.StatusOK, "secret", v.Title, v)
}

func issuedItems(c *service.IssuedCredential) []secretItem {
	items := []secretItem{{"Credential", strconv.FormatInt(c.ID, 10)}}
	if c.APIKey != "" {
		items = append(items, secretItem{"API key", c.APIKey})
	}
	if c.ClientID != "" {
		items = append(items, secretItem{"Client id", c.ClientID}, secretItem{"Client secret", c.ClientSecret})
	}
	return items
}

// readSettings reads the settings fields of a form into p.
func readSettings(r *http.Request, p *hub.PartnerSettings) error {
	p.CallbackURL = strings.TrimSpace(r.PostForm.Get("callback_url"))
	p.ProviderURL = strings.TrimSpace(r.PostForm.Get("provider_url"))
	p.BotURL = strings.TrimSpace(r.PostForm.Get("bot_url"))
	p.Extra = nil
	if x := strings.TrimSpace(r.PostForm.Get("extra")); x != "" {
		if err := json.Unmarshal([]byte(x), &p.Extra); err != nil {
			return hub.Invalid("extra", "must be a JSON object")
		}
	}
	return nil
}

// createPartner is POST /ui/partners.
func (h *Handler) createPartner(w http.ResponseWriter, r *http.Request, s *session) {
	brandID, err := strconv.ParseInt(r.PostForm.Get("brand"), 10, 64)
	back := safeBack(r.PostForm.Get("back"), "/ui/partners")
	if err != nil || brandID <= 0 {
		h.finish(w, r, back, hub.Invalid("brand", "pick a brand"), "")
		return
	}
	p := &hub.Partner{BrandID: brandID, Protocol: hub.Channel(r.PostForm.Get("protocol")), Name: r.PostForm.Get("name")}
	if strings.TrimSpace(p.Name) == "" {
		p.Name = string(p.Protocol)
	}
	for _, v := range r.PostForm["location"] {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			h.finish(w, r, back, hub.Invalid("location_ids", "unknown location"), "")
			return
		}
		p.LocationIDs = append(p.LocationIDs, id)
	}
	if err := readSettings(r, &p.Settings); err != nil {
		h.finish(w, r, back, err, "")
		return
	}
	cred, callback, err := h.svc.CreatePartner(r.Context(), p)
	if err != nil {
		h.finish(w, r, back, err, "")
		return
	}
	v := secretView{Title: "Partner created", Partner: p.Name + " (" + string(p.Protocol) + ")", Items: issuedItems(cred), Back: back,
		Note: "Copy these now: only their hashes are kept, and this page is the only time they are shown."}
	if callback != "" {
		v.Items = append(v.Items, secretItem{"Callback secret", callback})
	}
	h.showSecrets(w, r, s, v)
}

// postPartner is the partner of a POST's {id}.
func (h *Handler) postPartner(w http.ResponseWriter, r *http.Request, s *session) (*hub.Partner, string, bool) {
	return postRow(h, w, r, s, "partner", h.svc.Store().GetPartner, func(p *hub.Partner) int64 { return p.BrandID }, "/ui/partners")
}

// partnerSettings is POST /ui/partners/{id}/settings: the URLs and the
// protocol's extra settings, checked by the protocol (service.UpdatePartner).
func (h *Handler) partnerSettings(w http.ResponseWriter, r *http.Request, s *session) {
	p, back, ok := h.postPartner(w, r, s)
	if !ok {
		return
	}
	err := readSettings(r, &p.Settings)
	if err == nil {
		p.Disabled = r.PostForm.Get("disabled") == "on"
		err = h.svc.UpdatePartner(r.Context(), p)
	}
	h.finish(w, r, back, err, "Settings of "+p.Name+" saved.")
}

// rotateCredential is POST /ui/partners/{id}/rotate: a new credential
// (the old ones keep working until revoked).
func (h *Handler) rotateCredential(w http.ResponseWriter, r *http.Request, s *session) {
	p, back, ok := h.postPartner(w, r, s)
	if !ok {
		return
	}
	cred, err := h.svc.IssueCredential(r.Context(), p.ID)
	if err != nil {
		h.finish(w, r, back, err, "")
		return
	}
	h.showSecrets(w, r, s, secretView{Title: "New credential", Partner: p.Name + " (" + string(p.Protocol) + ")", Items: issuedItems(cred), Back: back,
		Note: "Shown once. The partner's other credentials keep working: revoke them once the partner uses this one."})
}

// rotateCallbackSecret is POST /ui/partners/{id}/rotate-callback-secret.
func (h *Handler) rotateCallbackSecret(w http.ResponseWriter, r *http.Request, s *session) {
	p, back, ok := h.postPartner(w, r, s)
	if !ok {
		return
	}
	secret, until, err := h.svc.RotateCallbackSecret(r.Context(), p.ID)
	if err != nil {
		h.finish(w, r, back, err, "")
		return
	}
	note := "Shown once."
	if until != nil {
		note += " The previous secret signs too until " + until.Format("2 Jan 15:04 MST") + "."
	}
	h.showSecrets(w, r, s, secretView{Title: "New callback secret", Partner: p.Name + " (" + string(p.Protocol) + ")",
		Items: []secretItem{{"Callback secret", secret}}, Back: back, Note: note})
}

// revokeCredential is POST /ui/partners/{id}/credentials/{credential}/revoke.
func (h *Handler) revokeCredential(w http.ResponseWriter, r *http.Request, s *session) {
	p, back, ok := h.postPartner(w, r, s)
	if !ok {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("credential"), 10, 64)
	if err != nil || id <= 0 {
		err = hub.NotFound("there is no such credential")
	} else {
		err = h.svc.RevokeCredential(r.Context(), p.ID, id)
	}
	h.finish(w, r, back, err, "Credential "+r.PathValue("credential")+" of "+p.Name+" revoked.")
}

// topUp is POST /ui/partners/{id}/balance: amount in the brand currency's
// major units as typed ("50,000" or "12.50").
func (h *Handler) topUp(w http.ResponseWriter, r *http.Request, s *session) {
	p, back, ok := h.postPartner(w, r, s)
	if !ok {
		return
	}
	b, err := h.svc.Store().GetBrand(r.Context(), p.BrandID)
	if err != nil {
		h.finish(w, r, back, err, "")
		return
	}
	raw := strings.NewReplacer(",", "", " ", "").Replace(r.PostForm.Get("amount"))
	amount, err := hub.ParseAmount(raw, b.Currency)
	if err != nil {
		err = hub.Invalid("amount", "must be an amount in %s, such as %s", b.Currency, hub.FormatAmount(5000*pow10(hub.CurrencyExponent(b.Currency)), b.Currency))
	}
	var e *store.BalanceEntry
	if err == nil {
		e, err = h.svc.TopUpBalance(r.Context(), p.ID, amount, r.PostForm.Get("note"))
	}
	done := ""
	if e != nil {
		done = p.Name + ": " + money(amount, b.Currency) + " added; the balance is " + money(e.BalanceAfter, b.Currency) + "."
	}
	h.finish(w, r, back, err, done)
}

func pow10(n int) int64 {
	v := int64(1)
	for range n {
		v *= 10
	}
	return v
}
