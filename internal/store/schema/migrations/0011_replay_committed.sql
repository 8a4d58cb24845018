-- The replay layer's fence (httpx.Replay, DESIGN.md §10): the unit of work
-- that carries out a keyed request also sets committed = 1 on its
-- in-progress record, in the same commit, and only while its attempt still
-- owns the key. A record left in progress with committed = 1 (the process
-- died between the commit and keeping the answer) is never run again: a
-- retry is told the request was carried out and its answer lost.
ALTER TABLE idempotency ADD COLUMN committed INTEGER NOT NULL DEFAULT 0;
