package kakao

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"time"

	"orderhub/internal/delivery"
	"orderhub/internal/hub"
	"orderhub/internal/service"
	"orderhub/internal/store"
)

// notification is the body orderhub POSTs to the bot: the order as the bot
// sees it (orderView) and what happened.
type notification struct {
	// Event is the canonical event type: order.preparing, order.ready,
	// order.completed or order.cancelled.
	Event string `json:"event"`
	// OccurredAt is when the order changed (RFC 3339, UTC).
	OccurredAt string `json:"occurredAt"`
	// Reason is why the order was cancelled (cancel notifications only).
	Reason string `json:"reason,omitempty"`
	orderView
}

// Formatter is the delivery.Formatter of the kakao protocol: when an order
// the bot placed (channel kakao, placed with this partner's key) starts
// cooking or is ready, the bot's {bot_url}/api/kakao/v1/order/cook?storeId=
// gets a notification; when it is completed, /order/complete?storeId=;
// when it is cancelled by anyone but the bot itself (the store on any
// surface, the system at the acceptance deadline, another partner),
// /order/cancel?storeId= with the reason (the seed has no POS→bot cancel:
// orderhub adds it with the same body and signing, DESIGN.md §9). It
// does not matter which surface moved the order (this package's POS calls,
// the Omni POS, the native API, the platform). Partners without a bot_url
// (a POS) and orders of other bots or channels get nothing. Requests are
// signed with the Standard Webhooks headers, keyed with the partner's
// callback secret, and any 2xx is a success.
func Formatter(ctx context.Context, r store.Reader, ev *store.Event, p *hub.Partner) (*delivery.Outbound, error) {
	var call string
	switch ev.Type {
	case hub.EventOrderPreparing, hub.EventOrderReady:
		call = "cook"
	case hub.EventOrderCompleted:
		call = "complete"
	case hub.EventOrderCancelled:
		call = "cancel"
	default:
		return nil, nil
	}
	if p == nil || p.Disabled || p.Settings.BotURL == "" || ev.OrderID == 0 {
		return nil, nil
	}
	o, err := eventOrder(ctx, r, ev)
	if err != nil || o == nil {
		return nil, err
	}
	if o.Channel != hub.ChannelKakao || o.PartnerID != p.ID {
		return nil, nil
	}
	n := notification{Event: string(ev.Type), OccurredAt: ev.CreatedAt.UTC().Format(time.RFC3339Nano),
		orderView: renderOrder(o, DefaultLang)}
	if call == "cancel" {
		if o.CancelledBy == service.PartnerActor(p) {
			return nil, nil // the bot cancelled it: it knows
		}
		n.Reason = cancelReason(o)
	}
	target, err := botURL(p.Settings.BotURL, call, o.LocationID)
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(n)
	if err != nil {
		return nil, hub.Internal(err, "encode bot notification")
	}
	return &delivery.Outbound{URL: target, Method: "POST", ContentType: "application/json", Body: body,
		Signing: delivery.SignStandardWebhooks, Acceptance: delivery.Accept2xx}, nil
}

// Formatter is the package's Formatter, for Engine.Register(hub.ChannelKakao,
// handler.Formatter).
func (h *Handler) Formatter(ctx context.Context, r store.Reader, ev *store.Event, p *hub.Partner) (*delivery.Outbound, error) {
	return Formatter(ctx, r, ev, p)
}

// eventOrder is the order as the event recorded it (the transition's
// payload {"data": {"order": ...}}), or as stored when the payload has none.
func eventOrder(ctx context.Context, r store.Reader, ev *store.Event) (*hub.Order, error) {
	var payload struct {
		Data struct {
			Order *hub.Order `json:"order"`
		} `json:"data"`
	}
	if err := json.Unmarshal(ev.Payload, &payload); err == nil && payload.Data.Order != nil && payload.Data.Order.ID == ev.OrderID {
		return payload.Data.Order, nil
	}
	o, err := r.GetOrder(ctx, ev.OrderID)
	if err != nil {
		if hub.ErrorCode(err) == hub.CodeNotFound {
			return nil, nil
		}
		return nil, err
	}
	return o, nil
}

// botURL is {base}/api/kakao/v1/order/{call}?storeId={location}; a base
// with a path keeps it (https://bot.example/hooks → /hooks/api/kakao/...).
func botURL(base, call string, locationID int64) (string, error) {
	u, err := url.Parse(strings.TrimSpace(base))
	if err != nil {
		return "", hub.Invalid("settings.bot_url", "is not a URL")
	}
	u = u.JoinPath("api/kakao/v1/order", call)
	q := u.Query()
	q.Set("storeId", strconv.FormatInt(locationID, 10))
	u.RawQuery = q.Encode()
	u.Fragment = ""
	return u.String(), nil
}
