-- Why people signed: a campaign may invite a short reason with each signature (never from a
-- young signer). A reason is shown publicly only once an organiser approves it, with the
-- signer's first name and constituency or with nothing, as the signer chose; anyone may report
-- one, and the organisers may feature it on the campaign's page and in its hand-in.
ALTER TABLE campaigns ADD COLUMN invite_reasons INTEGER NOT NULL DEFAULT 0;
CREATE TABLE signature_reasons (
    signature_id BLOB PRIMARY KEY REFERENCES signatures (id),
    campaign_id  BLOB NOT NULL REFERENCES campaigns (id),
    text         TEXT NOT NULL,
    shown_as     TEXT NOT NULL CHECK (shown_as IN ('name', 'anonymous')),
    review       TEXT NOT NULL CHECK (review IN ('pending', 'approved', 'rejected')),
    featured     INTEGER NOT NULL DEFAULT 0,
    reports      INTEGER NOT NULL DEFAULT 0,
    created_at   TEXT NOT NULL,
    reviewed_at  TEXT,
    reviewed_by  BLOB REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX signature_reasons_campaign ON signature_reasons (campaign_id, review, created_at);
