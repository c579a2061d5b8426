-- The text signers were given. Once a campaign has a confirmed signature, a change to its
-- title, summary, body, recipient or translations makes a new version: the one replaced is
-- kept here whole, and each signature records the version it was given.
ALTER TABLE campaigns ADD COLUMN text_version INTEGER NOT NULL DEFAULT 1;
-- When the current version replaced the one before (none for the first).
ALTER TABLE campaigns ADD COLUMN text_changed_at TEXT;
ALTER TABLE signatures ADD COLUMN text_version INTEGER NOT NULL DEFAULT 1;

CREATE TABLE campaign_texts (
    campaign_id  BLOB NOT NULL REFERENCES campaigns (id),
    version      INTEGER NOT NULL,
    title        TEXT NOT NULL,
    summary      TEXT NOT NULL,
    body         TEXT NOT NULL,
    recipient    TEXT,
    translations TEXT NOT NULL,
    began_at     TEXT NOT NULL,
    ended_at     TEXT NOT NULL,
    -- Who replaced it: the account that made the next version.
    ended_by     BLOB REFERENCES users (id) ON DELETE SET NULL,
    PRIMARY KEY (campaign_id, version)
);

-- A change of the text after signing is in the audit log; SQLite cannot alter its CHECK
-- constraint, so the table is rebuilt with the same columns (nothing refers to it).
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
                                                 'update_sent', 'campaign_text_changed')),
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
