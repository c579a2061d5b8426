-- Emails are sent in lanes: 0 for confirmations (a signature counts only once its
-- confirmation is opened), 1 for thank-you notes and reminders. Each lane is claimed on its
-- own, so the queue's index leads with the lane.
ALTER TABLE outbox ADD COLUMN lane INTEGER NOT NULL DEFAULT 1;
UPDATE outbox SET lane = 0 WHERE kind = 'confirm';
DROP INDEX outbox_due;
CREATE INDEX outbox_due ON outbox (lane, next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;
