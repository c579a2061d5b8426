-- Same tables and columns as migrations/postgres/0016_updates.sql, with SQLite's types.
-- Updates to signers: an outcome (to every confirmed signer) or news (to those who agreed to
-- be contacted), each queued once per signer in the outbox; and a signer's one-click
-- unsubscribe, honoured for every later update of that campaign.
CREATE TABLE updates (
    id         BLOB PRIMARY KEY,
    campaign_id BLOB NOT NULL REFERENCES campaigns (id),
    kind       TEXT NOT NULL CHECK (kind IN ('outcome', 'news')),
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by BLOB REFERENCES users (id),
    recipients INTEGER NOT NULL
);
CREATE INDEX updates_campaign ON updates (campaign_id, created_at);

ALTER TABLE signatures ADD COLUMN unsubscribed_at TEXT;

-- At most one email per signer per update.
CREATE UNIQUE INDEX outbox_one_per_update ON outbox (update_id, signature_id)
    WHERE update_id IS NOT NULL;
