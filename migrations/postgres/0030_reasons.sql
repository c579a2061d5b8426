-- Why people signed: a campaign may invite a short reason with each signature (never from a
-- young signer). A reason is shown publicly only once an organiser approves it, with the
-- signer's first name and constituency or with nothing, as the signer chose; anyone may report
-- one, and the organisers may feature it on the campaign's page and in its hand-in.
ALTER TABLE campaigns ADD COLUMN invite_reasons BOOLEAN NOT NULL DEFAULT FALSE;
CREATE TABLE signature_reasons (
    signature_id UUID PRIMARY KEY REFERENCES signatures (id),
    campaign_id  UUID NOT NULL REFERENCES campaigns (id),
    text         TEXT NOT NULL,
    shown_as     TEXT NOT NULL CHECK (shown_as IN ('name', 'anonymous')),
    review       TEXT NOT NULL CHECK (review IN ('pending', 'approved', 'rejected')),
    featured     BOOLEAN NOT NULL DEFAULT FALSE,
    reports      INTEGER NOT NULL DEFAULT 0,
    created_at   TIMESTAMPTZ NOT NULL,
    reviewed_at  TIMESTAMPTZ,
    reviewed_by  UUID REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX signature_reasons_campaign ON signature_reasons (campaign_id, review, created_at);
