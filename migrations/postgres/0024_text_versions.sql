-- The text signers were given. Once a campaign has a confirmed signature, a change to its
-- title, summary, body, recipient or translations makes a new version: the one replaced is
-- kept here whole, and each signature records the version it was given.
ALTER TABLE campaigns ADD COLUMN text_version INTEGER NOT NULL DEFAULT 1;
-- When the current version replaced the one before (none for the first).
ALTER TABLE campaigns ADD COLUMN text_changed_at TIMESTAMPTZ;
ALTER TABLE signatures ADD COLUMN text_version INTEGER NOT NULL DEFAULT 1;

CREATE TABLE campaign_texts (
    campaign_id  UUID NOT NULL REFERENCES campaigns (id),
    version      INTEGER NOT NULL,
    title        TEXT NOT NULL,
    summary      TEXT NOT NULL,
    body         TEXT NOT NULL,
    recipient    TEXT,
    translations TEXT NOT NULL,
    began_at     TIMESTAMPTZ NOT NULL,
    ended_at     TIMESTAMPTZ NOT NULL,
    -- Who replaced it: the account that made the next version.
    ended_by     UUID REFERENCES users (id) ON DELETE SET NULL,
    PRIMARY KEY (campaign_id, version)
);

-- A change of the text after signing is in the audit log.
ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_action_check
    CHECK (action IN ('export', 'erase', 'review', 'purge', 'partner_created', 'partner_revoked',
                      'webhook_created', 'webhook_deleted', 'webhook_rotated', 'handin_created',
                      'handin_redacted', 'handin_delivered', 'update_sent',
                      'campaign_text_changed'));
