package protocoltest

import (
	"net/http"
	"strconv"
	"strings"

	"orderhub/internal/httpx"
	"orderhub/internal/hub"
	"orderhub/internal/protocol"
	"orderhub/internal/service"
)

type orderRequest struct {
	LocationID int64 `json:"location_id"`
	Items      []struct {
		Product  string `json:"product"`
		Quantity int    `json:"quantity"`
	} `json:"items"`
}

// routes serves POST /kiosk/v1/orders and the 404s below /kiosk.
func routes(mux protocol.Mux, d protocol.Deps) {
	svc := d.Service
	fail := func(w http.ResponseWriter, err error) {
		status := map[hub.Code]int{hub.CodeInvalid: 400, hub.CodeUnauthorized: 401, hub.CodeForbidden: 403,
			hub.CodeNotFound: 404, hub.CodeConflict: 409, hub.CodeTooLarge: 413, hub.CodeRateLimited: 429}[hub.ErrorCode(err)]
		if secs := hub.RetryAfterSeconds(err); secs > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(secs))
		}
		if status == 0 {
			status = http.StatusInternalServerError
		}
		httpx.WriteJSON(w, status, map[string]string{"message": hub.PublicMessage(hub.AsError(err))})
	}
	mux.HandleFunc("POST /kiosk/v1/orders", func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		key, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		p, err := svc.AuthenticateAPIKey(ctx, Channel, strings.TrimSpace(key))
		if err != nil {
			fail(w, err)
			return
		}
		body, err := httpx.ReadBody(r)
		if err != nil {
			fail(w, err)
			return
		}
		var req orderRequest
		if err := httpx.DecodeJSON(body, &req, true); err != nil {
			fail(w, err)
			return
		}
		in := service.PlaceOrderInput{BrandID: p.BrandID, LocationID: req.LocationID, Partner: p, Channel: Channel,
			Type: hub.OrderDineIn, Actor: service.PartnerActor(p)}
		for i, it := range req.Items {
			in.Lines = append(in.Lines, service.LineInput{ProductRef: it.Product, Quantity: it.Quantity, Field: "items[" + strconv.Itoa(i) + "]"})
		}
		res, err := svc.PlaceOrder(ctx, in)
		if err != nil {
			fail(w, err)
			return
		}
		httpx.WriteJSON(w, http.StatusCreated, map[string]any{"number": res.Order.Number, "total": res.Order.Fees.Total})
	})
	mux.HandleFunc("/kiosk/", func(w http.ResponseWriter, r *http.Request) {
		fail(w, hub.NotFound("no such kiosk call"))
	})
}
