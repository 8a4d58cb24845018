-- A brand's readers (GET /hub/v1/events, the dashboard's live view) read
-- only that brand's events, by id.
CREATE INDEX events_brand ON events (brand_id, id);
