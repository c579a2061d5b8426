-- Same tables as migrations/postgres/0014_webhooks.sql, with SQLite's types.
-- Webhooks (Standard Webhooks 1.0): each campaign's subscribers and the messages due to them,
-- written in the same transaction as the change each reports. The audit log records webhooks
-- made, removed and their secrets rotated, hand-ins made and delivered, and updates sent; SQLite cannot alter its CHECK constraint, so the
-- table is rebuilt with the same columns (nothing refers to it).
CREATE TABLE webhooks (
    id                    BLOB PRIMARY KEY,
    campaign_id           BLOB NOT NULL REFERENCES campaigns (id),
    url                   TEXT NOT NULL,
    -- A JSON array of event names.
    events                TEXT NOT NULL,
    include_personal_data INTEGER NOT NULL,
    secret                TEXT NOT NULL,
    -- The secret before the last rotation, which signs too until previous_until.
    previous_secret       TEXT,
    previous_until        TEXT,
    created_at            TEXT NOT NULL,
    -- Set when a receiver answered 410 Gone: nothing more is sent to it.
    disabled_at           TEXT,
    disabled_reason       TEXT
);
CREATE INDEX webhooks_campaign ON webhooks (campaign_id);

CREATE TABLE webhook_messages (
    -- The webhook-id header: the same on every retry.
    id              TEXT PRIMARY KEY,
    webhook_id      BLOB NOT NULL REFERENCES webhooks (id),
    -- The signature it reports, so that erasing the signer can scrub its payload.
    signature_id    BLOB,
    event           TEXT NOT NULL,
    payload         TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    attempts        INTEGER NOT NULL,
    next_attempt_at TEXT NOT NULL,
    lease_until     TEXT,
    claim_id        TEXT,
    delivered_at    TEXT,
    failed_at       TEXT,
    last_status     INTEGER,
    last_error      TEXT
);
CREATE INDEX webhook_messages_due ON webhook_messages (next_attempt_at)
    WHERE delivered_at IS NULL AND failed_at IS NULL;
CREATE INDEX webhook_messages_webhook ON webhook_messages (webhook_id, created_at);
CREATE INDEX webhook_messages_signature ON webhook_messages (signature_id)
    WHERE signature_id IS NOT NULL;

CREATE TABLE audit_log_new (
    id           BLOB PRIMARY KEY,
    at           TEXT NOT NULL,
    -- The organiser who acted; NULL for the service itself (retention purges).
    actor_id     BLOB REFERENCES users (id),
    action       TEXT NOT NULL CHECK (action IN ('export', 'erase', 'review', 'purge',
                                                 'partner_created', 'partner_revoked',
                                                 'webhook_created', 'webhook_deleted',
                                                 'webhook_rotated', 'handin_created',
                                                 'handin_delivered', 'update_sent')),
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
