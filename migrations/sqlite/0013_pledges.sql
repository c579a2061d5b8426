-- no-transaction
-- Same columns and constraints as migrations/postgres/0013_pledges.sql.
-- Pledges: a third campaign kind, a pledger's website, renewal of a pledge (how often, how many
-- times renewed, when last reminded) and its lapse, and the reminder email. The outbox also
-- takes emails that are not a signer's (a hand-in to its decision-makers) and updates to signers. SQLite cannot alter
-- a CHECK constraint, so the three tables are rebuilt with the same columns and indexes; other
-- tables refer to them by name, so foreign keys are off while they are, inside one transaction.
PRAGMA foreign_keys = OFF;
BEGIN;

CREATE TABLE campaigns_new (
    id                      BLOB PRIMARY KEY,
    slug                    TEXT NOT NULL UNIQUE,
    kind                    TEXT NOT NULL CHECK (kind IN ('petition', 'letter', 'pledge')),
    title                   TEXT NOT NULL,
    summary                 TEXT NOT NULL,
    body                    TEXT NOT NULL,
    recipient               TEXT,
    target                  INTEGER,
    milestones              TEXT NOT NULL,
    closes_at               TEXT,
    require_confirmation    INTEGER NOT NULL,
    allowed_origins         TEXT NOT NULL,
    retention_days          INTEGER NOT NULL,
    status                  TEXT NOT NULL CHECK (status IN ('draft', 'open', 'closed')),
    owner_id                BLOB NOT NULL REFERENCES users (id),
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL,
    opened_at               TEXT,
    closed_at               TEXT,
    consent_version         INTEGER NOT NULL DEFAULT 1,
    purged_at               TEXT,
    organiser_name          TEXT,
    organiser_privacy_url   TEXT,
    organiser_contact_email TEXT,
    renew_after_months      INTEGER
);
INSERT INTO campaigns_new (id, slug, kind, title, summary, body, recipient, target, milestones,
        closes_at, require_confirmation, allowed_origins, retention_days, status, owner_id,
        created_at, updated_at, opened_at, closed_at, consent_version, purged_at, organiser_name,
        organiser_privacy_url, organiser_contact_email)
    SELECT id, slug, kind, title, summary, body, recipient, target, milestones, closes_at,
        require_confirmation, allowed_origins, retention_days, status, owner_id, created_at,
        updated_at, opened_at, closed_at, consent_version, purged_at, organiser_name,
        organiser_privacy_url, organiser_contact_email
    FROM campaigns;
DROP TABLE campaigns;
ALTER TABLE campaigns_new RENAME TO campaigns;
CREATE INDEX campaigns_owner_id ON campaigns (owner_id);
CREATE INDEX campaigns_status ON campaigns (status);

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
    review              TEXT NOT NULL CHECK (review IN ('pending', 'approved', 'rejected')),
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
    FOREIGN KEY (campaign_id, consent_version) REFERENCES consent_wordings (campaign_id, version)
);
INSERT INTO signatures_new (id, campaign_id, email_hash, email, name, postcode, postcode_area,
        country, signatory_type, organisation, organisation_key, role, public, contact,
        consent_version, source, status, review, possible_duplicate, emails_sent, signed_at,
        confirmed_at, withdrawn_at, email_key_version, erased_at)
    SELECT id, campaign_id, email_hash, email, name, postcode, postcode_area, country,
        signatory_type, organisation, organisation_key, role, public, contact, consent_version,
        source, status, review, possible_duplicate, emails_sent, signed_at, confirmed_at,
        withdrawn_at, email_key_version, erased_at
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

-- The outbox also carries emails that are no signer's: a hand-in to a decision-maker.
CREATE TABLE outbox_new (
    id              BLOB PRIMARY KEY,
    signature_id    BLOB REFERENCES signatures (id),
    kind            TEXT NOT NULL
        CHECK (kind IN ('confirm', 'thanks', 'already_signed', 'renew', 'handin', 'update')),
    recipient       TEXT,
    confirm_token   TEXT,
    withdraw_token  TEXT,
    created_at      TEXT NOT NULL,
    attempts        INTEGER NOT NULL,
    next_attempt_at TEXT NOT NULL,
    lease_until     TEXT,
    sent_at         TEXT,
    failed_at       TEXT,
    last_error      TEXT,
    claim_id        TEXT,
    lane            INTEGER NOT NULL DEFAULT 1,
    handin_id       BLOB,
    update_id       BLOB
);
INSERT INTO outbox_new (id, signature_id, kind, recipient, confirm_token, withdraw_token,
        created_at, attempts, next_attempt_at, lease_until, sent_at, failed_at, last_error,
        claim_id, lane)
    SELECT id, signature_id, kind, recipient, confirm_token, withdraw_token, created_at,
        attempts, next_attempt_at, lease_until, sent_at, failed_at, last_error, claim_id, lane
    FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_claimed ON outbox (claim_id) WHERE sent_at IS NULL AND failed_at IS NULL;
CREATE INDEX outbox_due ON outbox (lane, next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;

COMMIT;
PRAGMA foreign_keys = ON;
