-- The flood guard: a fetch that brings more new items than fetch.flood_threshold
-- is held here, not posted, until an admin presses Kirim semua (post them, in
-- order) or Lewati (store them as known, post nothing).
CREATE TABLE held_batches (
    id           INTEGER PRIMARY KEY,
    feed_id      INTEGER NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    items        INTEGER NOT NULL,
    held_at      INTEGER NOT NULL,
    -- When the admins were sent the message with the buttons.
    announced_at INTEGER,
    state        TEXT    NOT NULL DEFAULT 'held' CHECK (state IN ('held', 'sent', 'skipped')),
    decided_at   INTEGER,
    decided_by   INTEGER
);
CREATE INDEX held_batches_unannounced ON held_batches (id) WHERE announced_at IS NULL;

-- The held items, in posting order (oldest first).
CREATE TABLE held_items (
    batch_id INTEGER NOT NULL REFERENCES held_batches (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    feed_id  INTEGER NOT NULL,
    key      TEXT    NOT NULL,
    -- The parsed item (JSON), stored or posted when the batch is decided.
    item     TEXT    NOT NULL,
    PRIMARY KEY (batch_id, position)
);
CREATE INDEX held_items_by_key ON held_items (feed_id, key);
