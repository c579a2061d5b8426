-- A worker reads back the emails it has just claimed by their claim id. Only unsent emails
-- are in the index, so it stays the size of the queue, not of every email ever sent.
CREATE INDEX outbox_claimed ON outbox (claim_id) WHERE sent_at IS NULL AND failed_at IS NULL;
