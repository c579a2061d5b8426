-- Updates to signers: an outcome (to every confirmed signer) or news (to those who agreed to
-- be contacted), each queued once per signer in the outbox; and a signer's one-click
-- unsubscribe, honoured for every later update of that campaign.
CREATE TABLE updates (
    id         UUID PRIMARY KEY,
    campaign_id UUID NOT NULL REFERENCES campaigns (id),
    kind       TEXT NOT NULL CHECK (kind IN ('outcome', 'news')),
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    created_by UUID REFERENCES users (id),
    recipients BIGINT NOT NULL
);
CREATE INDEX updates_campaign ON updates (campaign_id, created_at);

ALTER TABLE signatures ADD COLUMN unsubscribed_at TIMESTAMPTZ;

-- At most one email per signer per update.
CREATE UNIQUE INDEX outbox_one_per_update ON outbox (update_id, signature_id)
    WHERE update_id IS NOT NULL;
