-- Event delivery (internal/delivery), SQLite dialect. Times are Unix
-- microseconds (UTC). Keep in step with postgres/migrations.

-- dispatched_at is set when the dispatcher has fanned the event out into
-- deliveries; NULL means not yet. (Not an id cursor: PostgreSQL ids are not
-- committed in id order.)
ALTER TABLE events ADD COLUMN dispatched_at INTEGER;
CREATE INDEX events_undispatched ON events (id) WHERE dispatched_at IS NULL;

-- Generic webhook subscriptions of a brand (DESIGN.md §5).
CREATE TABLE webhook_endpoints (
    id                         INTEGER PRIMARY KEY,
    brand_id                   INTEGER NOT NULL REFERENCES brands(id),
    url                        TEXT    NOT NULL,
    event_types                TEXT    NOT NULL, -- JSON array of event types
    secret                     TEXT    NOT NULL, -- whsec_...
    previous_secret            TEXT    NOT NULL DEFAULT '',
    previous_secret_expires_at INTEGER,
    disabled                   INTEGER NOT NULL DEFAULT 0, -- 0 or 1
    disabled_reason            TEXT    NOT NULL DEFAULT '',
    disabled_at                INTEGER,
    failing_since              INTEGER,
    last_success_at            INTEGER,
    created_at                 INTEGER NOT NULL,
    updated_at                 INTEGER NOT NULL
);
CREATE INDEX webhook_endpoints_brand ON webhook_endpoints (brand_id, id);

-- One request to one target for one event, as the formatter rendered it.
CREATE TABLE deliveries (
    id               INTEGER PRIMARY KEY,
    event_id         INTEGER NOT NULL,
    event_type       TEXT    NOT NULL,
    brand_id         INTEGER NOT NULL,
    target_kind      TEXT    NOT NULL CHECK (target_kind IN ('webhook', 'partner')),
    target_id        INTEGER NOT NULL,
    order_id         INTEGER NOT NULL DEFAULT 0,
    url              TEXT    NOT NULL,
    method           TEXT    NOT NULL,
    content_type     TEXT    NOT NULL,
    body             BLOB    NOT NULL,
    signing          TEXT    NOT NULL,
    acceptance       TEXT    NOT NULL,
    status           TEXT    NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    retry_from       INTEGER NOT NULL, -- start of the current retry window (creation or replay)
    lease_owner      TEXT    NOT NULL DEFAULT '',
    lease_until      INTEGER,
    last_error       TEXT    NOT NULL DEFAULT '',
    last_status_code INTEGER NOT NULL DEFAULT 0,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    delivered_at     INTEGER,
    UNIQUE (event_id, target_kind, target_id)
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX deliveries_pending_order ON deliveries (target_kind, target_id, order_id, id) WHERE status = 'pending';
CREATE INDEX deliveries_target ON deliveries (target_kind, target_id, id);
CREATE INDEX deliveries_brand ON deliveries (brand_id, id);

-- Every attempt: when, the answer's status, latency, error, and the first
-- 1 KiB of the answer.
CREATE TABLE delivery_attempts (
    id           INTEGER PRIMARY KEY,
    delivery_id  INTEGER NOT NULL REFERENCES deliveries(id),
    attempted_at INTEGER NOT NULL,
    status_code  INTEGER NOT NULL DEFAULT 0,
    latency_us   INTEGER NOT NULL DEFAULT 0,
    error        TEXT    NOT NULL DEFAULT '',
    response     TEXT    NOT NULL DEFAULT '',
    node         TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX delivery_attempts_delivery ON delivery_attempts (delivery_id, id);
