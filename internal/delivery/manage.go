package delivery

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/store"
)

// The operations behind /hub/v1/webhook-endpoints and `orderhub
// deliveries`: each is one unit of work; the rules live here, the API and
// the CLI only translate.

// EventWebhookTest is the type of the event "send test event" sends.
const EventWebhookTest hub.EventType = "webhook.test"

// MaxURLLength bounds an endpoint URL.
const MaxURLLength = 2048

// ValidateURL checks an endpoint URL: absolute http or https with a host.
func ValidateURL(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", hub.Invalid("url", "is required")
	}
	if len(raw) > MaxURLLength {
		return "", hub.Invalid("url", "must be at most %d characters", MaxURLLength)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", hub.Invalid("url", "is not a valid URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", hub.Invalid("url", "must be an http or https URL")
	}
	if u.Host == "" || u.Hostname() == "" {
		return "", hub.Invalid("url", "must name a host")
	}
	if u.Fragment != "" {
		return "", hub.Invalid("url", "must not have a #fragment")
	}
	return u.String(), nil
}

// ValidateEventTypes checks a subscription: at least one type, each one of
// DESIGN.md §5's; duplicates are dropped.
func ValidateEventTypes(types []string) ([]hub.EventType, error) {
	if len(types) == 0 {
		return nil, hub.Invalid("event_types", "must name at least one event type (one of %s)", typeList())
	}
	seen := map[hub.EventType]bool{}
	out := []hub.EventType{}
	for i, t := range types {
		et := hub.EventType(strings.TrimSpace(t))
		if !knownType(et) {
			return nil, hub.Invalid(fmt.Sprintf("event_types[%d]", i), "unknown event type %q (one of %s)", t, typeList())
		}
		if !seen[et] {
			seen[et] = true
			out = append(out, et)
		}
	}
	return out, nil
}

func knownType(t hub.EventType) bool {
	for _, k := range hub.EventTypes {
		if k == t {
			return true
		}
	}
	return false
}

func typeList() string {
	s := make([]string, len(hub.EventTypes))
	for i, t := range hub.EventTypes {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}

// CreateEndpoint validates and stores a new endpoint of a brand with a
// fresh secret, which it returns (shown once). It does not apply the
// outbound-address policy: a URL from a surface goes through
// service.CreateWebhookEndpoint, which checks it first (DESIGN.md §10).
func CreateEndpoint(ctx context.Context, st store.Store, brandID int64, rawURL string, types []string) (*store.WebhookEndpoint, string, error) {
	u, err := ValidateURL(rawURL)
	if err != nil {
		return nil, "", err
	}
	ts, err := ValidateEventTypes(types)
	if err != nil {
		return nil, "", err
	}
	ep := &store.WebhookEndpoint{BrandID: brandID, URL: u, EventTypes: ts, Secret: NewSecret()}
	err = st.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.GetBrand(ctx, brandID); err != nil {
			return err
		}
		return tx.CreateWebhookEndpoint(ctx, ep)
	})
	if err != nil {
		return nil, "", err
	}
	return ep, ep.Secret, nil
}

// EndpointPatch changes an endpoint; nil fields stay as they are.
type EndpointPatch struct {
	URL        *string
	EventTypes *[]string
	// Enabled true enables a disabled endpoint (clearing its reason and
	// failing_since); false disables it by hand.
	Enabled *bool
}

// UpdateEndpoint applies a patch and returns the endpoint as stored.
func UpdateEndpoint(ctx context.Context, st store.Store, id int64, p EndpointPatch, now time.Time) (*store.WebhookEndpoint, error) {
	var u string
	var ts []hub.EventType
	var err error
	if p.URL != nil {
		if u, err = ValidateURL(*p.URL); err != nil {
			return nil, err
		}
	}
	if p.EventTypes != nil {
		if ts, err = ValidateEventTypes(*p.EventTypes); err != nil {
			return nil, err
		}
	}
	var ep *store.WebhookEndpoint
	err = st.Update(ctx, func(tx store.Tx) error {
		var err error
		if ep, err = tx.GetWebhookEndpoint(ctx, id); err != nil {
			return err
		}
		if p.URL != nil || p.EventTypes != nil {
			if p.URL != nil {
				ep.URL = u
			}
			if p.EventTypes != nil {
				ep.EventTypes = ts
			}
			if err := tx.UpdateWebhookEndpoint(ctx, ep); err != nil {
				return err
			}
		}
		if p.Enabled != nil && *p.Enabled == ep.Disabled {
			if err := tx.SetWebhookEndpointDisabled(ctx, id, !*p.Enabled, "disabled by an operator", now); err != nil {
				return err
			}
		}
		ep, err = tx.GetWebhookEndpoint(ctx, id)
		return err
	})
	return ep, err
}

// RotateSecret gives an endpoint a new secret (returned, shown once); the
// old one keeps signing beside it for RotationGrace.
func RotateSecret(ctx context.Context, st store.Store, id int64, now time.Time) (string, error) {
	secret := NewSecret()
	err := st.Update(ctx, func(tx store.Tx) error {
		ep, err := tx.GetWebhookEndpoint(ctx, id)
		if err != nil {
			return err
		}
		exp := now.Add(RotationGrace).UTC().Truncate(time.Microsecond)
		ep.PreviousSecret, ep.PreviousSecretExpiresAt, ep.Secret = ep.Secret, &exp, secret
		return tx.UpdateWebhookEndpoint(ctx, ep)
	})
	if err != nil {
		return "", err
	}
	return secret, nil
}

// SendTest queues a "webhook.test" event for one endpoint only: the event
// is stored already dispatched, with a delivery to that endpoint.
func SendTest(ctx context.Context, st store.Store, id int64, now time.Time) (*store.Delivery, error) {
	var d *store.Delivery
	err := st.Update(ctx, func(tx store.Tx) error {
		ep, err := tx.GetWebhookEndpoint(ctx, id)
		if err != nil {
			return err
		}
		if err := refuseDisabled(ep); err != nil {
			return err
		}
		payload, err := json.Marshal(map[string]any{
			"version":    1,
			"type":       EventWebhookTest,
			"created_at": now.UTC().Format(time.RFC3339Nano),
			"data":       map[string]any{"endpoint_id": ep.ID, "message": "This is a test event from orderhub."},
		})
		if err != nil {
			return hub.Internal(err, "encode test event")
		}
		ev := &store.Event{Type: EventWebhookTest, BrandID: ep.BrandID, Payload: payload, CreatedAt: now.UTC()}
		if err := tx.AddEvent(ctx, ev); err != nil {
			return err
		}
		if err := tx.MarkEventsDispatched(ctx, []int64{ev.ID}, now); err != nil {
			return err
		}
		d = &store.Delivery{EventID: ev.ID, EventType: ev.Type, BrandID: ep.BrandID,
			Target: store.Target{Kind: store.TargetWebhook, ID: ep.ID}, URL: ep.URL, Method: "POST",
			ContentType: "application/json", Body: WebhookBody(ev), Signing: string(SignStandardWebhooks),
			Acceptance: string(Accept2xx)}
		return tx.CreateDelivery(ctx, d)
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// checkReplayable refuses replays to a webhook endpoint that is gone or
// disabled (they would die again at once).
func checkReplayable(ctx context.Context, tx store.Tx, t store.Target) error {
	if t.Kind != store.TargetWebhook {
		return nil
	}
	ep, err := tx.GetWebhookEndpoint(ctx, t.ID)
	if hub.ErrorCode(err) == hub.CodeNotFound {
		return hub.Conflict(hub.ReasonNone, "webhook endpoint %d no longer exists", t.ID)
	}
	if err != nil {
		return err
	}
	return refuseDisabled(ep)
}

// refuseDisabled refuses to send to a disabled endpoint: what it is sent
// would die at once.
func refuseDisabled(ep *store.WebhookEndpoint) error {
	if ep.Disabled {
		return hub.Conflict(hub.ReasonNone, "webhook endpoint %d is disabled (%s): enable it first", ep.ID, ep.DisabledReason)
	}
	return nil
}

// Replay makes a dead (or delivered) delivery pending again, due now, with
// a fresh retry window, and returns it.
func Replay(ctx context.Context, st store.Store, id int64, now time.Time) (*store.Delivery, error) {
	var d *store.Delivery
	err := st.Update(ctx, func(tx store.Tx) error {
		cur, err := tx.GetDelivery(ctx, id)
		if err != nil {
			return err
		}
		if err := checkReplayable(ctx, tx, cur.Target); err != nil {
			return err
		}
		if err := tx.ReplayDelivery(ctx, id, now); err != nil {
			return err
		}
		d, err = tx.GetDelivery(ctx, id)
		return err
	})
	return d, err
}

// ReplayDead replays every dead delivery of a target and reports how many.
func ReplayDead(ctx context.Context, st store.Store, t store.Target, now time.Time) (int, error) {
	n := 0
	err := st.Update(ctx, func(tx store.Tx) error {
		if err := checkReplayable(ctx, tx, t); err != nil {
			return err
		}
		var err error
		n, err = tx.ReplayDeadDeliveries(ctx, t.Kind, t.ID, now)
		return err
	})
	return n, err
}
