-- How news reaches each chat: every story, a daily digest, or breaking news
-- only; the digest times a reader took; quiet nights; the editors' picks; and
-- the digest runs that make each slot's digests happen once.

-- 'every': each story as it appears (the default, as before); 'digest': no
-- single posts, one message at the digest times; 'breaking': breaking news
-- only. Breaking news reaches private readers in every mode.
ALTER TABLE chats ADD COLUMN delivery_mode TEXT NOT NULL DEFAULT 'every'
    CHECK (delivery_mode IN ('every', 'digest', 'breaking'));
-- The digest times a reader took, "06:00,18:00" (NULL: the first offered).
ALTER TABLE chats ADD COLUMN digest_times TEXT;
-- 1: routine posts in the quiet hours come without sound (breaking news always rings).
ALTER TABLE chats ADD COLUMN quiet_night INTEGER NOT NULL DEFAULT 1;
CREATE INDEX chats_digest_readers ON chats (id) WHERE delivery_mode = 'digest' AND active = 1;

-- Articles an admin took back with /tarik stay out of digests.
ALTER TABLE articles ADD COLUMN retracted_at INTEGER;
-- A digest reads the stories Warta got within its period.
CREATE INDEX articles_by_seen_at ON articles (seen_at) WHERE same_as IS NULL;

-- The editors' picks (/pilih): first in the digest of their period.
CREATE TABLE picks (
    article_id INTEGER PRIMARY KEY REFERENCES articles (id),
    admin_id   INTEGER NOT NULL,
    picked_at  INTEGER NOT NULL
);

-- One row per digest slot that was enqueued, written in the transaction that
-- enqueues every digest of the slot: a restart never builds a slot twice.
CREATE TABLE digest_runs (
    -- The slot's time (ms since the epoch, UTC).
    slot_at     INTEGER PRIMARY KEY,
    -- The slot as configured, e.g. "06:00".
    slot        TEXT    NOT NULL,
    digests     INTEGER NOT NULL,
    renderings  INTEGER NOT NULL,
    created_at  INTEGER NOT NULL
);
