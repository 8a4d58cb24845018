-- A partner's callback secret rotates like a webhook endpoint's: the
-- replaced secret keeps signing until previous_callback_secret_expires_at
-- (Unix micros; NULL when there is no previous secret).
ALTER TABLE partners ADD COLUMN previous_callback_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE partners ADD COLUMN previous_callback_secret_expires_at BIGINT;
