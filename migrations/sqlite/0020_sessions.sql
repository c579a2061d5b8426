-- Sessions: each login makes one, and an access token names its session. Logging out, logging
-- out everywhere and a password change end them; kept here, so that a restart or another
-- instance honours them.
CREATE TABLE sessions (
    id         BLOB PRIMARY KEY,
    user_id    BLOB NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    user_agent TEXT,
    ended_at   TEXT
);
CREATE INDEX sessions_by_user ON sessions (user_id, created_at);
