-- Feed items Warta could not process (turning one into a post panicked).
-- Later polls skip them, so one poisoned item never stops its feed or the
-- process, and the admins are told about each one once.
CREATE TABLE failed_items (
    feed_id   INTEGER NOT NULL REFERENCES feeds (id),
    -- The article key the item would have had (guid, link or content hash).
    key       TEXT    NOT NULL,
    title     TEXT    NOT NULL,
    link      TEXT,
    reason    TEXT    NOT NULL,
    failed_at INTEGER NOT NULL,
    PRIMARY KEY (feed_id, key)
) WITHOUT ROWID;
