-- Same tables and columns as migrations/postgres/0018_brand.sql, with SQLite's types.
-- An organisation's look: a main colour, a logo and a website on the account; a campaign may
-- set its own colour and logo. Logos are stored as the service re-encoded them.
ALTER TABLE users ADD COLUMN brand_colour TEXT;
ALTER TABLE users ADD COLUMN brand_website TEXT;
ALTER TABLE users ADD COLUMN brand_logo BLOB;
ALTER TABLE campaigns ADD COLUMN brand_colour TEXT;
ALTER TABLE campaigns ADD COLUMN brand_logo BLOB;

CREATE TABLE logos (
    id           BLOB PRIMARY KEY,
    content_type TEXT NOT NULL,
    width        INTEGER NOT NULL,
    height       INTEGER NOT NULL,
    bytes        BLOB NOT NULL,
    created_at   TEXT NOT NULL
);
