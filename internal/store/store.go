// Package store defines the storage interface of orderhub: one interface,
// implemented by internal/store/sqlite (embedded, the default) and
// internal/store/postgres (several nodes), both on the shared SQL of
// internal/store/sqlstore, and checked by the one conformance suite in
// internal/store/storetest.
//
// Every change happens inside Update, which runs one atomic unit of work:
// either all of its writes are committed or none are. The service layer puts
// an order, its stock decrements, its history row and its outbox events into
// one such unit, so a refused order leaves nothing behind.
//
// Stock is decremented with a conditional UPDATE (quantity >= n) and guarded
// by a CHECK constraint, so it cannot go negative on either database, however
// many goroutines or nodes order at once.
package store

import (
	"context"
	"database/sql"
	"time"

	"orderhub/internal/hub"
)

// Store is a database.
type Store interface {
	Reader
	// Update runs fn as one atomic unit of work and commits it. An error
	// from fn rolls everything fn wrote back and is returned as is. fn must
	// not call Update itself.
	Update(ctx context.Context, fn func(tx Tx) error) error
	// Dialect names the implementation ("sqlite", "postgres").
	Dialect() string
	// Subscribe wakes the caller after each commit of a unit that wrote
	// topic: on this node, and on PostgreSQL on every node (LISTEN/NOTIFY)
	// for every topic but TopicEvents (see migration 0007). See Signals.
	Subscribe(topic Topic) (<-chan struct{}, func())
	// PoolStats reports this node's connection pools, by name ("read" and
	// "write" on SQLite, "main" on PostgreSQL).
	PoolStats() []PoolStats
	Close() error
}

// PoolStats are one connection pool's figures.
type PoolStats struct {
	Pool string
	sql.DBStats
}

// Reader are the reads; inside Update they see the unit's own writes.
type Reader interface {
	DeliveryReader
	AdminReader

	GetBrand(ctx context.Context, id int64) (*hub.Brand, error)
	ListBrands(ctx context.Context) ([]hub.Brand, error)

	GetLocation(ctx context.Context, id int64) (*hub.Location, error)
	ListLocations(ctx context.Context, brandID int64) ([]hub.Location, error)
	FindLocation(ctx context.Context, brandID int64, ref string) (*hub.Location, error)

	GetProduct(ctx context.Context, brandID, id int64) (*hub.Product, error)
	// ProductBrand is the brand of a product id (ids are unique across
	// brands), so that a by-id route can take the brand from the id.
	ProductBrand(ctx context.Context, id int64) (int64, error)
	// FindProduct looks a product up by hub id, then ref id, then SKU,
	// within a brand (DESIGN.md §2).
	FindProduct(ctx context.Context, brandID int64, ref string) (*hub.Product, error)
	ListProducts(ctx context.Context, f ProductFilter) ([]hub.Product, error)

	ListTimeslots(ctx context.Context, brandID int64) ([]hub.Timeslot, error)

	// GetStock returns the quantity on hand; nil means untracked.
	GetStock(ctx context.Context, locationID, productID int64) (*int64, error)
	ListStock(ctx context.Context, locationID int64) (map[int64]int64, error)

	GetOrder(ctx context.Context, id int64) (*hub.Order, error)
	// FindOrdersByRef lists the orders of a brand that ref could name: by
	// hub number, by the id a channel gave it, by the id orderhub answered
	// a channel, and with byID by hub id too. Which one a door means is
	// hub.ResolveOrderRef's rule.
	FindOrdersByRef(ctx context.Context, brandID int64, ref string, byID bool) ([]hub.Order, error)
	FindOrderByExternalRef(ctx context.Context, brandID int64, channel hub.Channel, ref string) (*hub.Order, error)
	// FindOrderByKeys finds, in one read, the stored orders that share a
	// new order's keys: byKey has its idempotency key (with the request
	// hash it was stored with), byRef its channel's id. Either is nil when
	// there is none (or its key is empty).
	FindOrderByKeys(ctx context.Context, k OrderKeys) (byKey *hub.Order, keyHash string, byRef *hub.Order, err error)
	ListOrders(ctx context.Context, f OrderFilter) ([]hub.Order, error)
	OrderHistory(ctx context.Context, orderID int64) ([]hub.OrderEvent, error)

	GetPartner(ctx context.Context, id int64) (*hub.Partner, error)
	ListPartners(ctx context.Context, brandID int64) ([]hub.Partner, error)
	// PartnerCallbackSecret returns the secret orderhub signs callbacks to
	// the partner with ("" when none is set).
	PartnerCallbackSecret(ctx context.Context, partnerID int64) (string, error)
	// PartnerPreviousCallbackSecret returns the callback secret replaced
	// by the last rotation and until when it still signs ("" and nil when
	// there is none).
	PartnerPreviousCallbackSecret(ctx context.Context, partnerID int64) (string, *time.Time, error)

	// CredentialByLookup finds a live credential of a kind by its lookup
	// value (a client id, or the hash of a key or token).
	CredentialByLookup(ctx context.Context, kind CredentialKind, lookup string) (*Credential, error)
	ListCredentials(ctx context.Context, partnerID int64) ([]Credential, error)
	// ListHubTokens lists the hub tokens of a brand, revoked ones included, by id; brandID 0 lists every hub token (operator tokens too).
	ListHubTokens(ctx context.Context, brandID int64) ([]Credential, error)

	// ListEvents lists dispatched events after a dispatch sequence number
	// (Event.Seq), in sequence order. An event gets its seq when the
	// dispatcher fans it out, and seqs become visible in order, so a
	// reader that pages by seq never skips one.
	ListEvents(ctx context.Context, afterSeq int64, limit int) ([]Event, error)
	// ListBrandEvents is ListEvents for one brand's events (indexed, so a
	// brand's reader never scans the others').
	ListBrandEvents(ctx context.Context, brandID, afterSeq int64, limit int) ([]Event, error)
	// ListEventsByID lists events by id, dispatched or not: the outbox as
	// written, for inspection and tests. It is not a cursor to follow (on
	// PostgreSQL a smaller id may commit after a larger one); readers that
	// follow the outbox use ListEvents.
	ListEventsByID(ctx context.Context, afterID int64, limit int) ([]Event, error)
	// LastEventSeq is the newest dispatch sequence number (0 when there is
	// none): where a reader that only wants what happens from now on
	// starts ListEvents.
	LastEventSeq(ctx context.Context) (int64, error)

	// NextDueAt is the earliest due time of a NEW order (nil: none).
	NextDueAt(ctx context.Context) (*time.Time, error)

	// ConfigVersion is the configuration version: every unit that changes
	// a brand, location, product, timeslot, partner or credential moves it
	// when it commits. A cache of configuration is current while the
	// version it was filled at is.
	ConfigVersion(ctx context.Context) (int64, error)

	GetIdempotency(ctx context.Context, scope, key string) (*IdempotencyRecord, error)
	BalanceReader
}

// Tx is a unit of work inside Update.
type Tx interface {
	Reader
	DeliveryWriter
	AdminWriter
	RetentionWriter

	CreateBrand(ctx context.Context, b *hub.Brand) error
	UpdateBrand(ctx context.Context, b *hub.Brand) error
	// LockBrand, LockLocation and LockPartner read a row and hold it
	// against concurrent changes until the unit ends (read-change-write:
	// two changes never lose each other's fields).
	LockBrand(ctx context.Context, id int64) (*hub.Brand, error)
	LockLocation(ctx context.Context, id int64) (*hub.Location, error)
	LockPartner(ctx context.Context, id int64) (*hub.Partner, error)
	CreateLocation(ctx context.Context, l *hub.Location) error
	UpdateLocation(ctx context.Context, l *hub.Location) error
	CreateProduct(ctx context.Context, p *hub.Product) error
	UpdateProduct(ctx context.Context, p *hub.Product) error
	// LockProduct reads a product of a brand and holds it against
	// concurrent changes until the unit ends (read-change-write updates).
	LockProduct(ctx context.Context, brandID, id int64) (*hub.Product, error)
	PutTimeslot(ctx context.Context, t *hub.Timeslot) error

	// SetStock sets the quantity on hand; nil makes the product untracked.
	SetStock(ctx context.Context, locationID, productID int64, qty *int64) error
	// TakeStock takes each need's quantity from a location's stock, in
	// two statements whatever the number of products: what is untracked
	// needs nothing and is left out of the answer; for each tracked one
	// it reports what is left. When a tracked product has less than its
	// need, short names it and what it has, and the caller must fail the
	// unit (what was taken is undone with it). Quantities must be
	// positive.
	TakeStock(ctx context.Context, locationID int64, needs []hub.StockNeed) (left map[int64]int64, short *Shortage, err error)
	// ReturnStock puts quantities back (untracked stock is left alone)
	// and reports what each tracked product now has.
	ReturnStock(ctx context.Context, locationID int64, back []hub.StockNeed) (left map[int64]int64, err error)

	// CreateOrder stores a new order and sets its ID. doc is o encoded as
	// JSON, when the caller has it (nil: encoded here). A clash of number,
	// external ref or idempotency key is a conflict with reason
	// hub.ReasonDuplicateOrder.
	CreateOrder(ctx context.Context, o *hub.Order, doc []byte, idempotencyKey, requestHash string) error
	// LockOrder reads an order and holds it against concurrent changes
	// until the unit ends.
	LockOrder(ctx context.Context, id int64) (*hub.Order, error)
	// ClaimDueOrders locks up to limit NEW orders whose due time (the
	// acceptance loop's: hub.Order.DueAt) has come, earliest first,
	// skipping orders another unit holds.
	ClaimDueOrders(ctx context.Context, now time.Time, limit int) ([]hub.Order, error)
	// LockOrderVersion is LockOrder for a caller that already has the
	// order: it holds the row and reads only its version, so that the
	// caller decodes the order again only if it changed meanwhile.
	LockOrderVersion(ctx context.Context, id int64) (int, error)
	// UpdateOrder writes a changed order; its Version must be the stored
	// one plus one. doc is o encoded as JSON, or nil.
	UpdateOrder(ctx context.Context, o *hub.Order, doc []byte) error
	AddHistory(ctx context.Context, e *hub.OrderEvent) error
	// AddEvent writes an outbox event and sets its ID.
	AddEvent(ctx context.Context, e *Event) error
	// AddEvents writes several in one statement (their IDs are not set).
	AddEvents(ctx context.Context, es []*Event) error

	CreatePartner(ctx context.Context, p *hub.Partner) error
	UpdatePartner(ctx context.Context, p *hub.Partner) error
	// SetPartnerCallbackSecret sets a new callback secret and, in the same
	// statement, keeps the current one as the previous secret until
	// previousExpiresAt (a partner's first secret has no previous).
	SetPartnerCallbackSecret(ctx context.Context, partnerID int64, secret string, previousExpiresAt time.Time) error
	CreateCredential(ctx context.Context, c *Credential) error
	// LockHubTokens is ListHubTokens holding the rows until the unit ends
	// (a check, then a change: revoking all but the last operator token).
	LockHubTokens(ctx context.Context, brandID int64) ([]Credential, error)
	RevokeCredential(ctx context.Context, id int64, at time.Time) error

	// ClaimIdempotency starts an attempt at a key. When no record holds
	// it (none, or one created before now - ttl), or an in-progress one
	// whose lease has passed and that never committed holds it for the
	// same request, it writes r in
	// progress (Status 0, r.Owner, r.LeaseUntil) and returns nil. Otherwise
	// it writes nothing and returns the record that holds the key.
	ClaimIdempotency(ctx context.Context, r *IdempotencyRecord, now time.Time, ttl time.Duration) (*IdempotencyRecord, error)
	// FinishIdempotency stores the answer (Status, ContentType, Body) of
	// r.Owner's attempt; nothing when another attempt took the key over.
	FinishIdempotency(ctx context.Context, r *IdempotencyRecord) error
	// ReleaseIdempotency frees owner's in-progress key (nothing once it
	// is finished, committed or taken over).
	ReleaseIdempotency(ctx context.Context, scope, key, owner string) error
	// CommitIdempotency marks owner's in-progress key committed (Fenced);
	// a CodeConflict when owner no longer holds it, which rolls the unit
	// back.
	CommitIdempotency(ctx context.Context, scope, key, owner string) error
	// RenewIdempotency extends owner's lease of an in-progress key.
	RenewIdempotency(ctx context.Context, scope, key, owner string, until time.Time) error
	BalanceWriter
}

// Shortage is a tracked product with less stock than an order needs.
type Shortage struct {
	ProductID int64
	Left      int64
}

// MaxPage is the most rows one listing returns (ListOrders,
// ListDeliveries): the APIs show at most 500 and ask for one more to know
// whether there is a next page.
const MaxPage = 1000

// OrderKeys are what make a new order a repeat of a stored one: its
// idempotency key (unique per partner) and its channel's id (unique per
// brand and channel).
type OrderKeys struct {
	PartnerID      int64
	IdempotencyKey string
	BrandID        int64
	Channel        hub.Channel
	ExternalRef    string
}

// ProductFilter selects products of a brand.
type ProductFilter struct {
	BrandID int64
	// AfterID pages by id; Limit 0 means all.
	AfterID int64
	Limit   int
}

// OrderFilter selects orders, newest first.
type OrderFilter struct {
	BrandID    int64
	LocationID int64
	// LocationIDs restricts to these locations when not empty (a scoped
	// credential).
	LocationIDs []int64
	Status      hub.Status
	Channel     hub.Channel
	// BeforeID pages backwards by id (the cursor); 0 starts at the newest.
	BeforeID int64
	Limit    int
}

// CredentialKind says what a credential is.
type CredentialKind string

const (
	// CredAPIKey is a static key (Kakao, Omni, Junglebook); lookup is the
	// SHA-256 of the key.
	CredAPIKey CredentialKind = "api_key"
	// CredClient is an OAuth2 client (Zeek, QR); lookup is the client id
	// and SecretHash the SHA-256 of the secret.
	CredClient CredentialKind = "client"
	// CredAccessToken is an issued bearer token; lookup is its SHA-256.
	CredAccessToken CredentialKind = "access_token"
	// CredHubToken is a native API token; lookup is its SHA-256. Its
	// PartnerID is 0; BrandID 0 means operator (all brands).
	CredHubToken CredentialKind = "hub_token"
	// CredAdminPassword is a dashboard login; lookup is the user name and
	// SecretHash a PBKDF2 hash.
	CredAdminPassword CredentialKind = "admin_password"
)

// Credential is a secret that identifies a caller. Only hashes are stored.
type Credential struct {
	ID         int64          `json:"id"`
	PartnerID  int64          `json:"partner_id,omitempty"`
	BrandID    int64          `json:"brand_id,omitempty"`
	Kind       CredentialKind `json:"kind"`
	Lookup     string         `json:"-"`
	SecretHash string         `json:"-"`
	// Hint is a non-secret prefix shown to operators ("ohk_3f2a…").
	Hint      string     `json:"hint,omitempty"`
	Label     string     `json:"label,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
	// ParentID links an access token to the client credential it was
	// issued for, so revoking the client revokes its tokens.
	ParentID int64 `json:"parent_id,omitempty"`
}

// Live reports whether the credential may be used at t.
func (c *Credential) Live(t time.Time) bool {
	return c.RevokedAt == nil && (c.ExpiresAt == nil || t.Before(*c.ExpiresAt))
}

// Event is an outbox row: written in the same unit as the change it
// describes, delivered later by the delivery engine.
type Event struct {
	ID         int64         `json:"id"`
	Type       hub.EventType `json:"type"`
	BrandID    int64         `json:"brand_id"`
	LocationID int64         `json:"location_id,omitempty"`
	OrderID    int64         `json:"order_id,omitempty"`
	// Payload is the canonical JSON of the event.
	Payload   []byte    `json:"payload"`
	CreatedAt time.Time `json:"created_at"`
	// Seq is the dispatch sequence number (0 until dispatched).
	Seq int64 `json:"seq,omitempty"`
}

// IdempotencyRecord remembers the first answer to a write with an
// Idempotency-Key. Status 0 marks a request still in progress: Owner's,
// until LeaseUntil.
type IdempotencyRecord struct {
	Scope       string
	Key         string
	RequestHash string
	Status      int
	ContentType string
	Body        []byte
	CreatedAt   time.Time
	Owner       string
	LeaseUntil  *time.Time
	// Committed says the attempt's unit of work committed (CommitIdempotency):
	// its effect is in the database even if its answer was never kept.
	Committed bool
}

// ReplayClaim is an attempt's hold on an idempotency key, carried in the
// context of the request it runs (WithReplayClaim): every unit of work of
// the request commits only while the attempt still owns the key, and marks
// the key committed in the same commit (Fenced).
type ReplayClaim struct{ Scope, Key, Owner string }

type replayClaimKey struct{}

// WithReplayClaim is ctx carrying the attempt's claim, besides any it
// carries already (a request keyed twice, seed 003's request id inside an
// Idempotency-Key: each key is fenced and marked).
func WithReplayClaim(ctx context.Context, c ReplayClaim) context.Context {
	held, _ := ctx.Value(replayClaimKey{}).([]ReplayClaim)
	return context.WithValue(ctx, replayClaimKey{}, append(held[:len(held):len(held)], c))
}

// Fenced is fn followed, in the same unit, by CommitIdempotency of the
// claims ctx carries (fn itself when it carries none). Every Store's Update
// runs its unit through it, so a keyed request's effect and the mark that
// it happened commit together: a crash between the commit and keeping the
// answer can no longer let a retry run the request a second time, and an
// attempt whose key was taken over (its lease passed) commits nothing.
func Fenced(ctx context.Context, fn func(Tx) error) func(Tx) error {
	claims, _ := ctx.Value(replayClaimKey{}).([]ReplayClaim)
	if len(claims) == 0 {
		return fn
	}
	return func(tx Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		for _, c := range claims {
			if err := tx.CommitIdempotency(ctx, c.Scope, c.Key, c.Owner); err != nil {
				return err
			}
		}
		return nil
	}
}

// AdminSession is one dashboard login as stored: the SHA-256 of its cookie
// (never the cookie), whose it is and until when it lasts.
type AdminSession struct {
	TokenHash string
	Username  string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// AdminReader are the dashboard's reads (migration 0010).
type AdminReader interface {
	// ListAdmins lists the dashboard logins (admin_password credentials)
	// by user name.
	ListAdmins(ctx context.Context) ([]Credential, error)
	// GetAdminSession finds a session by the hash of its cookie (expired
	// ones too: the caller checks ExpiresAt).
	GetAdminSession(ctx context.Context, tokenHash string) (*AdminSession, error)
	// LoginFailures is the failed-login count of a key and when its
	// window started (0 and the zero time when there is none).
	LoginFailures(ctx context.Context, key string) (int, time.Time, error)
}

// AdminWriter are the dashboard's writes.
type AdminWriter interface {
	CreateAdminSession(ctx context.Context, s *AdminSession) error
	DeleteAdminSession(ctx context.Context, tokenHash string) error
	// DeleteAdminSessions ends every session of a user and says how many.
	DeleteAdminSessions(ctx context.Context, username string) (int, error)
	// DeleteStaleLogins deletes sessions expired at now and failure
	// counters whose window started before failuresBefore.
	DeleteStaleLogins(ctx context.Context, now, failuresBefore time.Time) error
	// SetCredentialSecret replaces a credential's secret hash (a new
	// dashboard password).
	SetCredentialSecret(ctx context.Context, id int64, secretHash string) error
	// DeleteCredential deletes a credential row (a removed dashboard
	// login, so that its name can be used again).
	DeleteCredential(ctx context.Context, id int64) error
	// AddLoginFailure counts a failed login of key at now: in the current
	// window when it started after windowStartAfter, else in a new one
	// starting now. It returns the count in the window.
	AddLoginFailure(ctx context.Context, key string, now, windowStartAfter time.Time) (int, error)
	ClearLoginFailures(ctx context.Context, key string) error
}
