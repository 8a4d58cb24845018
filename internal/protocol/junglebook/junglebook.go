package junglebook

import (
	"bytes"
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"orderhub/internal/httpx"
	"orderhub/internal/hub"
	"orderhub/internal/protocol"
	"orderhub/internal/service"
	"orderhub/internal/store"
)

// Handler serves POST /order and POST /order/test.
type Handler struct {
	protocol.Core
	newOrdNo func() string
}

// Option configures a Handler.
type Option func(*Handler)

// WithOrdNo replaces the ordNo generator (tests reproduce the seed's
// numbers with it).
func WithOrdNo(f func() string) Option { return func(h *Handler) { h.newOrdNo = f } }

// New returns the Junglebook handler.
func New(svc *service.Service, log *slog.Logger, opts ...Option) *Handler {
	h := &Handler{Core: protocol.NewCore(svc, log, hub.ChannelJunglebook), newOrdNo: newOrdNo}
	for _, o := range opts {
		o(h)
	}
	return h
}

// Protocol describes seed 002 to the registry (internal/protocol): a
// partner shop ordering as the customer with API keys prefixed ohj_, whose
// settings (settings.go) are checked when the partner is saved.
func Protocol() protocol.Protocol {
	return protocol.Protocol{
		Protocol: service.Protocol{Channel: hub.ChannelJunglebook, Role: hub.RoleCustomer, Credential: store.CredAPIKey,
			KeyPrefix: "ohj_", Settings: checkSettings},
		PathPrefixes: []string{"/order"},
		Routes:       func(mux protocol.Mux, d protocol.Deps) { New(d.Service, d.Log).Routes(mux) },
		Demo:         demoPartner,
		OpenAPI:      openAPI,
	}
}

// DemoCredentials is the junglebook entry of demo-credentials.json
// (DESIGN.md §8).
type DemoCredentials struct {
	PartnerID string `json:"partner_id"`
	APIKey    string `json:"api_key"`
}

// demoPartner is the demo's shop: the first location, a delivery fee waived
// from 30,000, a logistics centre for "opo" orders, and a cash balance.
// goodsNo is a product's hub id (or a numeric ref id).
func demoPartner(ctx context.Context, d *protocol.Demo) (*protocol.DemoPartner, error) {
	p := &hub.Partner{Protocol: hub.ChannelJunglebook, Name: "Junglebook partner shop", LocationIDs: []int64{d.Locations[0].ID},
		Settings: hub.PartnerSettings{Extra: map[string]any{
			KeyDeliveryFee: 2500, KeyFreeDeliveryFrom: 30000,
			KeyLogisticsCenter: map[string]any{"name": d.Brand.Name + " logistics centre", "zip_code": "06236",
				"address": "Teheran-ro 152, Gangnam-gu, Seoul", "address2": "B1 loading dock"},
		}}}
	return d.Partner(ctx, p, func(c *service.IssuedCredential, _ string) (*protocol.DemoPartner, error) {
		if _, err := d.Service.TopUpBalance(ctx, p.ID, 100000, "demo starting balance"); err != nil {
			return nil, fmt.Errorf("demo junglebook balance: %w", err)
		}
		return &protocol.DemoPartner{Summary: "junglebook api key: " + c.APIKey,
			Credentials: DemoCredentials{PartnerID: strconv.FormatInt(p.ID, 10), APIKey: c.APIKey}}, nil
	})
}

//go:embed openapi.json
var openAPI []byte // this protocol's part of /openapi.json

// Routes registers the two calls. The paths are registered without a
// method so that other methods get 405 in the seed's envelope.
func (h *Handler) Routes(mux protocol.Mux) {
	for _, c := range []struct {
		path string
		test bool
	}{{"/order", false}, {"/order/test", true}} {
		inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.serve(w, r, c.test) })
		mux.Handle(c.path, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodPost {
				w.Header().Set("Allow", "POST")
				h.writeFault(w, http.StatusMethodNotAllowed, codeOther, "method", "method not allowed: use POST", "0")
				return
			}
			inner.ServeHTTP(w, r)
		}))
	}
	// Any other path below /order: 404 in the seed's envelope (errCode
	// 999, as for every failure outside its table), not Go's text.
	mux.HandleFunc("/order/", func(w http.ResponseWriter, r *http.Request) {
		h.writeFault(w, http.StatusNotFound, codeOther, "path", "not found: "+r.URL.Path, "0")
	})
}

// newOrdNo returns a random 13-digit order number ("1525145229154").
func newOrdNo() string {
	n, err := rand.Int(rand.Reader, big.NewInt(9_000_000_000_000))
	if err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return strconv.FormatInt(n.Int64()+1_000_000_000_000, 10)
}

// serve handles an authenticated-or-not POST.
func (h *Handler) serve(w http.ResponseWriter, r *http.Request, test bool) {
	ctx := r.Context()
	partner, err := h.authenticate(ctx, r)
	if err != nil {
		switch {
		case errors.Is(err, errNoKey) && hub.ErrorCode(err) == hub.CodeUnauthorized:
			h.writeFault(w, http.StatusUnauthorized, codeRequired, "Authorization", "parameter required: send your api_key in the Authorization header", "0")
		case hub.ErrorCode(err) == hub.CodeUnauthorized:
			h.writeFault(w, http.StatusUnauthorized, codeInvalid, "Authorization", "invalid api_key: unknown, revoked or not a Junglebook key", "0")
		default:
			h.writeError(w, r, err, "0")
		}
		return
	}
	// Idempotency-Key: the order is the record (httpx.Ticket). /order/test
	// stores nothing, so it has nothing to replay.
	var ticket httpx.Ticket
	if !test {
		var conflict httpx.Conflict
		if ticket, conflict = h.Replay.Ticket(r, nil, protocol.ReplayScope(partner), httpx.Key(r)); conflict != 0 {
			h.idempotencyConflict(w, r, conflict)
			return
		}
	}
	data, flt := readData(w, r)
	if flt == nil {
		h.order(w, r, partner, data, test, ticket)
		return
	}
	if flt.err != nil {
		h.writeError(w, r, flt.err, h.balanceText(ctx, partner))
		return
	}
	h.writeFault(w, http.StatusOK, flt.code, flt.param, messages[flt.code], h.balanceText(ctx, partner))
}

var errNoKey = errors.New("no api key")

// authenticate reads "Authorization: <api_key>" (or "Bearer <api_key>").
func (h *Handler) authenticate(ctx context.Context, r *http.Request) (*hub.Partner, error) {
	key, bearer := httpx.Credentials(r, "Bearer")
	if !bearer {
		key = strings.TrimSpace(r.Header.Get("Authorization"))
	}
	p, err := h.Svc.AuthenticateAPIKey(ctx, hub.ChannelJunglebook, key)
	if key == "" && err != nil {
		// The service refused it (and counted it against the address):
		// unauthorized, or rate limited, either way "no key".
		return nil, errors.Join(errNoKey, err)
	}
	return p, err
}

// tooLarge is the fault of a body over httpx.MaxBody (413, errCode 999).
func tooLarge() *fault { return &fault{err: hub.TooLarge(httpx.MaxBody)} }

// unread is the fault of a body that could not be read: over the cap, or
// not well formed (cut off, a broken multipart).
func unread(err error) *fault {
	if httpx.IsTooLarge(err) {
		return tooLarge()
	}
	return invalid("data")
}

// readData finds the data object: multipart field (or file) "data", an
// urlencoded "data", or the raw body as JSON ({"data": ...} unwrapped).
func readData(w http.ResponseWriter, r *http.Request) ([]byte, *fault) {
	mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "multipart/form-data":
		if params["boundary"] == "" {
			return nil, invalid("data")
		}
		r.Body = http.MaxBytesReader(w, r.Body, httpx.MaxBody)
		if err := r.ParseMultipartForm(httpx.MaxBody); err != nil {
			return nil, unread(err)
		}
		defer r.MultipartForm.RemoveAll()
		if vs := r.MultipartForm.Value["data"]; len(vs) > 0 {
			return []byte(vs[0]), nil
		}
		if fs := r.MultipartForm.File["data"]; len(fs) > 0 {
			f, err := fs[0].Open()
			if err != nil {
				return nil, invalid("data")
			}
			defer f.Close()
			b, err := io.ReadAll(io.LimitReader(f, httpx.MaxBody+1))
			if err == nil && len(b) > httpx.MaxBody {
				return nil, tooLarge()
			}
			if err != nil {
				return nil, invalid("data")
			}
			return b, nil
		}
		return nil, required("data")
	case "application/x-www-form-urlencoded":
		body, err := httpx.ReadBody(r)
		if err != nil {
			return nil, unread(err)
		}
		if t := bytes.TrimSpace(body); len(t) > 0 && t[0] == '{' {
			// A raw JSON body labelled as a form (curl -d '{...}'
			// without -H): no form starts with "{".
			return unwrapData(t), nil
		}
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, invalid("data")
		}
		if !form.Has("data") {
			return nil, required("data")
		}
		return []byte(form.Get("data")), nil
	}
	body, err := httpx.ReadBody(r)
	if err != nil {
		return nil, unread(err)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, required("data")
	}
	return unwrapData(body), nil
}

// unwrapData takes the inner object of {"data": {...}} or {"data": "..."}
// (a body with a data key and no order field).
func unwrapData(body []byte) []byte {
	var outer map[string]json.RawMessage
	if json.Unmarshal(body, &outer) != nil {
		return body
	}
	inner, ok := outer["data"]
	if !ok || len(outer) != 1 {
		return body
	}
	inner = bytes.TrimSpace(inner)
	if len(inner) > 0 && inner[0] == '"' {
		var s string
		if json.Unmarshal(inner, &s) == nil {
			return []byte(s)
		}
	}
	return inner
}

// order validates and places (or tests) an order.
func (h *Handler) order(w http.ResponseWriter, r *http.Request, p *hub.Partner, data []byte, test bool, ticket httpx.Ticket) {
	ctx := r.Context()
	set, err := parseSettings(p.Settings)
	if err != nil {
		h.writeError(w, r, hub.Internal(err, "junglebook settings"), h.balanceText(ctx, p))
		return
	}
	f, flt := parseData(data)
	var req *request
	if flt == nil {
		req, flt = validate(f, set.Logistics != nil)
	}
	if flt != nil {
		h.writeFault(w, http.StatusOK, flt.code, flt.param, messages[flt.code], h.balanceText(ctx, p))
		return
	}
	loc, err := h.location(ctx, p, set)
	if err != nil {
		h.writeError(w, r, err, h.balanceText(ctx, p))
		return
	}
	ordNo := h.newOrdNo()
	in, recv := h.placeInput(p, loc, set, req, ordNo, test)
	in.IdempotencyKey, in.RequestHash = ticket.Key, ticket.Hash
	if ticket.Key != "" {
		// A repeat is answered from its order before the problems are
		// listed (which would call it a duplicate).
		res, err := h.Svc.ReplayOrder(ctx, in)
		if c := httpx.ConflictOf(err); c != 0 {
			h.idempotencyConflict(w, r, c)
			return
		}
		if err != nil {
			h.writeError(w, r, err, h.balanceText(ctx, p))
			return
		}
		if res != nil {
			httpx.MarkReplayed(w, true)
			h.accepted(w, r, p, req, recv, res, test)
			return
		}
	}
	probs, err := h.Svc.OrderProblems(ctx, in)
	if err != nil {
		h.writeProblem(w, r, p, req, in, hub.AsError(err)) // a paused store is in the table (103)
		return
	}
	if e := firstProblem(probs); e != nil {
		h.writeProblem(w, r, p, req, in, e)
		return
	}
	res, err := h.Svc.PlaceOrder(ctx, in)
	if c := httpx.ConflictOf(err); c != 0 && ticket.Key != "" {
		h.idempotencyConflict(w, r, c)
		return
	}
	if err != nil {
		h.writeProblem(w, r, p, req, in, hub.AsError(err))
		return
	}
	httpx.MarkReplayed(w, res.Replayed)
	h.accepted(w, r, p, req, recv, res, test)
}

// accepted answers a placed (or tested, or replayed) order.
func (h *Handler) accepted(w http.ResponseWriter, r *http.Request, p *hub.Partner, req *request, recv receiver,
	res *service.PlaceOrderResult, test bool) {
	ctx := r.Context()
	o := res.Order
	ordNo := o.ChannelRef
	accepted := orderAccepted{
		Success: "1", OrdNo: ordNo, OaType: req.OaType, OaAPIOrdno: o.ExternalRef,
		NameReceiver: recv.Name, ZipCode: recv.ZipCode, Address: joinAddress(recv.Address, recv.Address2),
		OrderGoods: orderGoods(o.Lines), SettleKind: req.SettleKind,
		SettlePrice:     hub.FormatAmount(o.Fees.Total, o.Currency),
		TotalGoodsPrice: hub.FormatAmount(o.Fees.Subtotal, o.Currency),
		Delivery:        hub.FormatAmount(o.Fees.DeliveryFee, o.Currency),
		Memo:            req.Memo,
	}
	pay := payAttempted{PayAmount: accepted.SettlePrice}
	switch {
	case test:
		pay.PayResultMsg, pay.CashBalance = msgTest, h.balanceText(ctx, p)
	case res.Payment != nil && res.Payment.Paid:
		pay.Successs, pay.PayResultMsg, pay.CashBalance = 1, msgPaid, hub.FormatAmount(res.Payment.Balance, o.Currency)
	case res.Replayed && o.PaymentStatus == hub.PaymentPaid && o.PaymentMethod == service.PaymentMethodBalance:
		pay.Successs, pay.PayResultMsg, pay.CashBalance = 1, msgPaid, h.balanceText(ctx, p)
	case res.Replayed && o.PaymentMethod == service.PaymentMethodBalance:
		pay.PayResultMsg, pay.CashBalance = msgNotEnough, h.balanceText(ctx, p)
	case res.Payment != nil:
		pay.PayResultMsg, pay.CashBalance = msgNotEnough, hub.FormatAmount(res.Payment.Balance, o.Currency)
	default:
		pay.PayResultMsg, pay.CashBalance = msgBankTransfer, h.balanceText(ctx, p)
	}
	httpx.WriteJSON(w, http.StatusOK, envelope{OrderResult: accepted, PayResult: pay})
}

// placeInput translates a valid request into the service's terms and
// returns the receiver the order goes to.
func (h *Handler) placeInput(p *hub.Partner, loc int64, set settings, req *request, ordNo string, test bool) (service.PlaceOrderInput, receiver) {
	opo := req.OaType == "opo"
	recv := receiver{Name: req.NameReceiver, ZipCode: req.ZipCode, Address: req.Address, Address2: req.Address2, Phone: req.PhoneReceiver}
	mobile := req.MobileReceiver
	if opo && set.Logistics != nil {
		recv = *set.Logistics
		if recv.Phone == "" {
			recv.Phone = req.PhoneReceiver
		}
	}
	oaOrderNo := req.OaOrderNo
	if oaOrderNo == "" {
		oaOrderNo = ordNo
	}
	attrs := map[string]any{"oaType": req.OaType, "settleKind": req.SettleKind, "ordNo": ordNo, "oaOrderNo": oaOrderNo}
	if req.BankSender != "" {
		attrs["bankSender"] = req.BankSender
	}
	if req.OaOrderNo == "" {
		attrs["oaOrderNoGenerated"] = true
	}
	method := "bank_transfer"
	if req.SettleKind == "s" {
		method = service.PaymentMethodBalance
	}
	in := service.PlaceOrderInput{
		BrandID: p.BrandID, LocationID: loc, Partner: p, Channel: hub.ChannelJunglebook,
		ExternalRef: oaOrderNo, ChannelRef: ordNo, Type: hub.OrderDelivery,
		Customer: hub.Customer{Name: recv.Name, Phone: recv.Phone},
		Delivery: &hub.Delivery{ReceiverName: recv.Name, Phone: recv.Phone, Mobile: mobile, ZipCode: recv.ZipCode,
			Address: recv.Address, Address2: recv.Address2, Memo: req.Memo},
		Notes: req.Memo, DeliveryFee: set.DeliveryFee, FreeDeliveryFrom: set.FreeDeliveryFrom,
		PaymentMethod: method, PayFromBalance: req.SettleKind == "s",
		SkipStock: opo, SkipInventoryCheck: opo, DryRun: test,
		Attributes: attrs, Actor: service.PartnerActor(p),
	}
	for i, it := range req.Items {
		in.Lines = append(in.Lines, service.LineInput{ProductRef: it.GoodsNo, Quantity: it.Ea, Field: itemParam(i, "")})
	}
	return in, recv
}

// location picks where the partner's orders go: the configured one, the
// partner's first, or the brand's first.
func (h *Handler) location(ctx context.Context, p *hub.Partner, set settings) (int64, error) {
	if set.LocationID > 0 {
		return set.LocationID, nil
	}
	if len(p.LocationIDs) > 0 {
		return p.LocationIDs[0], nil
	}
	locs, err := h.Svc.Store().ListLocations(ctx, p.BrandID)
	if err != nil {
		return 0, err
	}
	if len(locs) == 0 {
		return 0, hub.Internal(fmt.Errorf("brand %d has no location", p.BrandID), "junglebook location")
	}
	return locs[0].ID, nil
}

// balanceText is the partner's cash balance as the seed writes it ("0"
// when it cannot be read: the answer is about something else).
func (h *Handler) balanceText(ctx context.Context, p *hub.Partner) string {
	if p == nil {
		return "0"
	}
	b, err := h.Svc.Store().GetBalance(ctx, p.ID)
	if err != nil {
		return "0"
	}
	brand, err := h.Svc.Store().GetBrand(ctx, p.BrandID)
	if err != nil {
		return strconv.FormatInt(b, 10)
	}
	return hub.FormatAmount(b, brand.Currency)
}

// joinAddress is the seed's address: both lines, one space between.
func joinAddress(a, b string) string {
	return strings.TrimSpace(strings.TrimSpace(a) + " " + strings.TrimSpace(b))
}

// orderGoods summarises the lines: "<first item> 외 N건" with N the other
// lines; the first item's name alone when there is one line.
func orderGoods(lines []hub.OrderLine) string {
	if len(lines) == 0 {
		return ""
	}
	name := lines[0].Names.Get("ko")
	if name == "" {
		name = lines[0].Name
	}
	if len(lines) == 1 {
		return name
	}
	return name + " 외 " + strconv.Itoa(len(lines)-1) + "건"
}

// ---- error answers ----

// writeFault answers a refused request in the order-error shape.
func (h *Handler) writeFault(w http.ResponseWriter, status int, code string, param any, msg, balance string) {
	httpx.WriteJSON(w, status, envelope{
		OrderResult: orderFailed{Success: 0, ErrCode: code, Parameter: param, ErrMsg: msg},
		PayResult:   payNotTried{Successs: 0, PayResultMsg: msgNotTried, CashBalance: balance, PayAmount: 0},
	})
}

// writeProblem answers a service error: in the seed's table (HTTP 200),
// as a goods error with goodsData, the duplicate answer, or an order
// error; outside it, writeError.
func (h *Handler) writeProblem(w http.ResponseWriter, r *http.Request, p *hub.Partner, req *request, in service.PlaceOrderInput, e *hub.Error) {
	ctx := r.Context()
	code, ok := codeOf(e)
	if !ok {
		h.writeError(w, r, e, h.balanceText(ctx, p))
		return
	}
	balance := h.balanceText(ctx, p)
	switch {
	case code == codeDuplicateOrder:
		o := e.Details["order"].(*hub.Order)
		dup := dupOrderData{OrdNo: o.ChannelRef, OaOrderNo: o.ExternalRef}
		if o.Delivery != nil {
			dup.NameReceiver = o.Delivery.ReceiverName
		}
		if dup.OrdNo == "" {
			dup.OrdNo = o.Number
		}
		h.writeFault(w, http.StatusOK, code, duplicateParameter{OaOrderNo: in.ExternalRef, DupOrderData: dup}, messages[code], balance)
		return
	case goodsCodes[code]:
		if gd, err := h.goodsData(ctx, in, e); err == nil && gd != nil {
			var sender *string
			if req.BankSender != "" {
				s := req.BankSender
				sender = &s
			}
			set, _ := parseSettings(p.Settings)
			httpx.WriteJSON(w, http.StatusOK, goodsEnvelope{
				PayResult: payNotTriedGoods{Successs: 0, PayResultMsg: msgNotTried, CashBalance: balance, PayAmount: 0,
					BankAccount: set.BankAccount, BankSender: sender},
				OrderResult: goodsFailed{Success: "0", GoodsData: gd, ErrCode: code, ErrMsg: messages[code]},
			})
			return
		} else if err != nil {
			h.writeError(w, r, err, balance)
			return
		}
	}
	h.writeFault(w, http.StatusOK, code, paramOf(e.Field), messages[code], balance)
}

// goodsData describes the product of a goods error (nil when the error
// names no item).
func (h *Handler) goodsData(ctx context.Context, in service.PlaceOrderInput, e *hub.Error) (*goodsData, error) {
	st := h.Svc.Store()
	var prod *hub.Product
	var err error
	if id, ok := e.Details["product_id"].(int64); ok {
		prod, err = st.GetProduct(ctx, in.BrandID, id)
	} else if i, ok := lineOf(e.Field); ok && i < len(in.Lines) {
		prod, err = st.FindProduct(ctx, in.BrandID, in.Lines[i].ProductRef)
	} else {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	brand, err := st.GetBrand(ctx, in.BrandID)
	if err != nil {
		return nil, err
	}
	stock, err := st.GetStock(ctx, in.LocationID, prod.ID)
	if err != nil {
		return nil, err
	}
	goodsNo := prod.RefID
	if !allDigits(goodsNo) {
		goodsNo = strconv.FormatInt(prod.ID, 10)
		if i, ok := lineOf(e.Field); ok && i < len(in.Lines) {
			goodsNo = in.Lines[i].ProductRef
		}
	}
	a := prod.Attributes
	gd := &goodsData{
		GoodsNo: goodsNo, GoodsNm: prod.Name.Get("ko"),
		CategoryCode: attr(a, "categoryCode"), CategoryNm: attr(a, "categoryNm"),
		Origin: attr(a, "origin"), Maker: attr(a, "maker"), Brand: attr(a, "brand"),
		GoodsPrice:           hub.FormatAmount(prod.Price, brand.Currency),
		SuggestionSalesPrice: attr(a, "suggestionSalesPrice"),
		GoodsDetail:          attr(a, "goodsDetail"), GoodsImage: attr(a, "goodsImage"),
		Runout: "0", Open: "0",
		EAD: attr(a, "EAD"), InPackageEA: attr(a, "inPackageEA"), Tags: attr(a, "tags"),
	}
	if gd.CategoryCode == "" && len(prod.CategoryIDs) > 0 {
		ids := make([]string, len(prod.CategoryIDs))
		for i, id := range prod.CategoryIDs {
			ids[i] = strconv.FormatInt(id, 10)
		}
		gd.CategoryCode = strings.Join(ids, "|")
	}
	if gd.GoodsDetail == "" {
		gd.GoodsDetail = prod.Description.Get("ko")
	}
	if stock != nil {
		gd.GoodsStock = strconv.FormatInt(*stock, 10)
	}
	if snoozed, _ := e.Details["snoozed"].(bool); snoozed || prod.SoldOut || (stock != nil && *stock == 0) {
		gd.Runout = "1"
	}
	if prod.Displayed {
		gd.Open = "1"
	}
	return gd, nil
}

// attr renders a descriptive product attribute as the seed's string.
func attr(a map[string]any, key string) string {
	switch v := a[key].(type) {
	case nil:
		return ""
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case json.Number:
		return v.String()
	case bool:
		if v {
			return "1"
		}
		return "0"
	case []any:
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = fmt.Sprint(x)
		}
		return strings.Join(parts, "|")
	default:
		return fmt.Sprint(v)
	}
}

// writeError answers errors outside the seed's table with errCode 999 and
// an HTTP status from the error's code; internal errors are logged and
// never described.
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, err error, balance string) {
	e := hub.AsError(err)
	status := httpx.StatusOf(e.Code)
	switch e.Code {
	case hub.CodeInvalid:
		status = http.StatusOK
	case hub.CodeRateLimited:
		w.Header().Set("Retry-After", strconv.Itoa(hub.RetryAfterSeconds(e)))
	}
	msg := hub.PublicMessage(err)
	if e.Code == hub.CodeInternal || e.Code == hub.CodeConflict {
		// A conflict outside the table is a clash of generated numbers.
		h.Log.ErrorContext(r.Context(), "internal error", "request_id", httpx.RequestID(r.Context()), "error", err)
		status, msg = http.StatusInternalServerError, "internal error"
	}
	if e.Code == hub.CodeUnavailable {
		msg = "service temporarily unavailable, try again later"
	}
	param := e.Field
	if e.Code == hub.CodeInvalid {
		h.writeFault(w, status, codeInvalid, paramOf(param), messages[codeInvalid], balance)
		return
	}
	h.writeFault(w, status, codeOther, param, msg, balance)
}

// idempotencyConflict renders the replay layer's conflicts in the
// envelope (HTTP 409 or 422).
func (h *Handler) idempotencyConflict(w http.ResponseWriter, r *http.Request, c httpx.Conflict) {
	h.writeFault(w, c.Status(), codeInvalid, "Idempotency-Key", c.Message(), "0")
}
