-- One-time links that create the first admin from a browser. A start that finds no account
-- adds one and writes the link to its log; only the link's hash is kept. Creating the first
-- admin spends every one of them.
CREATE TABLE setup_tokens (
    token_hash TEXT PRIMARY KEY,
    created_at TIMESTAMPTZ NOT NULL
);
