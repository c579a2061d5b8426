-- What organisers do with signatures: the audit log of exports, erasures, moderation and
-- purges, and when a campaign's personal data was purged.
ALTER TABLE campaigns ADD COLUMN purged_at TIMESTAMPTZ;

CREATE TABLE audit_log (
    id           UUID PRIMARY KEY,
    at           TIMESTAMPTZ NOT NULL,
    -- The organiser who acted; NULL for the service itself (retention purges).
    actor_id     UUID REFERENCES users (id),
    action       TEXT NOT NULL CHECK (action IN ('export', 'erase', 'review', 'purge')),
    campaign_id  UUID NOT NULL REFERENCES campaigns (id),
    signature_id UUID,
    rows         BIGINT NOT NULL,
    detail       TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);
