-- Single-use links about accounts, only their SHA-256 kept: an invitation an admin sends
-- (the invitee chooses their own password; 72 hours) and a password reset (30 minutes). A
-- used link stays, as the record of who invited whom and when a password was reset.
CREATE TABLE account_links (
    token_hash TEXT PRIMARY KEY,
    purpose    TEXT NOT NULL CHECK (purpose IN ('invitation', 'reset')),
    email      TEXT NOT NULL,
    is_admin   BOOLEAN NOT NULL DEFAULT FALSE,
    -- The admin who invited, or the account being reset.
    user_id    UUID NOT NULL REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ
);
CREATE INDEX account_links_by_email ON account_links (email, purpose);
