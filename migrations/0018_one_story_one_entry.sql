-- A story that several feeds carry (the main feed and category feeds of one
-- site) is one entry for readers: later copies point at the first with
-- same_as and stay out of the archive, the category lists and search; their
-- categories are filed under the first.
ALTER TABLE articles ADD COLUMN same_as INTEGER REFERENCES articles (id);
UPDATE articles SET same_as = (
    SELECT MIN(first.id) FROM articles first WHERE first.link_key = articles.link_key AND first.id < articles.id
) WHERE link_key IS NOT NULL;
INSERT OR IGNORE INTO article_categories (category_id, article_id, sort_at)
    SELECT ac.category_id, a.same_as, (SELECT sort_at FROM articles WHERE id = a.same_as)
    FROM article_categories ac JOIN articles a ON a.id = ac.article_id
    WHERE a.same_as IS NOT NULL;
DELETE FROM article_categories WHERE article_id IN (SELECT id FROM articles WHERE same_as IS NOT NULL);
DELETE FROM articles_search WHERE rowid IN (SELECT id FROM articles WHERE same_as IS NOT NULL);
UPDATE articles SET indexed = 1 WHERE same_as IS NOT NULL;
UPDATE categories SET article_count = (SELECT COUNT(*) FROM article_categories WHERE category_id = categories.id);
DROP INDEX articles_by_sort_at;
CREATE INDEX articles_by_sort_at ON articles (sort_at DESC, id DESC) WHERE same_as IS NULL;

-- A WordPress site's tags (its feeds list them like categories): JSON array.
ALTER TABLE articles ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';

-- The photo found on the site for an item that had none (WordPress's
-- featured image, else the page's og:image).
ALTER TABLE articles ADD COLUMN page_photo TEXT;

-- The site a feed is on (host, and port if any): category feeds of a site
-- sign their posts with the site's name.
ALTER TABLE feeds ADD COLUMN site TEXT;

-- Posted stories that disappeared from the newsroom's WordPress (trashed or
-- unpublished): the admins are told once, with a Tarik button.
CREATE TABLE gone_posts (
    article_id   INTEGER PRIMARY KEY REFERENCES articles (id),
    post_id      INTEGER NOT NULL REFERENCES posts (id),
    reason       TEXT    NOT NULL,
    noticed_at   INTEGER NOT NULL,
    announced_at INTEGER
);
