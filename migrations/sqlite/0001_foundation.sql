-- Organiser accounts and campaigns. Times are RFC 3339 text in UTC; UUIDs are 16-byte blobs;
-- JSON columns are text. Same tables and columns as migrations/postgres/0001_foundation.sql.
CREATE TABLE users (
    id            BLOB PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    is_admin      INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL
);

CREATE TABLE campaigns (
    id                   BLOB PRIMARY KEY,
    slug                 TEXT NOT NULL UNIQUE,
    kind                 TEXT NOT NULL CHECK (kind IN ('petition', 'letter')),
    title                TEXT NOT NULL,
    summary              TEXT NOT NULL,
    body                 TEXT NOT NULL,
    recipient            TEXT,
    target               INTEGER,
    milestones           TEXT NOT NULL,
    closes_at            TEXT,
    require_confirmation INTEGER NOT NULL,
    allowed_origins      TEXT NOT NULL,
    retention_days       INTEGER NOT NULL,
    status               TEXT NOT NULL CHECK (status IN ('draft', 'open', 'closed')),
    owner_id             BLOB NOT NULL REFERENCES users (id),
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL,
    opened_at            TEXT,
    closed_at            TEXT
);

CREATE INDEX campaigns_owner_id ON campaigns (owner_id);
CREATE INDEX campaigns_status ON campaigns (status);
