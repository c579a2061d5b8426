-- Sessions: each login makes one, and an access token names its session. Logging out, logging
-- out everywhere and a password change end them; kept here, so that a restart or another
-- instance honours them.
CREATE TABLE sessions (
    id         UUID PRIMARY KEY,
    user_id    UUID NOT NULL REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    user_agent TEXT,
    ended_at   TIMESTAMPTZ
);
CREATE INDEX sessions_by_user ON sessions (user_id, created_at);
