package ui

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/service"
	"orderhub/internal/store"
)

// The catalog and the store controls of one location: products by
// category with price, availability and stock; stock, snoozes, the
// location's status and acceptance. Every change is a service call
// (service.SetStock, Snooze, Unsnooze, SetLocationStatus,
// ModifyLocation), so the rules and events are the API's.

type productRow struct {
	ID           int64
	Name         string
	Ref          string
	Price        string
	Availability string
	Class        string // ok, snoozed, soldout, off
	Stock        string // "" untracked
	StockValue   string
	Derived      bool
	Snoozed      bool
}

type category struct {
	Name     string
	Products []productRow
}

type catalogView struct {
	*scope
	Mode       string
	Extra      int
	StatusText string
	AcceptMode string
	Deadline   int
	Categories []category
	Back       string
	Action     string // /ui/locations/N
}

func (h *Handler) catalogPage(w http.ResponseWriter, r *http.Request, s *session) {
	sc, v, ok := scopedPage(h, w, r, s, "catalog", "Catalog", true, func(sc *scope) catalogView { return catalogView{scope: sc} })
	if !ok {
		return
	}
	ctx := r.Context()
	l, now := sc.Location, h.svc.Now()
	z := h.zone(l.Timezone)
	st := l.StatusAt(now)
	v.Mode, v.Extra = string(st.Mode), st.ExtraPrepMinutes
	v.StatusText = string(st.Mode)
	if st.Mode == hub.ModeBusy {
		v.StatusText += " (+" + strconv.Itoa(st.ExtraPrepMinutes) + " min)"
	}
	if st.Until != nil {
		v.StatusText += " until " + clock(*st.Until, now, z)
	}
	if st.Reason != "" {
		v.StatusText += ": " + st.Reason
	}
	acc := l.AcceptPolicyOf()
	v.AcceptMode, v.Deadline = string(acc.Mode), acc.DeadlineSeconds
	v.Action = "/ui/locations/" + strconv.FormatInt(l.ID, 10)
	v.Back = "/ui/catalog?location=" + strconv.FormatInt(l.ID, 10)

	products, err := h.svc.Store().ListProducts(ctx, store.ProductFilter{BrandID: sc.Brand.ID})
	if err != nil {
		h.internalError(w, r, s, err)
		return
	}
	levels, err := h.svc.Store().ListStock(ctx, l.ID)
	if err != nil {
		h.internalError(w, r, s, err)
		return
	}
	byCat := map[string][]productRow{}
	for i := range products {
		p := &products[i]
		row := productRow{ID: p.ID, Name: p.Name.Get("en"), Ref: p.RefID, Price: money(p.Price, sc.Brand.Currency), Class: "ok", Availability: "Available"}
		if p.Type == hub.ProductCombo {
			lv, err := h.svc.Stock(ctx, sc.Brand.ID, l.ID, p.ID)
			if err != nil {
				h.internalError(w, r, s, err)
				return
			}
			row.Derived = true
			if lv.Quantity != nil {
				row.Stock = strconv.FormatInt(*lv.Quantity, 10)
			}
		} else if q, tracked := levels[p.ID]; tracked {
			row.Stock, row.StockValue = strconv.FormatInt(q, 10), strconv.FormatInt(q, 10)
		}
		switch sn, on := l.SnoozeAt(p.ID, now); {
		case on:
			row.Class, row.Snoozed = "snoozed", true
			row.Availability = "Snoozed"
			if sn.Until != nil {
				row.Availability += " until " + clock(*sn.Until, now, z)
			}
		case row.Stock == "0":
			row.Class, row.Availability = "soldout", "Sold out"
		case !p.Launch.Launched || !p.Displayed:
			row.Class, row.Availability = "off", "Not on sale"
		}
		cat := "Menu"
		if len(p.CategoryIDs) > 0 {
			cat = "Category " + strconv.FormatInt(p.CategoryIDs[0], 10)
		}
		if p.Type == hub.ProductCombo {
			cat = "Sets"
		}
		byCat[cat] = append(byCat[cat], row)
	}
	for name, rows := range byCat {
		v.Categories = append(v.Categories, category{Name: name, Products: rows})
	}
	sort.Slice(v.Categories, func(i, j int) bool { return v.Categories[i].Name < v.Categories[j].Name })
	h.render(w, r, s, http.StatusOK, "catalog", "Catalog · "+l.Name, v)
}

// postLocation is the location of a POST's {id}, in any brand (an admin
// sees every brand).
func (h *Handler) postLocation(w http.ResponseWriter, r *http.Request, s *session) (*hub.Location, string, bool) {
	l, ok := pathRow(h, w, r, s, "location", h.svc.Store().GetLocation)
	if !ok {
		return nil, "", false
	}
	return l, safeBack(r.PostForm.Get("back"), "/ui/catalog?location="+strconv.FormatInt(l.ID, 10)), true
}

// finish sends the user back with the outcome: done, or the refusal in
// the domain's words (with its field); an internal error is logged and
// shown without detail.
func (h *Handler) finish(w http.ResponseWriter, r *http.Request, back string, err error, done string) {
	switch {
	case err == nil:
		h.addFlash(w, r, flash{Text: done})
	case hub.ErrorCode(err) == hub.CodeInternal:
		h.log.ErrorContext(r.Context(), "dashboard change", "path", r.URL.Path, "error", err)
		h.addFlash(w, r, flash{Error: true, Text: "Nothing was changed: something went wrong. Try again in a moment."})
	default:
		h.addFlash(w, r, flash{Error: true, Text: "Not changed: " + describe(err)})
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// renameField makes a refusal of the domain's field from name the form's
// field to (the form asks for it under its own name); other errors pass.
func renameField(err error, from, to string) error {
	if err == nil || hub.ErrorCode(err) == hub.CodeInternal {
		return err
	}
	e := *hub.AsError(err)
	if e.Field != from {
		return err
	}
	e.Field = to
	return &e
}

// describe is a refusal with the field it names.
func describe(err error) string {
	e := hub.AsError(err)
	if e.Field != "" {
		return e.Field + ": " + hub.PublicMessage(e)
	}
	return hub.PublicMessage(e)
}

// formInt reads an optional integer field ("" is 0).
func formInt(r *http.Request, name string) (int, error) {
	v := strings.TrimSpace(r.PostForm.Get(name))
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, hub.Invalid(name, "must be a whole number")
	}
	return n, nil
}

func (h *Handler) actor(s *session) string { return "ui:" + s.user }

// setStatus is POST /ui/locations/{id}/status: online, busy with extra
// minutes, or paused, for a number of minutes or until changed.
func (h *Handler) setStatus(w http.ResponseWriter, r *http.Request, s *session) {
	l, back, ok := h.postLocation(w, r, s)
	if !ok {
		return
	}
	err := func() error {
		extra, err := formInt(r, "extra_minutes")
		if err != nil {
			return err
		}
		mins, err := formInt(r, "for_minutes")
		if err != nil {
			return err
		}
		st := hub.LocationStatus{Mode: hub.LocationMode(r.PostForm.Get("mode")), Reason: strings.TrimSpace(r.PostForm.Get("reason"))}
		if st.Mode == hub.ModeBusy {
			st.ExtraPrepMinutes = extra
		}
		if mins != 0 && st.Mode != hub.ModeOnline {
			if mins < 0 || mins > 7*24*60 {
				return hub.Invalid("for_minutes", "must be between 1 and %d", 7*24*60)
			}
			until := h.svc.Now().Add(time.Duration(mins) * time.Minute)
			st.Until = &until
		}
		_, err = h.svc.SetLocationStatus(r.Context(), service.StatusInput{BrandID: l.BrandID, LocationID: l.ID, Status: st, Actor: h.actor(s)})
		return renameField(err, "extra_prep_minutes", "extra_minutes")
	}()
	h.finish(w, r, back, err, l.Name+" is now "+r.PostForm.Get("mode")+".")
}

// setAccept is POST /ui/locations/{id}/accept: manual or auto, and the
// manual deadline.
func (h *Handler) setAccept(w http.ResponseWriter, r *http.Request, s *session) {
	l, back, ok := h.postLocation(w, r, s)
	if !ok {
		return
	}
	deadline, err := formInt(r, "deadline_seconds")
	if err == nil {
		p := hub.AcceptPolicy{Mode: hub.AcceptMode(r.PostForm.Get("mode")), DeadlineSeconds: deadline}
		if err = hub.ValidateAccept(&p); err == nil {
			_, err = h.svc.ModifyLocation(r.Context(), l.ID, func(l *hub.Location) error { l.Accept = p; return nil })
		}
	}
	done := l.Name + ": the counter accepts new orders."
	if r.PostForm.Get("mode") == string(hub.AcceptAuto) {
		done = l.Name + ": new orders are accepted automatically."
	}
	h.finish(w, r, back, err, done)
}

// postProduct is the {product} of a POST, a hub id of the location's brand.
func (h *Handler) postProduct(r *http.Request, l *hub.Location) (*hub.Product, error) {
	id, err := strconv.ParseInt(r.PathValue("product"), 10, 64)
	if err != nil || id <= 0 {
		return nil, hub.NotFound("there is no such product")
	}
	return h.svc.Store().GetProduct(r.Context(), l.BrandID, id)
}

// changeProduct answers a POST on a product of the {id} location: change
// makes the change and says what it did; a product the location's brand
// does not have is a refusal, as change's are.
func (h *Handler) changeProduct(w http.ResponseWriter, r *http.Request, s *session,
	change func(l *hub.Location, p *hub.Product) (done string, err error)) {
	l, back, ok := h.postLocation(w, r, s)
	if !ok {
		return
	}
	p, err := h.postProduct(r, l)
	done := ""
	if err == nil {
		done, err = change(l, p)
	}
	h.finish(w, r, back, err, done)
}

// setStock is POST .../stock: a quantity, or blank for untracked.
func (h *Handler) setStock(w http.ResponseWriter, r *http.Request, s *session) {
	h.changeProduct(w, r, s, func(l *hub.Location, p *hub.Product) (string, error) {
		var qty *int64
		if v := strings.TrimSpace(r.PostForm.Get("quantity")); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return "", hub.Invalid("quantity", "must be a whole number, or blank for untracked")
			}
			qty = &n
		}
		return "Stock of " + p.Name.Get("en") + " set.", h.svc.SetStock(r.Context(), l.BrandID, l.ID, p.ID, qty)
	})
}

// snooze is POST .../snooze: for=close (the end of the day in the
// location's zone), 60 (minutes), custom (with minutes=N) or off (until
// unsnoozed).
func (h *Handler) snooze(w http.ResponseWriter, r *http.Request, s *session) {
	h.changeProduct(w, r, s, func(l *hub.Location, p *hub.Product) (string, error) {
		var until *time.Time
		now := h.svc.Now()
		switch f := r.PostForm.Get("for"); f {
		case "close":
			t := endOfDay(now, h.zone(l.Timezone))
			until = &t
		case "60":
			t := now.Add(time.Hour)
			until = &t
		case "custom":
			mins, err := formInt(r, "minutes")
			if err == nil && (mins < 1 || mins > 7*24*60) {
				err = hub.Invalid("minutes", "must be between 1 and %d", 7*24*60)
			}
			if err != nil {
				return "", err
			}
			t := now.Add(time.Duration(mins) * time.Minute)
			until = &t
		case "off":
		default:
			return "", hub.Invalid("for", "pick how long")
		}
		_, err := h.svc.Snooze(r.Context(), service.SnoozeInput{BrandID: l.BrandID, LocationID: l.ID,
			Products: []string{strconv.FormatInt(p.ID, 10)}, Until: until, Reason: strings.TrimSpace(r.PostForm.Get("reason")), Actor: h.actor(s)})
		done := p.Name.Get("en") + " is off the menu"
		if until != nil {
			done += " until " + clock(*until, now, h.zone(l.Timezone))
		}
		return done + ".", err
	})
}

// unsnooze is POST .../unsnooze.
func (h *Handler) unsnooze(w http.ResponseWriter, r *http.Request, s *session) {
	h.changeProduct(w, r, s, func(l *hub.Location, p *hub.Product) (string, error) {
		_, err := h.svc.Unsnooze(r.Context(), service.SnoozeInput{BrandID: l.BrandID, LocationID: l.ID,
			Products: []string{strconv.FormatInt(p.ID, 10)}, Actor: h.actor(s)})
		return p.Name.Get("en") + " is back on the menu.", err
	})
}
