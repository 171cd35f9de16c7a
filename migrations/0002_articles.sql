-- Articles seen in feeds, unique per feed by a stable key (guid, else normalized link).
CREATE TABLE articles (
    id           INTEGER PRIMARY KEY,
    feed_id      INTEGER NOT NULL REFERENCES feeds (id),
    key          TEXT    NOT NULL,
    title        TEXT    NOT NULL,
    link         TEXT,
    summary_html TEXT,
    content_html TEXT,
    author       TEXT,
    -- JSON array of category names.
    categories   TEXT    NOT NULL DEFAULT '[]',
    image_url    TEXT,
    published_at INTEGER,
    seen_at      INTEGER NOT NULL,
    -- The time readers see and lists sort by: the publish time, but never later
    -- than when Warta saw the article (a future-dated item must not stick on top).
    sort_at      INTEGER NOT NULL,
    UNIQUE (feed_id, key)
);

CREATE INDEX articles_by_sort_at ON articles (sort_at DESC, id DESC);
