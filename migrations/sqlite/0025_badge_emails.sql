-- Same constraint as migrations/postgres/0025_badge_emails.sql.
-- An approved pledger is emailed its badge: the snippet to paste and its verification page.
-- SQLite cannot alter a CHECK constraint, so the outbox is rebuilt with the same columns and
-- indexes (no table refers to it).
CREATE TABLE outbox_new (
    id              BLOB PRIMARY KEY,
    signature_id    BLOB REFERENCES signatures (id),
    kind            TEXT NOT NULL
        CHECK (kind IN ('confirm', 'thanks', 'already_signed', 'renew', 'handin', 'update',
                        'badge')),
    recipient       TEXT,
    confirm_token   TEXT,
    withdraw_token  TEXT,
    created_at      TEXT NOT NULL,
    attempts        INTEGER NOT NULL,
    next_attempt_at TEXT NOT NULL,
    lease_until     TEXT,
    sent_at         TEXT,
    failed_at       TEXT,
    last_error      TEXT,
    claim_id        TEXT,
    lane            INTEGER NOT NULL DEFAULT 1,
    handin_id       BLOB,
    update_id       BLOB,
    refused         INTEGER NOT NULL DEFAULT 0
);
INSERT INTO outbox_new (id, signature_id, kind, recipient, confirm_token, withdraw_token,
        created_at, attempts, next_attempt_at, lease_until, sent_at, failed_at, last_error,
        claim_id, lane, handin_id, update_id, refused)
    SELECT id, signature_id, kind, recipient, confirm_token, withdraw_token, created_at,
        attempts, next_attempt_at, lease_until, sent_at, failed_at, last_error, claim_id, lane,
        handin_id, update_id, refused
    FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_claimed ON outbox (claim_id) WHERE sent_at IS NULL AND failed_at IS NULL;
CREATE INDEX outbox_due ON outbox (lane, next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;
CREATE UNIQUE INDEX outbox_one_per_update ON outbox (update_id, signature_id)
    WHERE update_id IS NOT NULL;
