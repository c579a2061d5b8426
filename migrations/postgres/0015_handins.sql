-- Hand-ins: a campaign's decision-makers (a JSON array of name, role and, never shown in
-- public, email), and each hand-in frozen as the bundle given to them, with its manifest and
-- the manifest's SHA-256 that anyone given the bundle can check against the campaign's page.
ALTER TABLE campaigns ADD COLUMN targets TEXT NOT NULL DEFAULT '[]';

CREATE TABLE handins (
    id              UUID PRIMARY KEY,
    campaign_id     UUID NOT NULL REFERENCES campaigns (id),
    created_at      TIMESTAMPTZ NOT NULL,
    created_by      UUID REFERENCES users (id),
    total           BIGINT NOT NULL,
    listed          BIGINT NOT NULL,
    manifest        TEXT NOT NULL,
    manifest_sha256 TEXT NOT NULL,
    -- The zip as handed in.
    bundle          BYTEA NOT NULL
);
CREATE INDEX handins_campaign ON handins (campaign_id, created_at);
