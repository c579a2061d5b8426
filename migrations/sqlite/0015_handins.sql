-- Same tables and columns as migrations/postgres/0015_handins.sql, with SQLite's types.
-- Hand-ins: a campaign's decision-makers (a JSON array of name, role and, never shown in
-- public, email), and each hand-in frozen as the bundle given to them, with its manifest and
-- the manifest's SHA-256 that anyone given the bundle can check against the campaign's page.
ALTER TABLE campaigns ADD COLUMN targets TEXT NOT NULL DEFAULT '[]';

CREATE TABLE handins (
    id              BLOB PRIMARY KEY,
    campaign_id     BLOB NOT NULL REFERENCES campaigns (id),
    created_at      TEXT NOT NULL,
    created_by      BLOB REFERENCES users (id),
    total           INTEGER NOT NULL,
    listed          INTEGER NOT NULL,
    manifest        TEXT NOT NULL,
    manifest_sha256 TEXT NOT NULL,
    -- The zip as handed in.
    bundle          BLOB NOT NULL
);
CREATE INDEX handins_campaign ON handins (campaign_id, created_at);
