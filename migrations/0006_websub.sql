-- WebSub (PubSubHubbub) subscriptions: one per feed whose hub we asked to push.
CREATE TABLE websub_subscriptions (
    feed_id          INTEGER PRIMARY KEY REFERENCES feeds (id),
    hub_url          TEXT    NOT NULL,
    topic_url        TEXT    NOT NULL,
    -- Shared with the hub for X-Hub-Signature HMACs.
    secret           TEXT    NOT NULL,
    -- requested: asked, awaiting the hub's verification; active: verified;
    -- denied: the hub refused; failed: the subscribe request failed.
    state            TEXT    NOT NULL CHECK (state IN ('requested', 'active', 'denied', 'failed')),
    requested_at     INTEGER NOT NULL,
    lease_expires_at INTEGER,
    last_error       TEXT
);
