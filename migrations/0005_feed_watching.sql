-- Feed watching: moved feeds, failure alerts, corrections, cross-feed dedup,
-- and edits of sent posts going through the outbox.

-- Where the feed lives after a permanent redirect (NULL: at its configured URL).
ALTER TABLE feeds ADD COLUMN fetch_url TEXT;
-- When admins were told the feed keeps failing (NULL: not alerted).
ALTER TABLE feeds ADD COLUMN alerted_at INTEGER;

-- A hash of what readers see of the article (title, summary, image):
-- when it changes, the article was corrected and its posts are edited.
ALTER TABLE articles ADD COLUMN fingerprint TEXT;
-- The normalized link: a story found in two feeds of one site is posted once.
ALTER TABLE articles ADD COLUMN link_key TEXT;
CREATE INDEX articles_by_link_key ON articles (link_key) WHERE link_key IS NOT NULL;

-- Chats of the user ids in [admins]; they receive operational alerts.
ALTER TABLE chats ADD COLUMN is_admin INTEGER NOT NULL DEFAULT 0;

-- What a delivery does: send the post, or edit/delete an earlier message
-- (target_message_id) to match it.
ALTER TABLE deliveries ADD COLUMN action TEXT NOT NULL DEFAULT 'send'
    CHECK (action IN ('send', 'edit', 'delete'));
ALTER TABLE deliveries ADD COLUMN target_message_id INTEGER;
ALTER TABLE deliveries ADD COLUMN sent_at INTEGER;
CREATE INDEX deliveries_by_post ON deliveries (post_id);
