-- Signing: consent wordings (versioned), signatures, their confirmation and withdrawal tokens,
-- the durable email outbox, sharded campaign counts and the key for hashing emails.

ALTER TABLE campaigns ADD COLUMN consent_version INTEGER NOT NULL DEFAULT 1;

CREATE TABLE consent_wordings (
    campaign_id   UUID NOT NULL REFERENCES campaigns (id),
    version       INTEGER NOT NULL,
    contact_basis TEXT NOT NULL CHECK (contact_basis IN ('consent', 'soft_opt_in')),
    public_text   TEXT NOT NULL,
    contact_text  TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (campaign_id, version)
);

CREATE TABLE signatures (
    id                 UUID PRIMARY KEY,
    campaign_id        UUID NOT NULL REFERENCES campaigns (id),
    -- HMAC-SHA256 of the normalised email under the instance key: the deduplication key,
    -- which outlives the email itself when personal data is erased.
    email_hash         TEXT NOT NULL,
    email              TEXT,
    name               TEXT,
    postcode           TEXT,
    postcode_area      TEXT,
    country            TEXT NOT NULL,
    signatory_type     TEXT NOT NULL CHECK (signatory_type IN ('individual', 'organisation')),
    organisation       TEXT,
    organisation_key   TEXT,
    role               TEXT,
    public             BOOLEAN NOT NULL,
    contact            BOOLEAN NOT NULL,
    consent_version    INTEGER NOT NULL,
    source             TEXT,
    status             TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'withdrawn', 'spam')),
    review             TEXT NOT NULL CHECK (review IN ('pending', 'approved', 'rejected')),
    possible_duplicate BOOLEAN NOT NULL,
    emails_sent        INTEGER NOT NULL,
    signed_at          TIMESTAMPTZ NOT NULL,
    confirmed_at       TIMESTAMPTZ,
    withdrawn_at       TIMESTAMPTZ,
    FOREIGN KEY (campaign_id, consent_version) REFERENCES consent_wordings (campaign_id, version)
);

-- One live signature per email per campaign (PRODUCT invariant 2); withdrawn and spam
-- signatures do not block signing again.
CREATE UNIQUE INDEX signatures_one_per_email
    ON signatures (campaign_id, email_hash) WHERE status IN ('pending', 'confirmed');
CREATE INDEX signatures_campaign_signed_at ON signatures (campaign_id, signed_at);
CREATE INDEX signatures_organisation_key
    ON signatures (campaign_id, organisation_key) WHERE organisation_key IS NOT NULL;

CREATE TABLE signature_tokens (
    token_hash   TEXT PRIMARY KEY,
    signature_id UUID NOT NULL REFERENCES signatures (id),
    purpose      TEXT NOT NULL CHECK (purpose IN ('confirm', 'withdraw')),
    expires_at   TIMESTAMPTZ
);
CREATE INDEX signature_tokens_signature_id ON signature_tokens (signature_id);

-- Emails waiting to be sent, written in the same transaction as what caused them. The
-- tokens are kept in clear only until the message is sent.
CREATE TABLE outbox (
    id              UUID PRIMARY KEY,
    signature_id    UUID NOT NULL REFERENCES signatures (id),
    kind            TEXT NOT NULL CHECK (kind IN ('confirm', 'thanks', 'already_signed')),
    recipient       TEXT,
    confirm_token   TEXT,
    withdraw_token  TEXT,
    created_at      TIMESTAMPTZ NOT NULL,
    attempts        INTEGER NOT NULL,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    lease_until     TIMESTAMPTZ,
    sent_at         TIMESTAMPTZ,
    failed_at       TIMESTAMPTZ,
    last_error      TEXT
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;

-- Counts kept in several rows per campaign, so that concurrent signers do not queue on one
-- row's lock; a campaign's count is the sum of its rows.
CREATE TABLE campaign_counts (
    campaign_id             UUID NOT NULL REFERENCES campaigns (id),
    shard                   INTEGER NOT NULL,
    confirmed_individuals   BIGINT NOT NULL,
    confirmed_organisations BIGINT NOT NULL,
    pending                 BIGINT NOT NULL,
    updated_at              TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (campaign_id, shard)
);

CREATE TABLE instance_secrets (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

ALTER TABLE outbox ADD COLUMN claim_id TEXT;

-- Campaigns created before consent wordings existed get the default wording as version 1.
INSERT INTO consent_wordings (campaign_id, version, contact_basis, public_text, contact_text, created_at)
SELECT id, 1, 'consent',
       CASE kind
           WHEN 'letter' THEN 'List my name, role and organisation publicly as a signatory of this letter.'
           ELSE 'Show my name on the public list of people who signed.'
       END,
       'Email me about this campaign and the organisers'' related work. I can unsubscribe at any time.',
       created_at
FROM campaigns;
