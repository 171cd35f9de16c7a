use crate::store::Flag;
use std::collections::HashSet;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::{Any, Transaction};
use url::Url;

use super::categories::{file_under_categories, index_article};
use super::feeds::{site_name_columns, source_name};
use super::outbox::{enqueue_article, enqueue_correction};
use super::{Store, StoreError, from_ms, to_ms};
use crate::domain::{Article, ArticleKey, NewArticle, PostRenderer, normalize_link};

/// What one successful fetch changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RecordOutcome {
    /// Articles stored for the first time.
    pub new_articles: usize,
    /// Posts enqueued (none on the fetch that primes the feed, unless backfilled).
    pub posts: usize,
    /// Deliveries enqueued across all chats (sends and edits).
    pub deliveries: usize,
    /// This fetch was the feed's first success: its articles were recorded, not posted.
    pub primed_now: bool,
    /// Known articles whose title, summary or image changed.
    pub corrections: usize,
    /// Edits of sent posts enqueued for those corrections.
    pub edits: usize,
    /// New to this feed, but already posted from another feed (same link),
    /// or listed twice by this feed under two guids.
    pub duplicates: usize,
    /// New guids whose normalized link this feed already had: the same story
    /// (a guid migration, e.g. http → https), taken over by the known article.
    pub same_story: usize,
}

/// HTTP validators and metadata of a successful fetch.
#[derive(Debug, Clone, Default)]
pub struct FetchMeta {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub title: Option<String>,
}

/// One successful fetch to record.
#[derive(Debug, Clone, Copy)]
pub struct FetchRecord<'a> {
    pub meta: &'a FetchMeta,
    /// In posting order, oldest first: post ids (and so delivery order) follow it.
    pub articles: &'a [NewArticle],
    pub now: DateTime<Utc>,
    pub next_check: DateTime<Utc>,
    /// On the feed's first success, post the newest this many instead of none.
    pub backfill: u32,
    /// Sent posts of a corrected article are edited if sent within this window.
    pub edit_window: Duration,
}

#[derive(sqlx::FromRow)]
struct ArticleRow {
    id: i64,
    feed_id: i64,
    key: String,
    title: String,
    link: Option<String>,
    summary_html: Option<String>,
    content_html: Option<String>,
    author: Option<String>,
    categories: String,
    tags: String,
    image_url: Option<String>,
    page_photo: Option<String>,
    published_at: Option<i64>,
    seen_at: i64,
    feed_name: Option<String>,
    feed_title: Option<String>,
    feed_url: String,
}

impl ArticleRow {
    fn into_article(self) -> Article {
        Article {
            id: self.id,
            feed_id: self.feed_id,
            key: ArticleKey::from_stored(self.key),
            title: self.title,
            link: self.link.as_deref().and_then(|l| Url::parse(l).ok()),
            summary_html: self.summary_html,
            content_html: self.content_html,
            author: self.author,
            categories: serde_json::from_str(&self.categories).unwrap_or_default(),
            tags: serde_json::from_str(&self.tags).unwrap_or_default(),
            image_url: self.image_url.as_deref().and_then(|l| Url::parse(l).ok()),
            page_photo: self.page_photo.as_deref().and_then(|l| Url::parse(l).ok()),
            published_at: self.published_at.map(from_ms),
            seen_at: from_ms(self.seen_at),
            source_name: source_name(self.feed_name.as_deref(), self.feed_title.as_deref(), &self.feed_url),
        }
    }
}

/// Every article column, with the name its site signs with (see [`site_name_columns`]).
const ARTICLE_SELECT: &str = concat!(
    "SELECT a.id, a.feed_id, a.key, a.title, a.link, a.summary_html, a.content_html, a.author,
            a.categories, a.tags, a.image_url, a.page_photo, a.published_at, a.seen_at, ",
    site_name_columns!(),
    ", f.url AS feed_url FROM articles a JOIN feeds f ON f.id = a.feed_id"
);

impl Store {
    /// Records a successful fetch in one transaction. New articles are
    /// stored and, unless this is the feed's first success (then only the
    /// `backfill` newest), rendered into a post with one pending delivery per
    /// target chat. A new article whose link was already posted from another
    /// feed is stored but not posted. A known article whose fingerprint
    /// changed is updated, and its sent posts within the edit window get
    /// pending edits (unsent ones are simply switched to the new version).
    pub async fn record_fetch_success(
        &self,
        feed_id: i64,
        record: FetchRecord<'_>,
        renderer: &impl PostRenderer,
    ) -> Result<RecordOutcome, StoreError> {
        let now = record.now;
        let mut tx = self.begin_write().await?;
        let (primed_at, name, site_title, url): (Option<i64>, Option<String>, Option<String>, String) = sqlx::query_as(
            concat!("SELECT f.primed_at, ", site_name_columns!(), ", f.url FROM feeds f WHERE f.id = $1"),
        )
        .bind(feed_id)
        .fetch_one(&mut *tx)
        .await?;
        let title = record.meta.title.as_deref().map(str::trim).filter(|t| !t.is_empty());
        // The site's main feed's title if it has one, else what this fetch says.
        let own_title: Option<String> =
            sqlx::query_scalar("SELECT title FROM feeds WHERE id = $1").bind(feed_id).fetch_one(&mut *tx).await?;
        let site_title = site_title.filter(|t| Some(t) != own_title.as_ref());
        let source = source_name(name.as_deref(), site_title.as_deref().or(title), &url);
        let mut outcome = RecordOutcome { primed_now: primed_at.is_none(), ..RecordOutcome::default() };
        let backfill_from =
            record.articles.len().saturating_sub(usize::try_from(record.backfill).unwrap_or(usize::MAX));

        let in_fetch: HashSet<&str> = record.articles.iter().map(|a| a.key.as_str()).collect();
        for (index, new) in record.articles.iter().enumerate() {
            let fingerprint = renderer.fingerprint(new);
            let known: Option<(i64, Option<String>)> =
                sqlx::query_as("SELECT id, fingerprint FROM articles WHERE feed_id = $1 AND key = $2")
                    .bind(feed_id)
                    .bind(new.key.as_str())
                    .fetch_optional(&mut *tx)
                    .await?;
            match known {
                None => {
                    let fresh =
                        record_new_article(&mut tx, feed_id, new, &fingerprint, &source, &in_fetch, renderer, now)
                            .await?;
                    match fresh {
                        NewStory::Renamed => outcome.same_story += 1,
                        NewStory::Stored { article, elsewhere } => {
                            outcome.new_articles += 1;
                            let post_it = match (outcome.primed_now, elsewhere) {
                                (_, Elsewhere::Posted | Elsewhere::SameFeed) => false,
                                // First fetch: only what the operator asked to backfill.
                                (true, _) => index >= backfill_from,
                                // A story another feed already knows is not news.
                                (false, Elsewhere::Known) => false,
                                (false, Elsewhere::Nowhere) => true,
                            };
                            if !post_it {
                                outcome.duplicates +=
                                    usize::from(elsewhere != Elsewhere::Nowhere && !outcome.primed_now);
                                continue;
                            }
                            outcome.deliveries += enqueue_article(&mut tx, &article, renderer, now).await?;
                            outcome.posts += 1;
                        }
                    }
                }
                Some((id, previous)) if previous.as_deref() != Some(fingerprint.as_str()) => {
                    let article = update_article(&mut tx, id, new, &fingerprint).await?;
                    let sort_at: i64 = sqlx::query_scalar("SELECT sort_at FROM articles WHERE id = $1")
                        .bind(id)
                        .fetch_one(&mut *tx)
                        .await?;
                    let text =
                        renderer.search_text(&new.title, new.summary_html.as_deref(), new.content_html.as_deref());
                    let first_copy: Option<i64> = sqlx::query_scalar("SELECT same_as FROM articles WHERE id = $1")
                        .bind(id)
                        .fetch_one(&mut *tx)
                        .await?;
                    match first_copy {
                        None => index_article(&mut tx, id, sort_at, &new.categories, &text, now).await?,
                        Some(first) => file_under_categories(&mut tx, first, &new.categories, now).await?,
                    }
                    // Stored before fingerprints were kept: nothing to compare with.
                    if previous.is_none() {
                        continue;
                    }
                    outcome.corrections += 1;
                    let Some(article) = article else { continue };
                    let window_start = crate::domain::time::earlier(now, record.edit_window);
                    outcome.edits += enqueue_correction(&mut tx, &article, renderer, now, window_start).await?;
                }
                Some(_) => {}
            }
        }
        outcome.deliveries += outcome.edits;

        sqlx::query(
            "UPDATE feeds SET etag = $2, last_modified = $3, title = COALESCE($4, title),
                    primed_at = COALESCE(primed_at, $5), last_fetched_at = $5, last_success_at = $5,
                    next_check_at = $6, error_count = 0, last_error = NULL,
                    last_new_at = CASE WHEN $7 THEN $5 ELSE last_new_at END
             WHERE id = $1",
        )
        .bind(feed_id)
        .bind(record.meta.etag.as_deref())
        .bind(record.meta.last_modified.as_deref())
        .bind(title)
        .bind(to_ms(now))
        .bind(to_ms(record.next_check))
        .bind(outcome.new_articles > 0 || outcome.primed_now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// Which of `keys` this feed already has.
    pub async fn known_keys(&self, feed_id: i64, keys: &[&str]) -> Result<Vec<String>, StoreError> {
        super::feed_keys_in(
            &self.pool,
            "SELECT key FROM articles WHERE feed_id = $1 AND key IN ({keys})",
            feed_id,
            keys,
        )
        .await
    }

    /// A page of the archive, newest first: every article, or one category's.
    /// Returns the number of articles that can be paged through (at most
    /// [`ARCHIVE_DEPTH`]) and the page.
    pub async fn latest_page(
        &self,
        category: Option<i64>,
        offset: u32,
        limit: u32,
    ) -> Result<(usize, Vec<Article>), StoreError> {
        let depth = i64::try_from(ARCHIVE_DEPTH).unwrap_or(i64::MAX);
        let (total, rows): (i64, Vec<ArticleRow>) = match category {
            None => {
                let total = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM (SELECT 1 FROM articles WHERE same_as IS NULL LIMIT $1) AS page",
                )
                .bind(depth)
                .fetch_one(&self.pool)
                .await?;
                let rows = sqlx::query_as::<_, ArticleRow>(&format!(
                    "{ARTICLE_SELECT} WHERE a.same_as IS NULL ORDER BY a.sort_at DESC, a.id DESC LIMIT $1 OFFSET $2"
                ))
                .bind(i64::from(limit))
                .bind(i64::from(offset))
                .fetch_all(&self.pool)
                .await?;
                (total, rows)
            }
            Some(category) => {
                let total: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM (SELECT 1 FROM article_categories WHERE category_id = $1 LIMIT $2) AS page",
                )
                .bind(category)
                .bind(depth)
                .fetch_one(&self.pool)
                .await?;
                let ids: Vec<i64> = sqlx::query_scalar(
                    "SELECT article_id FROM article_categories WHERE category_id = $1
                     ORDER BY sort_at DESC, article_id DESC LIMIT $2 OFFSET $3",
                )
                .bind(category)
                .bind(i64::from(limit))
                .bind(i64::from(offset))
                .fetch_all(&self.pool)
                .await?;
                return Ok((usize::try_from(total).unwrap_or(0), articles_by_ids(&self.pool, &ids).await?));
            }
        };
        Ok((usize::try_from(total).unwrap_or(0), rows.into_iter().map(ArticleRow::into_article).collect()))
    }

    /// The newest articles across all feeds, newest first.
    pub async fn latest_articles(&self, limit: u32, offset: u32) -> Result<Vec<Article>, StoreError> {
        let rows = sqlx::query_as::<_, ArticleRow>(&format!(
            "{ARTICLE_SELECT} WHERE a.same_as IS NULL ORDER BY a.sort_at DESC, a.id DESC LIMIT $1 OFFSET $2"
        ))
        .bind(i64::from(limit))
        .bind(i64::from(offset))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(ArticleRow::into_article).collect())
    }

    pub async fn article(&self, id: i64) -> Result<Option<Article>, StoreError> {
        let row = sqlx::query_as::<_, ArticleRow>(&format!("{ARTICLE_SELECT} WHERE a.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(ArticleRow::into_article))
    }

    pub async fn count_articles(&self, feed_id: i64) -> Result<i64, StoreError> {
        let count = sqlx::query_scalar("SELECT COUNT(*) FROM articles WHERE feed_id = $1")
            .bind(feed_id)
            .fetch_one(&self.pool)
            .await?;
        Ok(count)
    }
}

/// How deep /latest pages reach into the archive; older articles are found by search.
pub const ARCHIVE_DEPTH: usize = 1000;

/// The articles with these ids, in the order given (unknown ids are skipped).
pub(super) async fn articles_by_ids<'e>(
    executor: impl sqlx::any::AnyExecutor<'e>,
    ids: &[i64],
) -> Result<Vec<Article>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders = super::dialect::placeholders(1, ids.len());
    let sql = format!("{ARTICLE_SELECT} WHERE a.id IN ({placeholders})");
    let mut query = sqlx::query_as::<_, ArticleRow>(&sql);
    for id in ids {
        query = query.bind(id);
    }
    let mut found: std::collections::HashMap<i64, Article> =
        query.fetch_all(executor).await?.into_iter().map(|row| (row.id, row.into_article())).collect();
    Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
}

/// An article, read in the caller's transaction.
pub(super) async fn article_in(tx: &mut Transaction<'_, Any>, id: i64) -> Result<Option<Article>, StoreError> {
    let row = sqlx::query_as::<_, ArticleRow>(&format!("{ARTICLE_SELECT} WHERE a.id = $1"))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(row.map(ArticleRow::into_article))
}

/// Whether another feed (or this one, under another guid) has the same story.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Elsewhere {
    Nowhere,
    /// This feed lists the story twice in one fetch, under two guids.
    SameFeed,
    /// Stored (e.g. on that feed's first fetch) but never posted.
    Known,
    Posted,
}

/// What [`record_new_article`] did with an article of an unknown key.
pub(super) enum NewStory {
    /// The feed already had the story under another key, now gone from the
    /// feed: that article takes the new key (a guid migration). Nothing new.
    Renamed,
    /// Stored as a new article; `elsewhere` says whether the story was known.
    Stored { article: Box<Article>, elsewhere: Elsewhere },
}

/// Records an article whose key this feed does not know, in the caller's
/// transaction, without posting it. A known normalized link in the same feed
/// is the same story: if the article holding it is no longer in the feed
/// (`in_fetch` lists the keys the feed shows now), it takes the new key.
#[allow(clippy::too_many_arguments)]
pub(super) async fn record_new_article(
    tx: &mut Transaction<'_, Any>,
    feed_id: i64,
    new: &NewArticle,
    fingerprint: &str,
    source: &str,
    in_fetch: &HashSet<&str>,
    renderer: &impl PostRenderer,
    now: DateTime<Utc>,
) -> Result<NewStory, StoreError> {
    let link_key = new.link.as_ref().map(normalize_link);
    let mut elsewhere = Elsewhere::Nowhere;
    if let Some(link_key) = &link_key {
        let same_feed: Option<(i64, String)> =
            sqlx::query_as("SELECT id, key FROM articles WHERE feed_id = $1 AND link_key = $2 ORDER BY id LIMIT 1")
                .bind(feed_id)
                .bind(link_key)
                .fetch_optional(&mut **tx)
                .await?;
        match same_feed {
            Some((id, old_key)) if !in_fetch.contains(old_key.as_str()) => {
                sqlx::query("UPDATE articles SET key = $2, fingerprint = $3 WHERE id = $1")
                    .bind(id)
                    .bind(new.key.as_str())
                    .bind(fingerprint)
                    .execute(&mut **tx)
                    .await?;
                return Ok(NewStory::Renamed);
            }
            Some(_) => elsewhere = Elsewhere::SameFeed,
            None => elsewhere = seen_in_other_feeds(tx, feed_id, link_key).await?,
        }
    }
    // One story, one entry: a later copy (another feed of the site) stays out of
    // the archive and search, its categories filed under the first copy.
    let first_copy: Option<i64> = match &link_key {
        Some(link_key) if elsewhere != Elsewhere::Nowhere => {
            sqlx::query_scalar("SELECT id FROM articles WHERE link_key = $1 AND same_as IS NULL ORDER BY id LIMIT 1")
                .bind(link_key)
                .fetch_optional(&mut **tx)
                .await?
        }
        _ => None,
    };
    let stored = StoredCopy { link_key: link_key.as_deref(), same_as: first_copy };
    let (article, sort_at) = insert_article(tx, feed_id, new, fingerprint, stored, now, source).await?;
    match first_copy {
        None => {
            let text = renderer.search_text(&new.title, new.summary_html.as_deref(), new.content_html.as_deref());
            index_article(tx, article.id, sort_at, &new.categories, &text, now).await?;
        }
        Some(first) => {
            file_under_categories(tx, first, &new.categories, now).await?;
            sqlx::query("UPDATE articles SET indexed = 1 WHERE id = $1").bind(article.id).execute(&mut **tx).await?;
        }
    }
    Ok(NewStory::Stored { article: Box::new(article), elsewhere })
}

async fn seen_in_other_feeds(
    tx: &mut Transaction<'_, Any>,
    feed_id: i64,
    link_key: &str,
) -> Result<Elsewhere, StoreError> {
    let (Flag(known), Flag(posted)): (Flag, Flag) = sqlx::query_as(
        "SELECT COUNT(*) > 0, COUNT(*) FILTER (WHERE EXISTS (SELECT 1 FROM posts p WHERE p.article_id = a.id)) > 0
         FROM articles a WHERE a.link_key = $1 AND a.feed_id != $2",
    )
    .bind(link_key)
    .bind(feed_id)
    .fetch_one(&mut **tx)
    .await?;
    Ok(match (known, posted) {
        (_, true) => Elsewhere::Posted,
        (true, false) => Elsewhere::Known,
        (false, false) => Elsewhere::Nowhere,
    })
}

/// How a new article relates to the stories stored already.
#[derive(Debug, Clone, Copy)]
struct StoredCopy<'a> {
    link_key: Option<&'a str>,
    /// The first copy of the same story (another feed carried it first).
    same_as: Option<i64>,
}

/// Inserts a new article; returns it as stored, and its sort time.
async fn insert_article(
    tx: &mut Transaction<'_, Any>,
    feed_id: i64,
    new: &NewArticle,
    fingerprint: &str,
    copy: StoredCopy<'_>,
    now: DateTime<Utc>,
    source: &str,
) -> Result<(Article, i64), StoreError> {
    let categories = serde_json::to_string(&new.categories).map_err(|err| StoreError::Corrupt(err.to_string()))?;
    let tags = serde_json::to_string(&new.tags).map_err(|err| StoreError::Corrupt(err.to_string()))?;
    let seen_at = to_ms(now);
    let sort_at = new.published_at.map_or(seen_at, |p| to_ms(p).min(seen_at));
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO articles (feed_id, key, title, link, summary_html, content_html, author, categories,
                               image_url, published_at, seen_at, sort_at, fingerprint, link_key, tags, same_as, page_photo)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
         RETURNING id",
    )
    .bind(feed_id)
    .bind(new.key.as_str())
    .bind(&new.title)
    .bind(new.link.as_ref().map(Url::as_str))
    .bind(new.summary_html.as_deref())
    .bind(new.content_html.as_deref())
    .bind(new.author.as_deref())
    .bind(categories)
    .bind(new.image_url.as_ref().map(Url::as_str))
    .bind(new.published_at.map(to_ms))
    .bind(seen_at)
    .bind(sort_at)
    .bind(fingerprint)
    .bind(copy.link_key)
    .bind(tags)
    .bind(copy.same_as)
    .bind(new.page_photo.as_ref().map(Url::as_str))
    .fetch_one(&mut **tx)
    .await?;
    Ok((Article::from_new(new.clone(), id, feed_id, now, source.to_owned()), sort_at))
}

/// Overwrites a known article with what the feed says now; returns it as stored.
async fn update_article(
    tx: &mut Transaction<'_, Any>,
    id: i64,
    new: &NewArticle,
    fingerprint: &str,
) -> Result<Option<Article>, StoreError> {
    let categories = serde_json::to_string(&new.categories).map_err(|err| StoreError::Corrupt(err.to_string()))?;
    let tags = serde_json::to_string(&new.tags).map_err(|err| StoreError::Corrupt(err.to_string()))?;
    sqlx::query(
        "UPDATE articles SET title = $2, link = $3, summary_html = $4, content_html = $5, author = $6,
                categories = $7, image_url = $8, published_at = COALESCE($9, published_at), fingerprint = $10,
                link_key = COALESCE($11, link_key), tags = $12
         WHERE id = $1",
    )
    .bind(id)
    .bind(&new.title)
    .bind(new.link.as_ref().map(Url::as_str))
    .bind(new.summary_html.as_deref())
    .bind(new.content_html.as_deref())
    .bind(new.author.as_deref())
    .bind(categories)
    .bind(new.image_url.as_ref().map(Url::as_str))
    .bind(new.published_at.map(to_ms))
    .bind(fingerprint)
    .bind(new.link.as_ref().map(normalize_link))
    .bind(tags)
    .execute(&mut **tx)
    .await?;
    let row = sqlx::query_as::<_, ArticleRow>(&format!("{ARTICLE_SELECT} WHERE a.id = $1"))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(row.map(ArticleRow::into_article))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ChatRef;
    use crate::store::testing::{TitleRenderer, article, record, temp_store};
    use crate::store::{DeliveryAction, SentAs};

    async fn feed_with_channel(store: &Store, url: &str) -> i64 {
        let now = Utc::now();
        let feed = store.sync_feeds(&[(Url::parse(url).expect("url"), None)], now).await.expect("sync").remove(0);
        store.sync_channels(&[ChatRef::Username("@kaltimtodaydotco".into())], now).await.expect("channels");
        feed.id
    }

    async fn first_fetch_primes_without_posting_then_only_new_articles_are_posted() {
        let (store, _dir) = temp_store().await;
        let feed = feed_with_channel(&store, "https://kaltimtoday.co/feed/").await;
        let first = record(&store, feed, &[article(1), article(2)], 0).await;
        assert_eq!(first, RecordOutcome { new_articles: 2, primed_now: true, ..RecordOutcome::default() });

        let second = record(&store, feed, &[article(1), article(2), article(3)], 0).await;
        assert_eq!(second, RecordOutcome { new_articles: 1, posts: 1, deliveries: 1, ..RecordOutcome::default() });
        let again = record(&store, feed, &[article(3)], 0).await;
        assert_eq!(again, RecordOutcome::default());
        assert_eq!(store.outbox_counts().await.expect("counts").pending, 1);

        let latest = store.latest_articles(10, 0).await.expect("latest");
        let titles: Vec<_> = latest.iter().map(|a| a.title.as_str()).collect();
        assert_eq!(titles, ["Berita 3", "Berita 2", "Berita 1"]);
        assert_eq!(latest[0].categories, ["Samarinda"]);
        let known = store.known_keys(feed, &[article(1).key.as_str(), "guid:unknown"]).await.expect("known");
        assert_eq!(known, [article(1).key.as_str()]);
    }

    async fn backfill_posts_the_newest_n_on_the_first_fetch() {
        let (store, _dir) = temp_store().await;
        let feed = feed_with_channel(&store, "https://kaltimtoday.co/feed/").await;
        let first = record(&store, feed, &[article(1), article(2), article(3)], 2).await;
        assert_eq!((first.new_articles, first.posts, first.primed_now), (3, 2, true));
        let posts: Vec<String> =
            sqlx::query_scalar("SELECT html FROM posts ORDER BY id").fetch_all(&store.pool).await.expect("posts");
        assert_eq!(posts, ["Berita 2", "Berita 3"]);
    }

    async fn a_story_in_two_feeds_is_posted_once() {
        let (store, _dir) = temp_store().await;
        let now = Utc::now();
        let feeds = store
            .sync_feeds(
                &[
                    (Url::parse("https://kaltimtoday.co/feed/").expect("url"), None),
                    (Url::parse("https://kaltimtoday.co/category/samarinda/feed/").expect("url"), None),
                ],
                now,
            )
            .await
            .expect("sync");
        store.sync_channels(&[ChatRef::Id(-1001)], now).await.expect("channels");
        record(&store, feeds[0].id, &[], 0).await;
        record(&store, feeds[1].id, &[], 0).await;
        let mut in_category = article(7);
        // The category feed links the same story with tracking parameters and another guid.
        in_category.link = Some(Url::parse("http://kaltimtoday.co/berita-7?utm_source=rss").expect("url"));
        in_category.key = ArticleKey::from_guid("category-guid-7").expect("key");
        in_category.categories = vec!["Samarinda".into(), "Pemerintahan".into()];
        let main = record(&store, feeds[0].id, &[article(7)], 0).await;
        let category = record(&store, feeds[1].id, &[in_category], 0).await;
        assert_eq!((main.posts, category.posts, category.duplicates), (1, 0, 1));

        // One story, one entry: the archive, the search index and the categories list it once.
        let (total, page) = store.latest_page(None, 0, 10).await.expect("latest");
        assert_eq!((total, page.len()), (1, 1));
        assert_eq!(store.latest_articles(10, 0).await.expect("latest").len(), 1);
        let indexed: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM articles_search").fetch_one(&store.pool).await.expect("count");
        assert_eq!(indexed, 1);
        let categories = store.categories().await.expect("categories");
        let filed: Vec<(String, i64)> = categories.iter().map(|c| (c.name.clone(), c.article_count)).collect();
        assert!(filed.contains(&("Pemerintahan".to_owned(), 1)), "the copy's categories file the first: {filed:?}");
        assert!(filed.contains(&("Samarinda".to_owned(), 1)), "{filed:?}");
        let pemerintahan = categories.iter().find(|c| c.name == "Pemerintahan").expect("category");
        let (_, in_pemerintahan) = store.latest_page(Some(pemerintahan.id), 0, 10).await.expect("page");
        assert_eq!(in_pemerintahan.iter().map(|a| a.feed_id).collect::<Vec<_>>(), [feeds[0].id]);
    }

    async fn a_category_feed_signs_with_its_sites_name() {
        let (store, _dir) = temp_store().await;
        let now = Utc::now();
        let main = Url::parse("https://kaltimtoday.co/feed/").expect("url");
        let category = Url::parse("https://kaltimtoday.co/category/samarinda/feed/").expect("url");
        let other = Url::parse("https://other.example/category/x/feed/").expect("url");
        let feeds = store.sync_feeds(&[(main, None), (category, None), (other, None)], now).await.expect("sync");
        store.sync_channels(&[ChatRef::Id(-1001)], now).await.expect("channels");
        let titled = |title: &str| FetchMeta { etag: None, last_modified: None, title: Some(title.into()) };
        for (feed, title) in [(0, "Kaltimtoday.co"), (1, "Samarinda – Kaltimtoday.co"), (2, "X – Other")] {
            let meta = titled(title);
            let record = FetchRecord {
                meta: &meta,
                articles: &[],
                now,
                next_check: now,
                backfill: 0,
                edit_window: Duration::from_secs(3600),
            };
            store.record_fetch_success(feeds[feed].id, record, &TitleRenderer).await.expect("prime");
        }
        let mut in_category = article(8);
        in_category.link = Some(Url::parse("https://kaltimtoday.co/berita-khusus-samarinda/").expect("url"));
        record(&store, feeds[1].id, &[in_category], 0).await;
        record(&store, feeds[2].id, &[article(9)], 0).await;
        let latest = store.latest_articles(10, 0).await.expect("latest");
        let sources: Vec<(&str, &str)> = latest.iter().map(|a| (a.title.as_str(), a.source_name.as_str())).collect();
        assert!(sources.contains(&("Berita 8", "Kaltimtoday.co")), "{sources:?}");
        assert!(sources.contains(&("Berita 9", "X – Other")), "alone on its site: its own title: {sources:?}");
        let posted: Vec<String> =
            sqlx::query_scalar("SELECT html FROM posts ORDER BY id").fetch_all(&store.pool).await.expect("posts");
        assert_eq!(posted.len(), 2);
    }

    async fn a_correction_edits_sent_posts_and_updates_unsent_ones() {
        let (store, _dir) = temp_store().await;
        let feed = feed_with_channel(&store, "https://kaltimtoday.co/feed/").await;
        record(&store, feed, &[], 0).await;
        record(&store, feed, &[article(1), article(2)], 0).await;
        // Article 1 is sent, article 2 is still waiting.
        let sent = store.claim_next(Utc::now(), std::time::Duration::from_secs(60)).await.expect("claim").expect("due");
        store.mark_sent(sent.id, 77, SentAs::Text, Utc::now()).await.expect("sent");

        let mut corrected_1 = article(1);
        corrected_1.title = "Berita 1 (ralat)".into();
        let mut corrected_2 = article(2);
        corrected_2.title = "Berita 2 (ralat)".into();
        let outcome = record(&store, feed, &[corrected_1, corrected_2], 0).await;
        assert_eq!((outcome.corrections, outcome.edits, outcome.posts), (2, 1, 0));

        let now = Utc::now();
        let lease = std::time::Duration::from_secs(60);
        let unsent = store.claim_next(now, lease).await.expect("claim").expect("article 2, corrected");
        assert_eq!((unsent.action, unsent.post.content.html.as_str()), (DeliveryAction::Send, "Berita 2 (ralat)"));
        store.mark_sent(unsent.id, 78, SentAs::Text, now).await.expect("sent");
        let edit = store.claim_next(now, lease).await.expect("claim").expect("edit of article 1");
        assert_eq!((edit.action, edit.target_message_id), (DeliveryAction::Edit, Some(77)));
        assert_eq!(edit.post.content.html, "Berita 1 (ralat)");
        store.mark_sent(edit.id, 77, SentAs::Text, now).await.expect("edited");

        // Same content again: nothing to do. A fresh correction outside the window edits nothing.
        assert_eq!(record(&store, feed, &[article(3)], 0).await.corrections, 0);
        let mut late = article(1);
        late.title = "Berita 1 (ralat kedua)".into();
        let outcome = store
            .record_fetch_success(
                feed,
                FetchRecord {
                    meta: &FetchMeta::default(),
                    articles: &[late],
                    now: now + chrono::Duration::hours(49),
                    next_check: now,
                    backfill: 0,
                    edit_window: Duration::from_secs(48 * 3600),
                },
                &TitleRenderer,
            )
            .await
            .expect("record");
        assert_eq!((outcome.corrections, outcome.edits), (1, 0));
    }

    async fn future_dated_articles_sort_at_their_first_sighting() {
        let (store, _dir) = temp_store().await;
        let now = Utc::now();
        let feed = store
            .sync_feeds(&[(Url::parse("https://a.id/feed").expect("url"), None)], now)
            .await
            .expect("sync")
            .remove(0);
        let mut future = article(1);
        future.published_at = Some(now + chrono::Duration::days(30));
        let mut recent = article(2);
        recent.published_at = Some(now - chrono::Duration::seconds(1));
        record(&store, feed.id, &[future, recent], 0).await;
        let latest = store.latest_articles(10, 0).await.expect("latest");
        assert_eq!(latest[0].title, "Berita 1", "clamped to now, so still the newest");
        assert_eq!(latest[1].title, "Berita 2");
        assert_eq!(store.latest_articles(1, 1).await.expect("page")[0].title, "Berita 2");
    }

    both_backends!(
        first_fetch_primes_without_posting_then_only_new_articles_are_posted,
        backfill_posts_the_newest_n_on_the_first_fetch,
        a_story_in_two_feeds_is_posted_once,
        a_category_feed_signs_with_its_sites_name,
        a_correction_edits_sent_posts_and_updates_unsent_ones,
        future_dated_articles_sort_at_their_first_sighting,
    );
}
