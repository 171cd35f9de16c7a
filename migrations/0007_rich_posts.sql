-- Posts as photos with captions, silent posts, per-channel styles.

-- The photo form of a post (NULL: a text post).
ALTER TABLE posts ADD COLUMN photo_url TEXT;
ALTER TABLE posts ADD COLUMN caption_html TEXT;
ALTER TABLE posts ADD COLUMN caption_plain TEXT;
-- Sent without notification sound.
ALTER TABLE posts ADD COLUMN silent INTEGER NOT NULL DEFAULT 0;
-- posts.link_preview: 0 off, 1 small, 2 large (was 0/1).

-- Which rendering a chat gets (its channel's options); NULL: the default.
ALTER TABLE chats ADD COLUMN style TEXT;
-- The style a post was rendered in.
ALTER TABLE posts ADD COLUMN style TEXT;

-- How a sent post went out ('text' or 'photo'), so corrections edit it the same way.
ALTER TABLE deliveries ADD COLUMN sent_as TEXT;
