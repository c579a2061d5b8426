-- An organisation's look: a main colour, a logo and a website on the account; a campaign may
-- set its own colour and logo. Logos are stored as the service re-encoded them.
ALTER TABLE users ADD COLUMN brand_colour TEXT;
ALTER TABLE users ADD COLUMN brand_website TEXT;
ALTER TABLE users ADD COLUMN brand_logo UUID;
ALTER TABLE campaigns ADD COLUMN brand_colour TEXT;
ALTER TABLE campaigns ADD COLUMN brand_logo UUID;

CREATE TABLE logos (
    id           UUID PRIMARY KEY,
    content_type TEXT NOT NULL,
    width        INTEGER NOT NULL,
    height       INTEGER NOT NULL,
    bytes        BYTEA NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);
