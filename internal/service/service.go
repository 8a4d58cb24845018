// Package service is the single entry point for every change orderhub
// makes: placing orders, moving them through the lifecycle, recording
// payment, catalog and stock updates, partners and their credentials.
// Protocol packages translate their wire formats into these calls and render
// the results; no rule lives in them.
//
// Each change is one store.Update: the row, its history and its outbox
// events are written together or not at all.
//
// The partner protocols are data to the service: New is given a Protocol
// for each (WithProtocols, from the registry in internal/protocol) and
// reads from it what a partner of that protocol authenticates with, how
// its keys start, whether it gets a callback secret, whether it is bound to
// one location, how its settings are checked when it is created or changed,
// and whether it has an inventory provider. The rules over those
// descriptions are here: the check of a partner before it is stored
// (CreatePartner, UpdatePartner: a 400 naming the field, never a failure at
// order time), the actor a partner is (Actor), and the provider inventory
// check before an order is taken (InventoryPolicy, over each protocol's
// InventoryProvider, which is only the wire). The service imports no
// protocol package, and nothing changes its configuration after New.
package service

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"log/slog"
	"math/big"
	"net/http"
	"sync"
	"time"

	"orderhub/internal/hub"
	"orderhub/internal/netguard"
	"orderhub/internal/store"
)

// InventoryChecker asks an outside party (a platform client's provider API)
// whether an order's lines are in stock before the order is taken. It is
// called outside any transaction, with the partners of the order's brand.
type InventoryChecker interface {
	CheckInventory(ctx context.Context, o *hub.Order, partners []hub.Partner) error
}

// Metrics hears about order changes once their unit of work has committed
// (internal/metrics implements it). Its methods must be cheap and safe for
// concurrent use; they keep the service free of any HTTP or exposition
// concern.
type Metrics interface {
	// OrderPlaced: a new order was stored at a location (not a replay,
	// not a dry run).
	OrderPlaced(channel hub.Channel, locationID int64)
	// OrderRefused: PlaceOrder answered err (not on dry runs).
	OrderRefused(err error)
	// OrderTransitioned: an order moved to a new status.
	OrderTransitioned(to hub.Status)
}

type noMetrics struct{}

func (noMetrics) OrderPlaced(hub.Channel, int64) {}
func (noMetrics) OrderRefused(error)             {}
func (noMetrics) OrderTransitioned(hub.Status)   {}

// Service holds the store, the clock and the partner protocols. Its
// configuration is set by New's options and never changes afterwards.
type Service struct {
	config    configCache
	menus     menuCache
	store     store.Store
	log       *slog.Logger
	now       func() time.Time
	inventory InventoryChecker
	metrics   Metrics
	limits    rateLimiters
	outbound  netguard.Policy
	// client is outbound's guarded client (outboundClient).
	clientOnce sync.Once
	client     *http.Client
	// protocols are the known partner protocols by channel ("hub"
	// included), channels their order (WithProtocols).
	protocols map[hub.Channel]Protocol
	channels  []hub.Channel
}

// Option configures a Service.
type Option func(*Service)

// WithClock sets the clock (tests).
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(s *Service) { s.log = l } }

// WithInventoryChecker installs the pre-order inventory check instead of
// the InventoryPolicy over the protocols' providers.
func WithInventoryChecker(c InventoryChecker) Option { return func(s *Service) { s.inventory = c } }

// WithMetrics reports committed order changes to m (nil: none).
func WithMetrics(m Metrics) Option { return func(s *Service) { s.metrics = m } }

// New returns a service over st.
func New(st store.Store, opts ...Option) *Service {
	s := &Service{store: st, log: slog.Default(), now: time.Now,
		protocols: map[hub.Channel]Protocol{hub.ChannelHub: hubProtocol}}
	for _, o := range opts {
		o(s)
	}
	if s.metrics == nil {
		s.metrics = noMetrics{}
	}
	if s.inventory == nil {
		if p := newInventoryPolicy(s); p != nil {
			s.inventory = p
		}
	}
	return s
}

// Store exposes the store for reads.
func (s *Service) Store() store.Store { return s.store }

// Now is the service clock.
func (s *Service) Now() time.Time { return s.now().UTC() }

// event builds an outbox row with the canonical, versioned JSON payload
// {"version":1,"type":...,"created_at":...,"data":{...}}.
func (s *Service) event(typ hub.EventType, brandID, locationID, orderID int64, data map[string]any) (*store.Event, error) {
	now := s.Now()
	payload, err := json.Marshal(map[string]any{
		"version":    1,
		"type":       typ,
		"created_at": now.Format(time.RFC3339Nano),
		"data":       data,
	})
	if err != nil {
		return nil, hub.Internal(err, "encode event")
	}
	return &store.Event{Type: typ, BrandID: brandID, LocationID: locationID, OrderID: orderID, Payload: payload, CreatedAt: now}, nil
}

func (s *Service) addEvent(ctx context.Context, tx store.Tx, typ hub.EventType, brandID, locationID, orderID int64, data map[string]any) error {
	e, err := s.event(typ, brandID, locationID, orderID, data)
	if err != nil {
		return err
	}
	return tx.AddEvent(ctx, e)
}

// numberAlphabet has no easily confused characters (0/O, 1/I/L).
const numberAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

// newOrderNumber returns an 8-character human order number ("FR9TL74P").
func newOrderNumber() string {
	b := make([]byte, 8)
	max := big.NewInt(int64(len(numberAlphabet)))
	for i := range b {
		n, err := rand.Int(rand.Reader, max)
		if err != nil {
			panic("crypto/rand failed: " + err.Error())
		}
		b[i] = numberAlphabet[n.Int64()]
	}
	return string(b)
}

// newPickupCode returns a 4-digit pickup number.
func newPickupCode() string {
	n, err := rand.Int(rand.Reader, big.NewInt(9000))
	if err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return itoa4(int(n.Int64()) + 1000)
}

func itoa4(n int) string {
	return string([]byte{byte('0' + n/1000%10), byte('0' + n/100%10), byte('0' + n/10%10), byte('0' + n%10)})
}
