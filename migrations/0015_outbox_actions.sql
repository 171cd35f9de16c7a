-- The outbox also carries what Telegram must do to earlier messages on the
-- outbox's behalf, paced and retried like sends: pin and unpin breaking news,
-- and take the buttons off an expired preview. A delivery is now unique per
-- (post, chat, action): a post's send and its pin in one chat are two rows.
-- SQLite cannot change a CHECK or a UNIQUE constraint in place, so the table
-- is rebuilt with the same rows and ids.
CREATE TABLE deliveries_new (
    id                INTEGER PRIMARY KEY,
    post_id           INTEGER NOT NULL REFERENCES posts (id),
    chat_id           INTEGER NOT NULL REFERENCES chats (id),
    status            TEXT    NOT NULL DEFAULT 'pending'
                      CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'dead')),
    attempts          INTEGER NOT NULL DEFAULT 0,
    next_attempt_at   INTEGER NOT NULL,
    lease_until       INTEGER,
    message_id        INTEGER,
    last_error        TEXT,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    action            TEXT    NOT NULL DEFAULT 'send'
                      CHECK (action IN ('send', 'edit', 'delete', 'pin', 'unpin', 'clear_buttons')),
    target_message_id INTEGER,
    sent_at           INTEGER,
    sent_as           TEXT,
    priority          INTEGER NOT NULL DEFAULT 0,
    thread_id         INTEGER,
    UNIQUE (post_id, chat_id, action)
);

INSERT INTO deliveries_new (id, post_id, chat_id, status, attempts, next_attempt_at, lease_until, message_id,
                            last_error, created_at, updated_at, action, target_message_id, sent_at, sent_as,
                            priority, thread_id)
SELECT id, post_id, chat_id, status, attempts, next_attempt_at, lease_until, message_id,
       last_error, created_at, updated_at, action, target_message_id, sent_at, sent_as,
       priority, thread_id
FROM deliveries;

DROP TABLE deliveries;
ALTER TABLE deliveries_new RENAME TO deliveries;

CREATE INDEX deliveries_due ON deliveries (status, priority DESC, next_attempt_at, id);
CREATE INDEX deliveries_by_chat ON deliveries (chat_id, status, id);
CREATE INDEX deliveries_by_post ON deliveries (post_id);

-- Pins whose unpin is in the outbox (or done): not enqueued twice.
ALTER TABLE pins ADD COLUMN unpin_enqueued_at INTEGER;
