-- The readers' side: categories, full-text search, category filters,
-- language choice, forum topics, paged search results.

-- The site's categories, learned from the articles. `key` is the folded name
-- (domain::CategoryKey); `name` the latest spelling seen.
CREATE TABLE categories (
    id            INTEGER PRIMARY KEY,
    key           TEXT    NOT NULL UNIQUE,
    name          TEXT    NOT NULL,
    article_count INTEGER NOT NULL DEFAULT 0,
    -- Hidden by an admin's command (bot.toml's hidden_categories are hidden too).
    hidden        INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
);

-- Which article is in which category. sort_at is the article's, so that a
-- category's newest articles are one index range.
CREATE TABLE article_categories (
    category_id INTEGER NOT NULL REFERENCES categories (id),
    article_id  INTEGER NOT NULL REFERENCES articles (id),
    sort_at     INTEGER NOT NULL,
    PRIMARY KEY (category_id, article_id)
) WITHOUT ROWID;
CREATE INDEX article_categories_newest ON article_categories (category_id, sort_at DESC, article_id DESC);
CREATE INDEX article_categories_by_article ON article_categories (article_id);

-- Full-text search over titles and summaries (plain text); rowid = articles.id.
-- unicode61 with remove_diacritics 2 folds "é" to "e"; prefix indexes make
-- short prefix queries cheap. Contentless: the text lives in articles.
CREATE VIRTUAL TABLE articles_search USING fts5 (
    title, body,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);

-- 1 once the article is in article_categories and articles_search. Articles
-- stored before this migration are indexed when Warta starts.
ALTER TABLE articles ADD COLUMN indexed INTEGER NOT NULL DEFAULT 0;
CREATE INDEX articles_unindexed ON articles (id) WHERE indexed = 0;

-- The categories a subscriber chose; none chosen means every article.
CREATE TABLE reader_categories (
    chat_id     INTEGER NOT NULL REFERENCES chats (id),
    category_id INTEGER NOT NULL REFERENCES categories (id),
    PRIMARY KEY (chat_id, category_id)
) WITHOUT ROWID;

-- The language a reader chose with /bahasa; NULL: Telegram's language_code decides.
ALTER TABLE chats ADD COLUMN language_choice TEXT CHECK (language_choice IN ('id', 'en'));

-- Forum topics of a configured group, as JSON: {"default": id?, "categories": {key: id}}.
ALTER TABLE chats ADD COLUMN topics TEXT;
-- The forum topic (message_thread_id) a delivery goes to.
ALTER TABLE deliveries ADD COLUMN thread_id INTEGER;

-- A search behind a paged result message: the buttons carry only its id.
-- AUTOINCREMENT: an old button must never open a newer search.
CREATE TABLE searches (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    -- The Telegram chat the results were shown in; pages are only shown there.
    chat_id    INTEGER NOT NULL,
    query      TEXT    NOT NULL,
    -- JSON array of article ids, best match first (at most a few hundred).
    results    TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX searches_by_age ON searches (created_at);
