-- Same tables and columns as migrations/postgres/0003_live_counts.sql.
-- Milestones, recorded once each, and every campaign's count rows made up front so that a
-- recount can lock all of them.
CREATE TABLE campaign_milestones (
    campaign_id BLOB NOT NULL REFERENCES campaigns (id),
    count       INTEGER NOT NULL,
    reached_at  TEXT NOT NULL,
    PRIMARY KEY (campaign_id, count)
);

WITH RECURSIVE shards (n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM shards WHERE n < 15)
INSERT INTO campaign_counts
    (campaign_id, shard, confirmed_individuals, confirmed_organisations, pending, updated_at)
SELECT c.id, shards.n, 0, 0, 0, c.created_at FROM campaigns c CROSS JOIN shards WHERE TRUE
ON CONFLICT (campaign_id, shard) DO NOTHING;

CREATE INDEX signatures_campaign_confirmed ON signatures (campaign_id, confirmed_at)
    WHERE status = 'confirmed';
