-- A count that can be defended: where each signature came from (a keyed hash of its client's
-- address block, never the address; its email's domain), bulk invalidation that can be
-- undone, and addresses refused at signing.

-- A signature the organisers invalidated leaves every count; the status it had is kept so
-- that restoring it puts it back exactly. Its email stays spent on the campaign meanwhile, so
-- a flood that was invalidated cannot sign again with the same addresses.
ALTER TABLE signatures DROP CONSTRAINT signatures_status_check;
ALTER TABLE signatures ADD CONSTRAINT signatures_status_check
    CHECK (status IN ('pending', 'confirmed', 'withdrawn', 'spam', 'lapsed', 'invalidated'));
DROP INDEX signatures_one_per_email;
CREATE UNIQUE INDEX signatures_one_per_email
    ON signatures (campaign_id, email_hash) WHERE status IN ('pending', 'confirmed', 'invalidated');
ALTER TABLE signatures ADD COLUMN invalidation_id UUID;
ALTER TABLE signatures ADD COLUMN status_before_invalidation TEXT
    CHECK (status_before_invalidation IN ('pending', 'confirmed'));
-- The client's address block as a keyed hash (IPv4 /24, IPv6 /64) and, for IPv6, its /48:
-- the integrity view groups by them; the address itself is never stored.
ALTER TABLE signatures ADD COLUMN client_block TEXT;
ALTER TABLE signatures ADD COLUMN client_network TEXT;
-- The email's domain, lower case, in its IDNA form: kept when the email is erased.
ALTER TABLE signatures ADD COLUMN email_domain TEXT;
UPDATE signatures SET email_domain = LOWER(SPLIT_PART(email, '@', 2)) WHERE email IS NOT NULL;

CREATE TABLE invalidations (
    id          UUID PRIMARY KEY,
    campaign_id UUID NOT NULL REFERENCES campaigns (id),
    filter      TEXT NOT NULL,
    reason      TEXT NOT NULL,
    signatures  BIGINT NOT NULL,
    confirmed   BIGINT NOT NULL,
    created_by  UUID REFERENCES users (id) ON DELETE SET NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    restorable_until TIMESTAMPTZ NOT NULL,
    restored_by UUID REFERENCES users (id) ON DELETE SET NULL,
    restored_at TIMESTAMPTZ
);
CREATE INDEX invalidations_campaign ON invalidations (campaign_id, created_at);
CREATE INDEX signatures_invalidation ON signatures (invalidation_id) WHERE invalidation_id IS NOT NULL;

-- Email domains and patterns refused at signing: a campaign's own (a JSON array on the
-- campaign, read with it) and the whole service's.
ALTER TABLE campaigns ADD COLUMN blocklist TEXT NOT NULL DEFAULT '[]';
ALTER TABLE campaigns ADD COLUMN block_disposable BOOLEAN NOT NULL DEFAULT FALSE;
CREATE TABLE service_blocklist (
    pattern  TEXT PRIMARY KEY,
    -- Its place in the list as the admin wrote it.
    position INTEGER NOT NULL,
    added_at TIMESTAMPTZ NOT NULL
);

ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_action_check
    CHECK (action IN ('export', 'erase', 'review', 'purge', 'partner_created', 'partner_revoked',
                      'webhook_created', 'webhook_deleted', 'webhook_rotated', 'handin_created',
                      'handin_redacted', 'handin_delivered', 'update_sent',
                      'campaign_text_changed', 'invalidated', 'restored', 'blocklist_changed',
                      'paper_entered', 'reason_reviewed'));
