-- One alert mechanism: a failing feed's alert lives in `alerts` like every
-- other (key 'feed:<id>'), not in feeds.alerted_at.
INSERT OR IGNORE INTO alerts (key, raised_at, detail)
SELECT 'feed:' || id, alerted_at, last_error FROM feeds WHERE alerted_at IS NOT NULL;
ALTER TABLE feeds DROP COLUMN alerted_at;
