-- A rehearsal: a hand-in built and emailed to its organiser alone, to check before the real
-- one. Never shown on the campaign's page or in its public JSON.
ALTER TABLE handins ADD COLUMN rehearsal INTEGER NOT NULL DEFAULT 0;
