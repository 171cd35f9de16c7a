-- Newsroom controls: breaking news with preview and confirm, pins,
-- corrections and retractions by admins, pause, alerts, audit log.

-- Breaking news an admin is writing: the text or stored article, previewed
-- in the admin's private chat, sent to everyone only when confirmed.
CREATE TABLE breaking (
    id                 INTEGER PRIMARY KEY,
    -- Telegram user id of the admin, and the private chat of the preview.
    admin_id           INTEGER NOT NULL,
    admin_chat         INTEGER NOT NULL,
    -- awaiting: /breaking alone, the next message is the text or photo.
    state              TEXT    NOT NULL
                       CHECK (state IN ('awaiting', 'draft', 'confirmed', 'cancelled', 'expired')),
    -- What goes out: the admin's text (and photo), or a stored article.
    text               TEXT,
    photo_file_id      TEXT,
    article_id         INTEGER REFERENCES articles (id),
    preview_message_id INTEGER,
    -- The admin's progress message, edited as the fan-out goes.
    status_message_id  INTEGER,
    progress_text      TEXT,
    recipients         INTEGER,
    created_at         INTEGER NOT NULL,
    expires_at         INTEGER NOT NULL,
    confirmed_at       INTEGER,
    finished_at        INTEGER
);
CREATE INDEX breaking_by_admin ON breaking (admin_chat, state);
CREATE INDEX breaking_in_flight ON breaking (state) WHERE state = 'confirmed' AND finished_at IS NULL;

-- Posts of a breaking story, and whether their messages in channels are pinned.
ALTER TABLE posts ADD COLUMN breaking_id INTEGER REFERENCES breaking (id);
ALTER TABLE posts ADD COLUMN pin INTEGER NOT NULL DEFAULT 0;
CREATE INDEX posts_by_breaking ON posts (breaking_id) WHERE breaking_id IS NOT NULL;
CREATE INDEX posts_by_article ON posts (article_id);

-- Messages Warta pinned; unpinned at unpin_at (NULL: stay pinned).
CREATE TABLE pins (
    chat_id     INTEGER NOT NULL REFERENCES chats (id),
    message_id  INTEGER NOT NULL,
    post_id     INTEGER NOT NULL REFERENCES posts (id),
    pinned_at   INTEGER NOT NULL,
    unpin_at    INTEGER,
    unpinned_at INTEGER,
    PRIMARY KEY (chat_id, message_id)
);
CREATE INDEX pins_due ON pins (unpin_at) WHERE unpinned_at IS NULL AND unpin_at IS NOT NULL;

-- Switches set from Telegram that outlive a restart ('paused' = '1').
CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
);

-- Alerts that are raised now: one message when raised, one when cleared.
CREATE TABLE alerts (
    key       TEXT PRIMARY KEY,
    raised_at INTEGER NOT NULL,
    detail    TEXT
);

-- When a feed last brought a new article (silence alerts).
ALTER TABLE feeds ADD COLUMN last_new_at INTEGER;
UPDATE feeds SET last_new_at = (SELECT MAX(seen_at) FROM articles WHERE articles.feed_id = feeds.id);

-- Every admin action: who, what, when, on what, how many recipients.
CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    at         INTEGER NOT NULL,
    admin_id   INTEGER NOT NULL,
    action     TEXT    NOT NULL,
    target     TEXT,
    detail     TEXT,
    recipients INTEGER
);
CREATE INDEX audit_by_time ON audit_log (at);
