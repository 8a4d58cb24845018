-- Event delivery (internal/delivery). Times are Unix microseconds (UTC).

-- dispatched_at is set when the dispatcher has fanned the event out into
-- deliveries; NULL means not yet. (Not an id cursor: PostgreSQL ids are not
-- committed in id order.)
ALTER TABLE events ADD COLUMN dispatched_at BIGINT;
CREATE INDEX events_undispatched ON events (id) WHERE dispatched_at IS NULL;

-- Generic webhook subscriptions of a brand (DESIGN.md §5).
CREATE TABLE webhook_endpoints (
    id                         {{identity}},
    brand_id                   BIGINT  NOT NULL REFERENCES brands(id),
    url                        TEXT    NOT NULL,
    event_types                TEXT    NOT NULL, -- JSON array of event types
    secret                     TEXT    NOT NULL, -- whsec_...
    previous_secret            TEXT    NOT NULL DEFAULT '',
    previous_secret_expires_at BIGINT,
    disabled                   BIGINT  NOT NULL DEFAULT 0, -- 0 or 1
    disabled_reason            TEXT    NOT NULL DEFAULT '',
    disabled_at                BIGINT,
    failing_since              BIGINT,
    last_success_at            BIGINT,
    created_at                 BIGINT  NOT NULL,
    updated_at                 BIGINT  NOT NULL
);
CREATE INDEX webhook_endpoints_brand ON webhook_endpoints (brand_id, id);

-- One request to one target for one event, as the formatter rendered it.
CREATE TABLE deliveries (
    id               {{identity}},
    event_id         BIGINT  NOT NULL,
    event_type       TEXT    NOT NULL,
    brand_id         BIGINT  NOT NULL,
    target_kind      TEXT    NOT NULL CHECK (target_kind IN ('webhook', 'partner')),
    target_id        BIGINT  NOT NULL,
    order_id         BIGINT  NOT NULL DEFAULT 0,
    url              TEXT    NOT NULL,
    method           TEXT    NOT NULL,
    content_type     TEXT    NOT NULL,
    body             {{blob}}   NOT NULL,
    signing          TEXT    NOT NULL,
    acceptance       TEXT    NOT NULL,
    status           TEXT    NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
    attempts         BIGINT  NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT  NOT NULL,
    retry_from       BIGINT  NOT NULL, -- start of the current retry window (creation or replay)
    lease_owner      TEXT    NOT NULL DEFAULT '',
    lease_until      BIGINT,
    last_error       TEXT    NOT NULL DEFAULT '',
    last_status_code BIGINT  NOT NULL DEFAULT 0,
    created_at       BIGINT  NOT NULL,
    updated_at       BIGINT  NOT NULL,
    delivered_at     BIGINT,
    UNIQUE (event_id, target_kind, target_id)
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX deliveries_pending_order ON deliveries (target_kind, target_id, order_id, id) WHERE status = 'pending';
CREATE INDEX deliveries_target ON deliveries (target_kind, target_id, id);
CREATE INDEX deliveries_brand ON deliveries (brand_id, id);

-- Every attempt: when, the answer's status, latency, error, and the first
-- 1 KiB of the answer.
CREATE TABLE delivery_attempts (
    id           {{identity}},
    delivery_id  BIGINT  NOT NULL REFERENCES deliveries(id),
    attempted_at BIGINT  NOT NULL,
    status_code  BIGINT  NOT NULL DEFAULT 0,
    latency_us   BIGINT  NOT NULL DEFAULT 0,
    error        TEXT    NOT NULL DEFAULT '',
    response     TEXT    NOT NULL DEFAULT '',
    node         TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX delivery_attempts_delivery ON delivery_attempts (delivery_id, id);
