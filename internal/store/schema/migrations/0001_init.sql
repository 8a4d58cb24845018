-- orderhub schema. Times are Unix microseconds (UTC); documents are JSON
-- text.
CREATE TABLE brands (
    id          {{identity}},
    name        TEXT    NOT NULL,
    doc         TEXT    NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE locations (
    id          {{identity}},
    brand_id    BIGINT NOT NULL REFERENCES brands(id),
    code        TEXT    NOT NULL,
    ref_id      TEXT    NOT NULL DEFAULT '',
    doc         TEXT    NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    UNIQUE (brand_id, code)
);
CREATE INDEX locations_ref ON locations (brand_id, ref_id) WHERE ref_id <> '';

CREATE TABLE products (
    id          {{identity}},
    brand_id    BIGINT NOT NULL REFERENCES brands(id),
    ref_id      TEXT    NOT NULL DEFAULT '',
    sku         TEXT    NOT NULL DEFAULT '',
    doc         TEXT    NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX products_ref ON products (brand_id, ref_id) WHERE ref_id <> '';
CREATE INDEX products_sku ON products (brand_id, sku) WHERE sku <> '';
CREATE INDEX products_brand ON products (brand_id, id);

CREATE TABLE timeslots (
    brand_id    BIGINT NOT NULL REFERENCES brands(id),
    id          BIGINT NOT NULL,
    doc         TEXT    NOT NULL,
    PRIMARY KEY (brand_id, id)
);

CREATE TABLE stock (
    location_id BIGINT NOT NULL REFERENCES locations(id),
    product_id  BIGINT NOT NULL REFERENCES products(id),
    quantity    BIGINT CHECK (quantity IS NULL OR quantity >= 0),
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (location_id, product_id)
);

CREATE TABLE partners (
    id              {{identity}},
    brand_id        BIGINT NOT NULL REFERENCES brands(id),
    protocol        TEXT    NOT NULL,
    doc             TEXT    NOT NULL,
    callback_secret TEXT    NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX partners_brand ON partners (brand_id);

CREATE TABLE orders (
    id              {{identity}},
    brand_id        BIGINT NOT NULL REFERENCES brands(id),
    location_id     BIGINT NOT NULL REFERENCES locations(id),
    partner_id      BIGINT NOT NULL DEFAULT 0,
    channel         TEXT    NOT NULL,
    number          TEXT    NOT NULL,
    external_ref    TEXT    NOT NULL DEFAULT '',
    channel_ref     TEXT    NOT NULL DEFAULT '',
    idempotency_key TEXT    NOT NULL DEFAULT '',
    request_hash    TEXT    NOT NULL DEFAULT '',
    status          BIGINT NOT NULL,
    payment_status  BIGINT NOT NULL,
    version         BIGINT NOT NULL,
    doc             TEXT    NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    UNIQUE (brand_id, number)
);
CREATE UNIQUE INDEX orders_external_ref ON orders (brand_id, channel, external_ref) WHERE external_ref <> '';
CREATE UNIQUE INDEX orders_channel_ref ON orders (brand_id, channel, channel_ref) WHERE channel_ref <> '';
CREATE UNIQUE INDEX orders_idempotency ON orders (partner_id, idempotency_key) WHERE idempotency_key <> '';
CREATE INDEX orders_brand ON orders (brand_id, id);
CREATE INDEX orders_location ON orders (location_id, id);
CREATE INDEX orders_status ON orders (brand_id, status, id);

CREATE TABLE order_history (
    id          {{identity}},
    order_id    BIGINT NOT NULL REFERENCES orders(id),
    action      TEXT    NOT NULL,
    from_status BIGINT NOT NULL,
    to_status   BIGINT NOT NULL,
    actor       TEXT    NOT NULL,
    note        TEXT    NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL
);
CREATE INDEX order_history_order ON order_history (order_id, id);

CREATE TABLE events (
    id          {{identity}},
    type        TEXT    NOT NULL,
    brand_id    BIGINT NOT NULL,
    location_id BIGINT NOT NULL DEFAULT 0,
    order_id    BIGINT NOT NULL DEFAULT 0,
    payload     TEXT    NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX events_order ON events (order_id, id);

CREATE TABLE credentials (
    id          {{identity}},
    partner_id  BIGINT NOT NULL DEFAULT 0,
    brand_id    BIGINT NOT NULL DEFAULT 0,
    kind        TEXT    NOT NULL,
    lookup      TEXT    NOT NULL,
    secret_hash TEXT    NOT NULL DEFAULT '',
    hint        TEXT    NOT NULL DEFAULT '',
    label       TEXT    NOT NULL DEFAULT '',
    parent_id   BIGINT NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT,
    revoked_at  BIGINT,
    UNIQUE (kind, lookup)
);
CREATE INDEX credentials_partner ON credentials (partner_id);
CREATE INDEX credentials_parent ON credentials (parent_id) WHERE parent_id <> 0;

CREATE TABLE idempotency (
    scope        TEXT    NOT NULL,
    key          TEXT    NOT NULL,
    request_hash TEXT    NOT NULL,
    status       BIGINT NOT NULL,
    content_type TEXT    NOT NULL DEFAULT '',
    body         {{blob}},
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (scope, key)
);
