-- Partner sites credited with the signatures they bring (by `code`, the signatures' source),
-- and the SHA-256 of the API key of each that submits server-to-server.
CREATE TABLE partners (
    campaign_id UUID NOT NULL REFERENCES campaigns (id),
    code        TEXT NOT NULL,
    name        TEXT NOT NULL,
    key_hash    TEXT NOT NULL UNIQUE,
    created_at  TIMESTAMPTZ NOT NULL,
    revoked_at  TIMESTAMPTZ,
    PRIMARY KEY (campaign_id, code)
);
