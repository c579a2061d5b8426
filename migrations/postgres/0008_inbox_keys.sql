-- Signatures are deduplicated on the inbox an address delivers to (a `+tag` dropped, Gmail's
-- dots ignored) instead of the address as typed. The keyed hash cannot be computed in SQL, so
-- the service re-keys the existing signatures when it starts (version 1 -> 2); new ones are
-- written with version 2.
ALTER TABLE signatures ADD COLUMN email_key_version INTEGER NOT NULL DEFAULT 1;
CREATE INDEX signatures_to_rekey ON signatures (signed_at) WHERE email_key_version = 1;
