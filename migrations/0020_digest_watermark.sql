-- A digest period ends at the newest article committed when its slot was
-- built, and the next one starts there: an article whose fetch began before
-- the slot but committed after the build is in the next digest, not lost.
-- NULL (runs before this migration): the next period starts at the slot's time.
ALTER TABLE digest_runs ADD COLUMN last_article_id INTEGER;
