-- Same as migrations/postgres/0010_erased_at.sql, with SQLite's text timestamps.
-- An erased signature is told apart from a withdrawn one in listings and exports.
ALTER TABLE signatures ADD COLUMN erased_at TEXT;
