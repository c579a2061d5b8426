-- Organiser accounts and campaigns. Times are TIMESTAMPTZ and always written in UTC.
CREATE TABLE users (
    id            UUID PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    is_admin      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE campaigns (
    id                   UUID PRIMARY KEY,
    slug                 TEXT NOT NULL UNIQUE,
    kind                 TEXT NOT NULL CHECK (kind IN ('petition', 'letter')),
    title                TEXT NOT NULL,
    summary              TEXT NOT NULL,
    body                 TEXT NOT NULL,
    recipient            TEXT,
    target               BIGINT,
    milestones           JSONB NOT NULL,
    closes_at            TIMESTAMPTZ,
    require_confirmation BOOLEAN NOT NULL,
    allowed_origins      JSONB NOT NULL,
    retention_days       INTEGER NOT NULL,
    status               TEXT NOT NULL CHECK (status IN ('draft', 'open', 'closed')),
    owner_id             UUID NOT NULL REFERENCES users (id),
    created_at           TIMESTAMPTZ NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL,
    opened_at            TIMESTAMPTZ,
    closed_at            TIMESTAMPTZ
);

CREATE INDEX campaigns_owner_id ON campaigns (owner_id);
CREATE INDEX campaigns_status ON campaigns (status);
