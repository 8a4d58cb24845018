package store

import (
	"context"
	"time"

	"orderhub/internal/hub"
)

// This file is the storage of the delivery engine (internal/delivery):
// generic webhook endpoints, deliveries (one request to one target for one
// outbox event) and their attempts. DeliveryReader is embedded in Reader,
// DeliveryWriter in Tx.

// DeliveryReader reads webhook endpoints, deliveries and attempts.
type DeliveryReader interface {
	GetWebhookEndpoint(ctx context.Context, id int64) (*WebhookEndpoint, error)
	// ListWebhookEndpoints lists a brand's endpoints by id (brandID 0: all
	// brands).
	ListWebhookEndpoints(ctx context.Context, brandID int64) ([]WebhookEndpoint, error)

	GetDelivery(ctx context.Context, id int64) (*Delivery, error)
	// ListDeliveries lists deliveries newest first.
	ListDeliveries(ctx context.Context, f DeliveryFilter) ([]Delivery, error)
	// ListDeliveryAttempts returns the attempts of the given deliveries,
	// oldest first.
	ListDeliveryAttempts(ctx context.Context, deliveryIDs []int64) ([]DeliveryAttempt, error)
	// PendingTargets lists every target that has ready pending
	// deliveries, with the earliest next attempt among them. Its cost
	// grows with the number of targets, not with the backlog.
	PendingTargets(ctx context.Context) ([]TargetDue, error)
	// DeliveryBacklog counts the pending and the dead deliveries and finds
	// the oldest event not yet fanned out, for the gauges of /metrics. It
	// reads partial indexes only: its cost grows with the backlog and the
	// dead deliveries kept (--retain-dead), not with the history.
	DeliveryBacklog(ctx context.Context) (Backlog, error)
}

// Backlog is the delivery work outstanding on the whole database (every
// node's).
type Backlog struct {
	Pending int64
	Dead    int64
	// OldestUndispatched is when the oldest event that has not been fanned
	// out into deliveries was written (nil: the outbox is empty).
	OldestUndispatched *time.Time
}

// TargetDue is a target with ready pending deliveries, the first of them
// due at NextAttemptAt.
type TargetDue struct {
	Target        Target
	NextAttemptAt time.Time
}

// DeliveryWriter changes them. Claims lock rows with FOR UPDATE SKIP LOCKED
// where the database has it (PostgreSQL), so several nodes never take the
// same row; SQLite's single writer serialises the same queries.
type DeliveryWriter interface {
	CreateWebhookEndpoint(ctx context.Context, e *WebhookEndpoint) error
	// UpdateWebhookEndpoint writes the URL, event types and secrets.
	UpdateWebhookEndpoint(ctx context.Context, e *WebhookEndpoint) error
	// SetWebhookEndpointDisabled disables an endpoint with a reason (and
	// turns its pending deliveries dead, so that they can be replayed once
	// it is enabled again), or enables it, clearing reason and failing_since.
	SetWebhookEndpointDisabled(ctx context.Context, id int64, disabled bool, reason string, at time.Time) error
	// RecordWebhookEndpointResult notes a success (last_success_at, to
	// the minute, and clears failing_since; it returns nil) or a failure
	// (sets failing_since if unset; it returns the endpoint as it now is).
	RecordWebhookEndpointResult(ctx context.Context, id int64, success bool, at time.Time) (*WebhookEndpoint, error)
	// DeleteWebhookEndpoint removes an endpoint; its pending deliveries die.
	DeleteWebhookEndpoint(ctx context.Context, id int64, at time.Time) error

	// ClaimUndispatchedEvents locks up to limit events not yet fanned out,
	// oldest first, skipping any event of an order that has an earlier
	// event still undispatched (so an order's events fan out in order even
	// when two nodes dispatch at once). The locks hold until the unit ends.
	ClaimUndispatchedEvents(ctx context.Context, limit int) ([]Event, error)
	// LockDispatch makes this unit the only dispatcher until it ends, so
	// that dispatch sequence numbers commit in order. It reports false when
	// another node's dispatcher holds it (then this one has nothing to do).
	LockDispatch(ctx context.Context) (bool, error)
	// MarkEventsDispatched sets dispatched_at of the events and gives them
	// the next dispatch sequence numbers, in the order of ids.
	MarkEventsDispatched(ctx context.Context, ids []int64, at time.Time) error

	// CreateDelivery stores a new pending delivery due at d.NextAttemptAt
	// (now when zero) and sets its ID.
	CreateDelivery(ctx context.Context, d *Delivery) error
	// CreateDelivery, above, stores a delivery of an order blocked when an
	// earlier delivery of the same order to the same target is still
	// pending: it becomes ready when that one is delivered or dead.
	//
	// ClaimDeliveries leases up to c.Limit due deliveries of c.Target to
	// c.Owner until c.Until, oldest due first. A delivery is due when it is
	// pending and ready, its next_attempt_at has come, and it has no live
	// lease.
	ClaimDeliveries(ctx context.Context, c DeliveryClaim) ([]Delivery, error)
	// UnblockDeliveries readies the first pending delivery of each order
	// whose pending deliveries to the target are all blocked (every
	// target when t.Kind is empty) and reports how many.
	UnblockDeliveries(ctx context.Context, t Target) (int, error)
	// ReleaseDeliveries drops owner's leases on the deliveries without
	// counting an attempt.
	ReleaseDeliveries(ctx context.Context, owner string, ids []int64) error
	// CompleteAttempt records an attempt (a may be nil when nothing was
	// sent) and, if owner still holds the lease of a pending d, writes d's
	// outcome (status, attempts, next_attempt_at, last error and status,
	// delivered_at) and drops the lease. It reports whether d was written.
	CompleteAttempt(ctx context.Context, owner string, d *Delivery, a *DeliveryAttempt) (bool, error)
	// ReplayDelivery makes a delivered or dead delivery pending again, due
	// at at, with a fresh retry window. A pending one is a conflict.
	ReplayDelivery(ctx context.Context, id int64, at time.Time) error
	// ReplayDeadDeliveries does the same for every dead delivery of a
	// target and reports how many.
	ReplayDeadDeliveries(ctx context.Context, kind TargetKind, targetID int64, at time.Time) (int, error)
}

// WebhookEndpoint is a generic webhook subscription of a brand.
type WebhookEndpoint struct {
	ID         int64           `json:"id"`
	BrandID    int64           `json:"brand_id"`
	URL        string          `json:"url"`
	EventTypes []hub.EventType `json:"event_types"`
	// Secret is the current signing secret (whsec_...), never shown again
	// after creation or rotation.
	Secret string `json:"-"`
	// PreviousSecret still signs until PreviousSecretExpiresAt (rotation).
	PreviousSecret          string     `json:"-"`
	PreviousSecretExpiresAt *time.Time `json:"previous_secret_expires_at,omitempty"`
	Disabled                bool       `json:"disabled"`
	DisabledReason          string     `json:"disabled_reason,omitempty"`
	DisabledAt              *time.Time `json:"disabled_at,omitempty"`
	// FailingSince is the first failed attempt since the last success.
	FailingSince  *time.Time `json:"failing_since"`
	LastSuccessAt *time.Time `json:"last_success_at"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
}

// Wants reports whether the endpoint subscribes to an event type.
func (e *WebhookEndpoint) Wants(t hub.EventType) bool {
	for _, x := range e.EventTypes {
		if x == t {
			return true
		}
	}
	return false
}

// TargetKind says where a delivery goes.
type TargetKind string

const (
	TargetWebhook TargetKind = "webhook" // a generic webhook endpoint
	TargetPartner TargetKind = "partner" // a partner's callback, in its format
)

// Target names one receiver.
type Target struct {
	Kind TargetKind `json:"kind"`
	ID   int64      `json:"id"`
}

// DeliveryStatus is a delivery's state.
type DeliveryStatus string

const (
	DeliveryPending   DeliveryStatus = "pending"
	DeliveryDelivered DeliveryStatus = "delivered"
	DeliveryDead      DeliveryStatus = "dead"
)

// Delivery is one request to one target for one event, as the formatter
// rendered it; the engine signs it afresh at each attempt.
type Delivery struct {
	ID          int64         `json:"id"`
	EventID     int64         `json:"event_id"`
	EventType   hub.EventType `json:"event_type"`
	BrandID     int64         `json:"brand_id"`
	Target      Target        `json:"target"`
	OrderID     int64         `json:"order_id,omitempty"`
	URL         string        `json:"url"`
	Method      string        `json:"method"`
	ContentType string        `json:"content_type"`
	Body        []byte        `json:"-"`
	// Signing and Acceptance are the delivery package's names
	// (delivery.Signing, delivery.Acceptance).
	Signing    string         `json:"signing"`
	Acceptance string         `json:"acceptance"`
	Status     DeliveryStatus `json:"status"`
	// Attempts counts the attempts since RetryFrom.
	Attempts      int        `json:"attempts"`
	NextAttemptAt time.Time  `json:"next_attempt_at"`
	RetryFrom     time.Time  `json:"retry_from"`
	LeaseOwner    string     `json:"lease_owner,omitempty"`
	LeaseUntil    *time.Time `json:"lease_until,omitempty"`
	LastError     string     `json:"last_error,omitempty"`
	LastStatus    int        `json:"last_status_code,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
	DeliveredAt   *time.Time `json:"delivered_at,omitempty"`
}

// DeliveryAttempt is one try.
type DeliveryAttempt struct {
	ID         int64     `json:"id"`
	DeliveryID int64     `json:"delivery_id"`
	At         time.Time `json:"at"`
	// StatusCode is 0 when no answer came (network error, timeout).
	StatusCode int           `json:"status_code"`
	Latency    time.Duration `json:"-"`
	Error      string        `json:"error,omitempty"`
	// Response is the first 1 KiB of the answer's body.
	Response string `json:"response,omitempty"`
	// Node is the lease owner that made the attempt.
	Node string `json:"node,omitempty"`
}

// DeliveryFilter selects deliveries, newest first.
type DeliveryFilter struct {
	// BrandID 0 means every brand (operators, the CLI).
	BrandID int64
	// Target restricts to one target when its Kind is set.
	Target Target
	Status DeliveryStatus
	// BeforeID pages backwards by id; 0 starts at the newest.
	BeforeID int64
	Limit    int
}

// DeliveryClaim asks for due deliveries of one target.
type DeliveryClaim struct {
	Owner  string
	Target Target
	Now    time.Time
	Until  time.Time
	Limit  int
}
