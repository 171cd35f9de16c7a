-- Watched feeds and the state of their fetch loop. Times are unix milliseconds.
CREATE TABLE feeds (
    id              INTEGER PRIMARY KEY,
    url             TEXT    NOT NULL UNIQUE,
    -- Source name from the config; NULL means: use the feed's own title.
    name            TEXT,
    -- The feed's own title, from its last successful parse.
    title           TEXT,
    -- 0 once the feed is no longer in the config (its articles stay for /latest).
    active          INTEGER NOT NULL DEFAULT 1,
    etag            TEXT,
    last_modified   TEXT,
    -- Set by the first successful fetch: articles seen before it are recorded, not posted.
    primed_at       INTEGER,
    last_fetched_at INTEGER,
    last_success_at INTEGER,
    next_check_at   INTEGER NOT NULL DEFAULT 0,
    error_count     INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    created_at      INTEGER NOT NULL
);
