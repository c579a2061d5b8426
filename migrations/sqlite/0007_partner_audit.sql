-- Same constraint as migrations/postgres/0007_partner_audit.sql.
-- Issuing and revoking a partner's API key are recorded in the audit log too. SQLite cannot
-- alter a CHECK constraint, so the table is rebuilt with the same columns.
CREATE TABLE audit_log_new (
    id           BLOB PRIMARY KEY,
    at           TEXT NOT NULL,
    -- The organiser who acted; NULL for the service itself (retention purges).
    actor_id     BLOB REFERENCES users (id),
    action       TEXT NOT NULL CHECK (action IN ('export', 'erase', 'review', 'purge',
                                                 'partner_created', 'partner_revoked')),
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
