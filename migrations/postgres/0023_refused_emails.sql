-- An email the receiving mail server refused for good (an unknown address, a full mailbox
-- it will not queue for): failed at once rather than retried, and counted as a bounce.
ALTER TABLE outbox ADD COLUMN refused BOOLEAN NOT NULL DEFAULT FALSE;
