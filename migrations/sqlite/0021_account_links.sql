-- Single-use links about accounts, only their SHA-256 kept: an invitation an admin sends
-- (the invitee chooses their own password; 72 hours) and a password reset (30 minutes). A
-- used link stays, as the record of who invited whom and when a password was reset.
CREATE TABLE account_links (
    token_hash TEXT PRIMARY KEY,
    purpose    TEXT NOT NULL CHECK (purpose IN ('invitation', 'reset')),
    email      TEXT NOT NULL,
    is_admin   INTEGER NOT NULL DEFAULT 0,
    -- The admin who invited, or the account being reset.
    user_id    BLOB NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT
);
CREATE INDEX account_links_by_email ON account_links (email, purpose);
