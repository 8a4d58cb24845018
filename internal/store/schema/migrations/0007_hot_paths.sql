-- Hot paths (issue 10).

-- Order references: a door that knows only a reference (not the channel
-- that gave it) looks it up by brand and reference, so the reference
-- comes before the channel in these unique indexes. The lookups repeat
-- the "<> ''" condition, which is what lets SQLite and PostgreSQL use a
-- partial index.
DROP INDEX orders_external_ref;
CREATE UNIQUE INDEX orders_external_ref ON orders (brand_id, external_ref, channel) WHERE external_ref <> '';
DROP INDEX orders_channel_ref;
CREATE UNIQUE INDEX orders_channel_ref ON orders (brand_id, channel_ref, channel) WHERE channel_ref <> '';

-- Deliveries: blocked = 1 while an earlier pending delivery of the same
-- order waits for the same target (in-order delivery per order and
-- target). The claim reads only ready rows, one target at a time, so a
-- backlog behind a busy target costs nothing to the others.
ALTER TABLE deliveries ADD COLUMN blocked INTEGER NOT NULL DEFAULT 0;
UPDATE deliveries SET blocked = 1
 WHERE status = 'pending' AND order_id <> 0 AND EXISTS (
       SELECT 1 FROM deliveries p
        WHERE p.target_kind = deliveries.target_kind AND p.target_id = deliveries.target_id
          AND p.order_id = deliveries.order_id AND p.status = 'pending' AND p.id < deliveries.id);
DROP INDEX deliveries_due;
CREATE INDEX deliveries_ready ON deliveries (target_kind, target_id, next_attempt_at, id) WHERE status = 'pending' AND blocked = 0;
-- {{if postgres}}

-- Wake-ups across nodes (PostgreSQL only; SQLite is one process and wakes
-- in process): new or replayed deliveries, dispatched events and
-- configuration changes notify the channel orderhub_<schema>, which every
-- node LISTENs to, so that the delivery engine, the live views and the
-- menu caches need not poll. NOTIFY is sent at commit, one per
-- transaction and payload. Writing an event does not notify: transactions
-- that NOTIFY commit one at a time (PostgreSQL serialises them on the
-- notification queue), which every order would pay; the node that wrote
-- an event wakes its own dispatcher in process, and one dispatcher is
-- enough (it holds the dispatch lock anyway).
CREATE FUNCTION orderhub_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('orderhub_' || current_schema(), TG_ARGV[0]);
    RETURN NULL;
END $$;
CREATE TRIGGER deliveries_notify AFTER INSERT ON deliveries
    FOR EACH STATEMENT EXECUTE FUNCTION orderhub_notify('deliveries');
CREATE TRIGGER deliveries_replay_notify AFTER UPDATE OF status ON deliveries
    FOR EACH ROW WHEN (NEW.status = 'pending' AND OLD.status <> 'pending')
    EXECUTE FUNCTION orderhub_notify('deliveries');
-- {{end}}

-- The configuration version: one number that every change of brands,
-- locations, products, timeslots, partners or credentials increments, in
-- the unit of the change (sqlstore bumps it just before the unit commits).
-- Each node caches configuration under the version it read, so one
-- primary-key read per request tells whether its copy is current, on any
-- number of nodes.
CREATE TABLE config_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT  NOT NULL
);
INSERT INTO config_version (id, version) VALUES (1, 1);

-- The dispatch sequence: the dispatcher numbers events as it fans them
-- out, one dispatcher at a time, so a committed seq is never passed by a
-- smaller one committing later (ids are: PostgreSQL assigns them at insert
-- and they become visible at commit, out of order). Readers of the outbox
-- (/hub/v1/events, the dashboard's live view, cache invalidation) page by
-- seq and never skip an event.
ALTER TABLE events ADD COLUMN seq BIGINT;
CREATE UNIQUE INDEX events_seq ON events (seq) WHERE seq IS NOT NULL;
CREATE INDEX events_brand_seq ON events (brand_id, seq) WHERE seq IS NOT NULL;
-- An event is written once and numbered once: partial indexes leave the
-- numberless out (no index entry to write at insert), and the
-- dispatcher's check of an order's earlier undispatched events reads only
-- those still undispatched.
DROP INDEX events_order;
CREATE INDEX events_pending_order ON events (order_id, id) WHERE dispatched_at IS NULL;
DROP INDEX events_brand;
UPDATE events SET seq = id WHERE dispatched_at IS NOT NULL;
-- {{if postgres}}
CREATE TRIGGER events_dispatched_notify AFTER UPDATE OF seq ON events
    FOR EACH STATEMENT EXECUTE FUNCTION orderhub_notify('dispatched');
CREATE TRIGGER config_notify AFTER UPDATE ON config_version
    FOR EACH STATEMENT EXECUTE FUNCTION orderhub_notify('config');
-- {{end}}
