-- Chats Warta posts to: configured channels/groups and (later) readers' private chats.
CREATE TABLE chats (
    id                 INTEGER PRIMARY KEY,
    telegram_id        INTEGER UNIQUE,
    -- '@name' for chats configured by username; Telegram usernames ignore case.
    username           TEXT UNIQUE COLLATE NOCASE,
    kind               TEXT    NOT NULL CHECK (kind IN ('channel', 'private', 'group')),
    -- 1 for the chats in [[channels]]: they receive every new article.
    is_target          INTEGER NOT NULL DEFAULT 0,
    active             INTEGER NOT NULL DEFAULT 1,
    deactivated_reason TEXT,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    CHECK (telegram_id IS NOT NULL OR username IS NOT NULL)
);
