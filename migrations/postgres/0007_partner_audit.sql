-- Issuing and revoking a partner's API key are recorded in the audit log too.
ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_action_check
    CHECK (action IN ('export', 'erase', 'review', 'purge', 'partner_created', 'partner_revoked'));
