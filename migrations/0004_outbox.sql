-- The durable outbox: a rendered post, and one delivery row per post and chat,
-- written in the same transaction as the article they announce.
CREATE TABLE posts (
    id              INTEGER PRIMARY KEY,
    article_id      INTEGER REFERENCES articles (id),
    -- Telegram HTML, sent with parse_mode = HTML.
    html            TEXT    NOT NULL,
    -- The same post without markup, the fallback if Telegram refuses the HTML.
    plain           TEXT    NOT NULL,
    button_text     TEXT,
    button_url      TEXT,
    link_preview    INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL
);

-- status: pending -> sending (claimed under a lease) -> sent | failed (permanent) | dead (retries exhausted)
CREATE TABLE deliveries (
    id              INTEGER PRIMARY KEY,
    post_id         INTEGER NOT NULL REFERENCES posts (id),
    chat_id         INTEGER NOT NULL REFERENCES chats (id),
    status          TEXT    NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'dead')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    lease_until     INTEGER,
    message_id      INTEGER,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    UNIQUE (post_id, chat_id)
);

CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at, id);
CREATE INDEX deliveries_by_chat ON deliveries (chat_id, status, id);
