-- The dashboard (internal/ui): logins that any node serves and a restart
-- keeps, and the failed-login counters that throttle guessing.
--
-- admin_sessions holds the SHA-256 of each session cookie, never the
-- cookie: a copy of the database logs nobody in. expires_at is Unix
-- micros; expired rows are deleted when the next session is created.
CREATE TABLE admin_sessions (
    token_hash TEXT    NOT NULL PRIMARY KEY,
    username   TEXT    NOT NULL,
    created_at BIGINT  NOT NULL,
    expires_at BIGINT  NOT NULL
);
CREATE INDEX admin_sessions_username ON admin_sessions (username);
CREATE INDEX admin_sessions_expires ON admin_sessions (expires_at);

-- login_failures counts failed logins per key ("user:<name>",
-- "addr:<ip>") in a fixed window that starts at the first failure.
CREATE TABLE login_failures (
    key          TEXT    NOT NULL PRIMARY KEY,
    failures     INTEGER NOT NULL,
    window_start BIGINT  NOT NULL
);
CREATE INDEX login_failures_window ON login_failures (window_start);
