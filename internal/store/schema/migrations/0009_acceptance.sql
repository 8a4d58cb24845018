-- Acceptance (DESIGN.md §9): due_at is when the system must act on a NEW
-- order (Unix micros): confirm it (auto acceptance of a scheduled order)
-- or cancel it (manual acceptance past its deadline); NULL when nothing
-- is due. It is stored with the order when it is taken, so deadlines
-- survive restarts and every node sees the same ones; the acceptance
-- loop claims due orders through this partial index (FOR UPDATE SKIP
-- LOCKED on PostgreSQL: one node acts on each).
ALTER TABLE orders ADD COLUMN due_at BIGINT;
CREATE INDEX orders_due ON orders (due_at) WHERE status = 1 AND due_at IS NOT NULL;
