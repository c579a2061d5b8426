-- no-transaction
-- Same columns and constraints as migrations/postgres/0028_integrity.sql.
-- A count that can be defended: where each signature came from (a keyed hash of its client's
-- address block, never the address; its email's domain), bulk invalidation that can be
-- undone, and addresses refused at signing. SQLite cannot alter a CHECK constraint, so
-- `signatures` and `audit_log` are rebuilt with the same columns and indexes, foreign keys off
-- while they are, inside one transaction.
PRAGMA foreign_keys = OFF;
BEGIN;

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
    -- A signature the organisers invalidated leaves every count; the status it had is kept
    -- so that restoring it puts it back exactly.
    status              TEXT NOT NULL
        CHECK (status IN ('pending', 'confirmed', 'withdrawn', 'spam', 'lapsed', 'invalidated')),
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
    text_version        INTEGER NOT NULL DEFAULT 1,
    constituency        TEXT,
    council             TEXT,
    placed              INTEGER NOT NULL DEFAULT 0,
    invalidation_id     BLOB,
    status_before_invalidation TEXT
        CHECK (status_before_invalidation IN ('pending', 'confirmed')),
    -- The client's address block as a keyed hash (IPv4 /24, IPv6 /64) and, for IPv6, its
    -- /48: the integrity view groups by them; the address itself is never stored.
    client_block        TEXT,
    client_network      TEXT,
    -- The email's domain, lower case, in its IDNA form: kept when the email is erased.
    email_domain        TEXT,
    FOREIGN KEY (campaign_id, consent_version) REFERENCES consent_wordings (campaign_id, version)
);
INSERT INTO signatures_new (id, campaign_id, email_hash, email, name, postcode, postcode_area,
        country, signatory_type, organisation, organisation_key, role, public, contact,
        consent_version, source, status, review, possible_duplicate, emails_sent, signed_at,
        confirmed_at, withdrawn_at, email_key_version, erased_at, website, renewals,
        renewed_at, renewal_reminded_at, lapsed_at, unsubscribed_at, lang, age_band,
        text_version, constituency, council, placed, email_domain)
    SELECT id, campaign_id, email_hash, email, name, postcode, postcode_area, country,
        signatory_type, organisation, organisation_key, role, public, contact, consent_version,
        source, status, review, possible_duplicate, emails_sent, signed_at, confirmed_at,
        withdrawn_at, email_key_version, erased_at, website, renewals, renewed_at,
        renewal_reminded_at, lapsed_at, unsubscribed_at, lang, age_band, text_version,
        constituency, council, placed,
        CASE WHEN email IS NULL THEN NULL ELSE LOWER(SUBSTR(email, INSTR(email, '@') + 1)) END
    FROM signatures;
DROP TABLE signatures;
ALTER TABLE signatures_new RENAME TO signatures;
-- An invalidated signature's email stays spent on the campaign, so a flood that was
-- invalidated cannot sign again with the same addresses.
CREATE UNIQUE INDEX signatures_one_per_email
    ON signatures (campaign_id, email_hash) WHERE status IN ('pending', 'confirmed', 'invalidated');
CREATE INDEX signatures_campaign_signed_at ON signatures (campaign_id, signed_at);
CREATE INDEX signatures_organisation_key
    ON signatures (campaign_id, organisation_key) WHERE organisation_key IS NOT NULL;
CREATE INDEX signatures_campaign_confirmed ON signatures (campaign_id, confirmed_at)
    WHERE status = 'confirmed';
CREATE INDEX signatures_to_rekey ON signatures (signed_at) WHERE email_key_version = 1;
CREATE INDEX signatures_unplaced ON signatures (id) WHERE NOT placed;
CREATE INDEX signatures_invalidation ON signatures (invalidation_id) WHERE invalidation_id IS NOT NULL;

CREATE TABLE invalidations (
    id          BLOB PRIMARY KEY,
    campaign_id BLOB NOT NULL REFERENCES campaigns (id),
    filter      TEXT NOT NULL,
    reason      TEXT NOT NULL,
    signatures  INTEGER NOT NULL,
    confirmed   INTEGER NOT NULL,
    created_by  BLOB REFERENCES users (id) ON DELETE SET NULL,
    created_at  TEXT NOT NULL,
    restorable_until TEXT NOT NULL,
    restored_by BLOB REFERENCES users (id) ON DELETE SET NULL,
    restored_at TEXT
);
CREATE INDEX invalidations_campaign ON invalidations (campaign_id, created_at);

-- Email domains and patterns refused at signing: a campaign's own (a JSON array on the
-- campaign, read with it) and the whole service's.
ALTER TABLE campaigns ADD COLUMN blocklist TEXT NOT NULL DEFAULT '[]';
ALTER TABLE campaigns ADD COLUMN block_disposable INTEGER NOT NULL DEFAULT 0;
CREATE TABLE service_blocklist (
    pattern  TEXT PRIMARY KEY,
    -- Its place in the list as the admin wrote it.
    position INTEGER NOT NULL,
    added_at TEXT NOT NULL
);

CREATE TABLE audit_log_new (
    id           BLOB PRIMARY KEY,
    at           TEXT NOT NULL,
    -- The organiser who acted; NULL for the service itself (retention purges).
    actor_id     BLOB REFERENCES users (id),
    action       TEXT NOT NULL CHECK (action IN ('export', 'erase', 'review', 'purge',
                                                 'partner_created', 'partner_revoked',
                                                 'webhook_created', 'webhook_deleted',
                                                 'webhook_rotated', 'handin_created',
                                                 'handin_redacted', 'handin_delivered',
                                                 'update_sent', 'campaign_text_changed',
                                                 'invalidated', 'restored', 'blocklist_changed',
                                                 'paper_entered', 'reason_reviewed')),
    campaign_id  BLOB NOT NULL REFERENCES campaigns (id),
    signature_id BLOB,
    rows         INTEGER NOT NULL,
    detail       TEXT NOT NULL
);
INSERT INTO audit_log_new (id, at, actor_id, action, campaign_id, signature_id, rows, detail)
    SELECT id, at, actor_id, action, campaign_id, signature_id, rows, detail FROM audit_log;
DROP TABLE audit_log;
ALTER TABLE audit_log_new RENAME TO audit_log;
CREATE INDEX audit_log_at ON audit_log (at);

COMMIT;
PRAGMA foreign_keys = ON;
