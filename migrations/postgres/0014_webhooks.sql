-- Webhooks (Standard Webhooks 1.0): each campaign's subscribers and the messages due to them,
-- written in the same transaction as the change each reports. The audit log records webhooks
-- made, removed and their secrets rotated, hand-ins made and delivered, and updates sent.
CREATE TABLE webhooks (
    id                    UUID PRIMARY KEY,
    campaign_id           UUID NOT NULL REFERENCES campaigns (id),
    url                   TEXT NOT NULL,
    -- A JSON array of event names.
    events                TEXT NOT NULL,
    include_personal_data BOOLEAN NOT NULL,
    secret                TEXT NOT NULL,
    -- The secret before the last rotation, which signs too until previous_until.
    previous_secret       TEXT,
    previous_until        TIMESTAMPTZ,
    created_at            TIMESTAMPTZ NOT NULL,
    -- Set when a receiver answered 410 Gone: nothing more is sent to it.
    disabled_at           TIMESTAMPTZ,
    disabled_reason       TEXT
);
CREATE INDEX webhooks_campaign ON webhooks (campaign_id);

CREATE TABLE webhook_messages (
    -- The webhook-id header: the same on every retry.
    id              TEXT PRIMARY KEY,
    webhook_id      UUID NOT NULL REFERENCES webhooks (id),
    -- The signature it reports, so that erasing the signer can scrub its payload.
    signature_id    UUID,
    event           TEXT NOT NULL,
    payload         TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    attempts        INTEGER NOT NULL,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    lease_until     TIMESTAMPTZ,
    claim_id        TEXT,
    delivered_at    TIMESTAMPTZ,
    failed_at       TIMESTAMPTZ,
    last_status     INTEGER,
    last_error      TEXT
);
CREATE INDEX webhook_messages_due ON webhook_messages (next_attempt_at)
    WHERE delivered_at IS NULL AND failed_at IS NULL;
CREATE INDEX webhook_messages_webhook ON webhook_messages (webhook_id, created_at);
CREATE INDEX webhook_messages_signature ON webhook_messages (signature_id)
    WHERE signature_id IS NOT NULL;

ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_action_check
    CHECK (action IN ('export', 'erase', 'review', 'purge', 'partner_created', 'partner_revoked',
                      'webhook_created', 'webhook_deleted', 'webhook_rotated', 'handin_created',
                      'handin_delivered', 'update_sent'));
