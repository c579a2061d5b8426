-- Pledges: a third campaign kind, a pledger's website, renewal of a pledge (how often, how many
-- times renewed, when last reminded) and its lapse, and the reminder email.
ALTER TABLE campaigns DROP CONSTRAINT campaigns_kind_check;
ALTER TABLE campaigns ADD CONSTRAINT campaigns_kind_check
    CHECK (kind IN ('petition', 'letter', 'pledge'));
ALTER TABLE campaigns ADD COLUMN renew_after_months INTEGER;

ALTER TABLE signatures DROP CONSTRAINT signatures_status_check;
ALTER TABLE signatures ADD CONSTRAINT signatures_status_check
    CHECK (status IN ('pending', 'confirmed', 'withdrawn', 'spam', 'lapsed'));
ALTER TABLE signatures ADD COLUMN website TEXT;
ALTER TABLE signatures ADD COLUMN renewals INTEGER NOT NULL DEFAULT 0;
ALTER TABLE signatures ADD COLUMN renewed_at TIMESTAMPTZ;
ALTER TABLE signatures ADD COLUMN renewal_reminded_at TIMESTAMPTZ;
ALTER TABLE signatures ADD COLUMN lapsed_at TIMESTAMPTZ;

-- The outbox also carries emails that are no signer's (a hand-in to a decision-maker), and
-- updates to signers.
ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check
    CHECK (kind IN ('confirm', 'thanks', 'already_signed', 'renew', 'handin', 'update'));
ALTER TABLE outbox ALTER COLUMN signature_id DROP NOT NULL;
ALTER TABLE outbox ADD COLUMN handin_id UUID;
ALTER TABLE outbox ADD COLUMN update_id UUID;
