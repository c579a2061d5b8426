-- Same tables and columns as migrations/postgres/0004_signatories.sql.
-- What organisers do with signatures: the audit log of exports, erasures, moderation and
-- purges, and when a campaign's personal data was purged.
ALTER TABLE campaigns ADD COLUMN purged_at TEXT;

CREATE TABLE audit_log (
    id           BLOB PRIMARY KEY,
    at           TEXT NOT NULL,
    -- The organiser who acted; NULL for the service itself (retention purges).
    actor_id     BLOB REFERENCES users (id),
    action       TEXT NOT NULL CHECK (action IN ('export', 'erase', 'review', 'purge')),
    campaign_id  BLOB NOT NULL REFERENCES campaigns (id),
    signature_id BLOB,
    rows         INTEGER NOT NULL,
    detail       TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);
