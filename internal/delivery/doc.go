// Package delivery is the event delivery engine of DESIGN.md §5: it turns
// outbox events into deliveries (generic webhooks and partner callbacks)
// and sends them at least once, in order per order, with retries, signing,
// a dead letter and replay. See contract.go for how protocol packages plug
// in. No handler sends anything itself: every outbound call is a delivery.
//
// # Flow
//
// The service writes events (store.Event) in the same unit as the change
// they describe (transactional outbox). The dispatcher takes undispatched
// events (events.dispatched_at IS NULL; not an id cursor, since PostgreSQL
// does not commit ids in order) and, in one unit per batch of up to 100,
// creates one delivery per target and marks the events dispatched:
//   - every enabled webhook endpoint of the event's brand whose event_types
//     include the event's type; the body is the canonical versioned JSON the
//     service wrote, {"id":<event id>,"version":1,"type":...,"created_at":...,
//     "data":{...}};
//   - every enabled partner of the brand whose protocol has a registered
//     Formatter that answers with a request (nil: the partner does not want
//     it). A formatter error skips that partner for that event and is logged
//     (it must not hold back every later event).
//
// A delivery stores the request as rendered (URL, method, content type,
// body, signing, acceptance); the engine signs it afresh at each attempt.
// A unique (event, target) key makes a second fan-out of one event
// impossible.
//
// # Several nodes
//
// Claims are row locks with FOR UPDATE SKIP LOCKED on PostgreSQL (the
// Dialect's SkipLocked; SQLite's single writer serialises the same
// queries). The dispatcher's claim holds its events until its unit
// commits, so two nodes never fan one event out twice. A delivery is
// claimed with a lease (lease_owner, lease_until; default attempt timeout +
// 30 s) written in the claiming unit: no other node takes it while the
// lease lives, and a node that dies releases its claims when the lease
// passes. A node that stops gracefully waits for its attempts in flight
// (up to the shutdown timeout) and gives back the claims it cuts short.
//
// # Ordering
//
// In order per order per target: a delivery is not claimed while an
// earlier pending delivery (lower id) for the same order and the same
// target exists — including one waiting for its retry or one in flight.
// Delivered and dead ones do not block. Deliveries of an order are created
// in event order because the dispatcher skips an event while an earlier
// event of the same order is still undispatched (so two dispatching nodes
// cannot overtake each other). Events without an order (product.updated,
// stock.changed, webhook.test) are not ordered. Different orders go in
// parallel.
//
// # Limits
//
// A bounded pool: at most Workers attempts in flight per node (default 8),
// and at most PerTarget to one endpoint or partner per node (default 4).
// Each attempt has a timeout of 15 s (connection to last byte of the
// answer). Redirects are not followed.
//
// # Private targets
//
// The default client is Config.Outbound's (internal/netguard): its dialer
// refuses loopback, private, link-local (the metadata address included),
// CGNAT, multicast and other non-public addresses after DNS resolution, so
// an endpoint whose name resolves there (or is rebound there after it was
// saved) gets no request; the attempt is recorded with the reason
// ("outbound call to 127.0.0.1 refused: a loopback address ...") and
// retried like any network error, in case the name resolves elsewhere
// later. orderhub serve --allow-private-targets lifts it.
//
// # Retries and the dead letter
//
// Retried: network errors, timeouts, 408, 429, 5xx, and a 2xx that the
// delivery's acceptance refuses (seed 003's callback must answer 200 with
// {"status":"OK"}). Final at once (dead): any other answer (3xx, 4xx other
// than 408/429/410). 410 Gone: dead, and the webhook endpoint is disabled.
//
// The wait after the n-th failure is 10 s × 2^(n-1), at most 4 h, spread by
// ±20 % jitter, and never shorter than the receiver's Retry-After (seconds
// or an HTTP date), which is itself capped at 4 h. A delivery is retried
// until an attempt fails 72 h or more after its retry window began (its
// creation or its last replay), then it is dead: about 29 attempts over
// 72-74 h by default (10 s, 20 s, 40 s, … 2 h 51 m, then every 4 h).
//
// Every attempt is recorded (delivery_attempts): time, status code (0 when
// no answer came), latency, error, the first 1 KiB of the answer, and the
// node. Replay (API, CLI) makes one dead or delivered delivery pending
// again, or every dead delivery of an endpoint, with a fresh 72 h window;
// it keeps the delivery's webhook-id, so receivers can drop repeats.
// Replays to a deleted or disabled endpoint are refused (enable it first).
//
// # Disabling an endpoint
//
// A generic webhook endpoint is disabled, with a reason shown in /hub/v1
// (status "disabled", disabled_reason, disabled_at), when it answers 410,
// or when it has failed without a single success for DisableAfter (default
// 5 days; failing_since is the first failure after the last success and is
// shown too, with status "failing" while the endpoint is still enabled).
// Disabling turns its pending deliveries dead (replayable once it is
// enabled again with PATCH {"enabled": true}). Partners are never disabled
// by the engine: a 410 from a partner callback is a final failure.
//
// # Signing (at each attempt, with that attempt's timestamp)
//
//   - Generic webhooks: Standard Webhooks. webhook-id is "dlv_<delivery id>"
//     (stable across retries and replays), webhook-timestamp is Unix seconds,
//     webhook-signature is "v1,<base64 HMAC-SHA256 of id.timestamp.body>"
//     keyed with the base64-decoded part of the endpoint's whsec_ secret
//     (32 random bytes). After a rotation the previous secret stays valid
//     for 24 h and both signatures are sent, space-separated.
//   - Partner callbacks sign as their formatter says: SignKS (KS-Timestamp,
//     KS-Signature hex HMAC-SHA256 over timestamp + "." + body) or
//     SignStandardWebhooks, keyed with the partner's callback secret: the
//     decoded key of a whsec_ secret, or the secret's bytes as written
//     (ohcb_...). A partner without a callback secret gets nothing (dead,
//     "no callback secret"), since an unsigned callback would be refused.
//     A rotated callback secret keeps signing for 24 h (RotationGrace), as
//     for endpoints: Standard Webhooks sends both signatures,
//     space-separated; SignKS sends KS-Signature under the new secret and
//     KS-Signature-Previous under the previous one, which receivers that
//     have not switched yet verify instead.
//
// Every request also carries Content-Type (default application/json) and
// User-Agent: orderhub-webhooks/1.
//
// # Test events
//
// "Send test event" stores a webhook.test event (already dispatched, so no
// one else gets it) and one delivery to that endpoint.
//
// # Retention
//
// A Sweeper (serve runs one per node, a minute after start and then every
// hour; stopped at shutdown before the engine) deletes what is kept no
// longer: delivered deliveries whose delivered_at is older than
// --retain-delivered (720h), dead deliveries whose death (updated_at) is
// older than --retain-dead (2160h), each with its attempts, and
// Idempotency-Key records older than --retain-idempotency (48h; never
// shorter than httpx.IdempotencyTTL, the replay window, so that a key is
// not forgotten while it may still be replayed). Pending deliveries are
// never deleted, however old; a replayed one is pending again.
//
// Each batch is one unit of at most store.DefaultRetentionBatch (500)
// rows, oldest first: the ids are picked with a LIMIT (deliveries locked
// FOR UPDATE SKIP LOCKED on PostgreSQL, so a row a worker or a replay holds
// is left for the next sweep), then their attempts and they are deleted;
// batches repeat until one comes back short. Deletes are idempotent, so
// several nodes sweeping at once only share the work. Partial indexes of
// migration 0004 keep each batch from scanning the tables. One log line
// ("retention sweep", with the counts) is written per sweep that deleted
// something.
//
// # Not done here
//
// Nodes find new work by polling (default every second; a replay waits for
// the next poll); PostgreSQL LISTEN/NOTIFY could wake them sooner.
package delivery
