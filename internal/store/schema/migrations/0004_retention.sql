-- The retention sweep (store.RetentionWriter): each batch picks the oldest
-- delivered or dead deliveries and idempotency records before a cutoff;
-- these indexes keep that from scanning the tables. The status literals
-- match the queries of sqlstore/retention.go.
CREATE INDEX deliveries_delivered_at ON deliveries (delivered_at, id) WHERE status = 'delivered';
CREATE INDEX deliveries_dead_at ON deliveries (updated_at, id) WHERE status = 'dead';
CREATE INDEX idempotency_created ON idempotency (created_at);
