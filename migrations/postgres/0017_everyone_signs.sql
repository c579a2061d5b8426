-- Everyone can sign: a campaign's language and its texts in the other one, young signers
-- (an age band on each signature, a shorter retention for the under-18s), proof-of-work
-- against bots (each solution spent once), the language each signer signed in, and a
-- signature held for the organiser's review (sent without the proof the campaign asks for,
-- as a browser without JavaScript does) that counts only once approved.
ALTER TABLE campaigns ADD COLUMN lang TEXT NOT NULL DEFAULT 'en' CHECK (lang IN ('en', 'cy'));
ALTER TABLE campaigns ADD COLUMN translations TEXT NOT NULL DEFAULT '{}';
ALTER TABLE campaigns ADD COLUMN young_signers BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE campaigns ADD COLUMN young_retention_days INTEGER NOT NULL DEFAULT 90;
ALTER TABLE campaigns ADD COLUMN require_proof_of_work BOOLEAN NOT NULL DEFAULT FALSE;

ALTER TABLE signatures ADD COLUMN lang TEXT NOT NULL DEFAULT 'en' CHECK (lang IN ('en', 'cy'));
ALTER TABLE signatures ADD COLUMN age_band TEXT
    CHECK (age_band IN ('under-13', '13-15', '16-17', '18-plus'));
ALTER TABLE signatures DROP CONSTRAINT signatures_review_check;
ALTER TABLE signatures ADD CONSTRAINT signatures_review_check
    CHECK (review IN ('pending', 'approved', 'rejected', 'held'));

-- Confirmed signers by age band, counted with the rest, so that a count can say how many
-- children and young people signed without reading the signatures.
ALTER TABLE campaign_counts ADD COLUMN confirmed_under_13 BIGINT NOT NULL DEFAULT 0;
ALTER TABLE campaign_counts ADD COLUMN confirmed_13_15 BIGINT NOT NULL DEFAULT 0;
ALTER TABLE campaign_counts ADD COLUMN confirmed_16_17 BIGINT NOT NULL DEFAULT 0;
ALTER TABLE campaign_counts ADD COLUMN confirmed_18_plus BIGINT NOT NULL DEFAULT 0;

-- A proof-of-work solution, by its challenge, until the challenge expires: a second use is a
-- replay.
CREATE TABLE spent_challenges (
    challenge  TEXT PRIMARY KEY,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX spent_challenges_expiry ON spent_challenges (expires_at);
