-- Partner cash balances (Junglebook settleKind "s") and their history.
-- Amounts are minor units of the partner's brand currency; times are Unix
-- microseconds.
CREATE TABLE partner_balances (
    partner_id  BIGINT  PRIMARY KEY REFERENCES partners(id),
    balance     BIGINT  NOT NULL CHECK (balance >= 0),
    updated_at  BIGINT  NOT NULL
);

CREATE TABLE partner_balance_entries (
    id            {{identity}},
    partner_id    BIGINT  NOT NULL REFERENCES partners(id),
    kind          TEXT    NOT NULL,
    amount        BIGINT  NOT NULL,
    balance_after BIGINT  NOT NULL CHECK (balance_after >= 0),
    order_id      BIGINT  NOT NULL DEFAULT 0,
    note          TEXT    NOT NULL DEFAULT '',
    created_at    BIGINT  NOT NULL
);
CREATE INDEX partner_balance_entries_partner ON partner_balance_entries (partner_id, id);
