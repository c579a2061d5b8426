-- Same tables as migrations/postgres/0019_handin_redactions.sql, with SQLite's types.
-- When a signer listed in a hand-in is erased, the stored bundle is redacted: each redaction's
-- time, reason and the SHA-256 of the redacted bundle's manifest, kept beside the original's
-- (handins.manifest_sha256, which the campaign's page still shows).
CREATE TABLE handin_redactions (
    handin_id       BLOB NOT NULL REFERENCES handins (id),
    redacted_at     TEXT NOT NULL,
    reason          TEXT NOT NULL,
    manifest_sha256 TEXT NOT NULL
);
CREATE INDEX handin_redactions_handin ON handin_redactions (handin_id, redacted_at);

-- The audit log records each redaction; SQLite cannot alter its CHECK constraint, so the table
-- is rebuilt with the same columns (nothing refers to it).
CREATE TABLE audit_log_new (
    id           BLOB PRIMARY KEY,
    at           TEXT NOT NULL,
    -- The organiser who acted; NULL for the service itself (retention purges).
    actor_id     BLOB REFERENCES users (id),
    action       TEXT NOT NULL CHECK (action IN ('export', 'erase', 'review', 'purge',
                                                 'partner_created', 'partner_revoked',
                                                 'webhook_created', 'webhook_deleted',
                                                 'webhook_rotated', 'handin_created',
                                                 'handin_redacted', 'handin_delivered',
                                                 'update_sent')),
    campaign_id  BLOB NOT NULL REFERENCES campaigns (id),
    signature_id BLOB,
    rows         INTEGER NOT NULL,
    detail       TEXT NOT NULL
);
INSERT INTO audit_log_new (id, at, actor_id, action, campaign_id, signature_id, rows, detail)
    SELECT id, at, actor_id, action, campaign_id, signature_id, rows, detail FROM audit_log;
DROP TABLE audit_log;
ALTER TABLE audit_log_new RENAME TO audit_log;
CREATE INDEX audit_log_at ON audit_log (at);

-- The name emails are sent under, as an admin sets it for each account: never what an organiser
-- types into a campaign or an update (NULL: the service's own From name).
ALTER TABLE users ADD COLUMN sender_name TEXT;
