-- The replay layer (httpx.Replay, DESIGN.md §10): an in-progress record
-- belongs to the attempt that wrote it (owner, random per attempt) until
-- lease_until (Unix micros), which the attempt renews while it runs. A
-- record whose attempt died (kill -9, a lost node) is taken over once its
-- lease has passed, so a key is never "in progress" for longer than that.
ALTER TABLE idempotency ADD COLUMN owner TEXT NOT NULL DEFAULT '';
ALTER TABLE idempotency ADD COLUMN lease_until BIGINT;
