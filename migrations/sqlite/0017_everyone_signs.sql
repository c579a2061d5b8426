-- no-transaction
-- Same columns and constraints as migrations/postgres/0017_everyone_signs.sql.
-- Everyone can sign: a campaign's language and its texts in the other one, young signers
-- (an age band on each signature, a shorter retention for the under-18s), proof-of-work
-- against bots (each solution spent once), the language each signer signed in, and a
-- signature held for the organiser's review (sent without the proof the campaign asks for,
-- as a browser without JavaScript does) that counts only once approved. SQLite cannot alter
-- a CHECK constraint, so `signatures` is rebuilt with the same columns and indexes, foreign
-- keys off while it is, inside one transaction.
PRAGMA foreign_keys = OFF;
BEGIN;

ALTER TABLE campaigns ADD COLUMN lang TEXT NOT NULL DEFAULT 'en' CHECK (lang IN ('en', 'cy'));
ALTER TABLE campaigns ADD COLUMN translations TEXT NOT NULL DEFAULT '{}';
ALTER TABLE campaigns ADD COLUMN young_signers INTEGER NOT NULL DEFAULT 0;
ALTER TABLE campaigns ADD COLUMN young_retention_days INTEGER NOT NULL DEFAULT 90;
ALTER TABLE campaigns ADD COLUMN require_proof_of_work INTEGER NOT NULL DEFAULT 0;

CREATE TABLE signatures_new (
    id                  BLOB PRIMARY KEY,
    campaign_id         BLOB NOT NULL REFERENCES campaigns (id),
    -- HMAC-SHA256 of the normalised email under the instance key: the deduplication key,
    -- which outlives the email itself when personal data is erased.
    email_hash          TEXT NOT NULL,
    email               TEXT,
    name                TEXT,
    postcode            TEXT,
    postcode_area       TEXT,
    country             TEXT NOT NULL,
    signatory_type      TEXT NOT NULL CHECK (signatory_type IN ('individual', 'organisation')),
    organisation        TEXT,
    organisation_key    TEXT,
    role                TEXT,
    public              INTEGER NOT NULL,
    contact             INTEGER NOT NULL,
    consent_version     INTEGER NOT NULL,
    source              TEXT,
    status              TEXT NOT NULL
        CHECK (status IN ('pending', 'confirmed', 'withdrawn', 'spam', 'lapsed')),
    review              TEXT NOT NULL CHECK (review IN ('pending', 'approved', 'rejected', 'held')),
    possible_duplicate  INTEGER NOT NULL,
    emails_sent         INTEGER NOT NULL,
    signed_at           TEXT NOT NULL,
    confirmed_at        TEXT,
    withdrawn_at        TEXT,
    email_key_version   INTEGER NOT NULL DEFAULT 1,
    erased_at           TEXT,
    website             TEXT,
    renewals            INTEGER NOT NULL DEFAULT 0,
    renewed_at          TEXT,
    renewal_reminded_at TEXT,
    lapsed_at           TEXT,
    unsubscribed_at     TEXT,
    lang                TEXT NOT NULL DEFAULT 'en' CHECK (lang IN ('en', 'cy')),
    age_band            TEXT CHECK (age_band IN ('under-13', '13-15', '16-17', '18-plus')),
    FOREIGN KEY (campaign_id, consent_version) REFERENCES consent_wordings (campaign_id, version)
);
INSERT INTO signatures_new (id, campaign_id, email_hash, email, name, postcode, postcode_area,
        country, signatory_type, organisation, organisation_key, role, public, contact,
        consent_version, source, status, review, possible_duplicate, emails_sent, signed_at,
        confirmed_at, withdrawn_at, email_key_version, erased_at, website, renewals,
        renewed_at, renewal_reminded_at, lapsed_at, unsubscribed_at)
    SELECT id, campaign_id, email_hash, email, name, postcode, postcode_area, country,
        signatory_type, organisation, organisation_key, role, public, contact, consent_version,
        source, status, review, possible_duplicate, emails_sent, signed_at, confirmed_at,
        withdrawn_at, email_key_version, erased_at, website, renewals, renewed_at,
        renewal_reminded_at, lapsed_at, unsubscribed_at
    FROM signatures;
DROP TABLE signatures;
ALTER TABLE signatures_new RENAME TO signatures;
CREATE UNIQUE INDEX signatures_one_per_email
    ON signatures (campaign_id, email_hash) WHERE status IN ('pending', 'confirmed');
CREATE INDEX signatures_campaign_signed_at ON signatures (campaign_id, signed_at);
CREATE INDEX signatures_organisation_key
    ON signatures (campaign_id, organisation_key) WHERE organisation_key IS NOT NULL;
CREATE INDEX signatures_campaign_confirmed ON signatures (campaign_id, confirmed_at)
    WHERE status = 'confirmed';
CREATE INDEX signatures_to_rekey ON signatures (signed_at) WHERE email_key_version = 1;

-- Confirmed signers by age band, counted with the rest, so that a count can say how many
-- children and young people signed without reading the signatures.
ALTER TABLE campaign_counts ADD COLUMN confirmed_under_13 INTEGER NOT NULL DEFAULT 0;
ALTER TABLE campaign_counts ADD COLUMN confirmed_13_15 INTEGER NOT NULL DEFAULT 0;
ALTER TABLE campaign_counts ADD COLUMN confirmed_16_17 INTEGER NOT NULL DEFAULT 0;
ALTER TABLE campaign_counts ADD COLUMN confirmed_18_plus INTEGER NOT NULL DEFAULT 0;

-- A proof-of-work solution, by its challenge, until the challenge expires: a second use is a
-- replay.
CREATE TABLE spent_challenges (
    challenge  TEXT PRIMARY KEY,
    expires_at TEXT NOT NULL
);
CREATE INDEX spent_challenges_expiry ON spent_challenges (expires_at);

COMMIT;
PRAGMA foreign_keys = ON;
