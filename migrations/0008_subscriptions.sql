-- Reader subscriptions, delivery priority, and the one-instance lock.

-- A reader who pressed /subscribe in private chat receives every post.
ALTER TABLE chats ADD COLUMN subscribed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE chats ADD COLUMN subscribed_at INTEGER;
ALTER TABLE chats ADD COLUMN unsubscribed_at INTEGER;
-- The reader's Telegram language_code, as last seen.
ALTER TABLE chats ADD COLUMN language TEXT;
CREATE INDEX chats_subscribers ON chats (id) WHERE subscribed = 1 AND active = 1;

-- Higher goes first (breaking news over routine posts).
ALTER TABLE deliveries ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
DROP INDEX deliveries_due;
CREATE INDEX deliveries_due ON deliveries (status, priority DESC, next_attempt_at, id);

-- Held by the running instance and renewed by its heartbeat: a second
-- instance on the same database refuses to start.
CREATE TABLE instance_lock (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    owner        TEXT    NOT NULL,
    pid          INTEGER NOT NULL,
    host         TEXT    NOT NULL,
    started_at   INTEGER NOT NULL,
    heartbeat_at INTEGER NOT NULL
);
