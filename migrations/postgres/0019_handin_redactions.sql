-- When a signer listed in a hand-in is erased, the stored bundle is redacted: each redaction's
-- time, reason and the SHA-256 of the redacted bundle's manifest, kept beside the original's
-- (handins.manifest_sha256, which the campaign's page still shows).
CREATE TABLE handin_redactions (
    handin_id       UUID NOT NULL REFERENCES handins (id),
    redacted_at     TIMESTAMPTZ NOT NULL,
    reason          TEXT NOT NULL,
    manifest_sha256 TEXT NOT NULL
);
CREATE INDEX handin_redactions_handin ON handin_redactions (handin_id, redacted_at);

ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_action_check
    CHECK (action IN ('export', 'erase', 'review', 'purge', 'partner_created', 'partner_revoked',
                      'webhook_created', 'webhook_deleted', 'webhook_rotated', 'handin_created',
                      'handin_redacted', 'handin_delivered', 'update_sent'));

-- The name emails are sent under, as an admin sets it for each account: never what an organiser
-- types into a campaign or an update (NULL: the service's own From name).
ALTER TABLE users ADD COLUMN sender_name TEXT;
