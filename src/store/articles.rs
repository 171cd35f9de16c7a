use chrono::{DateTime, Utc};
use sqlx::{Sqlite, Transaction};
use url::Url;

use super::feeds::source_name;
use super::{Store, StoreError, from_ms, to_ms};
use crate::domain::{Article, ArticleKey, NewArticle, NewPost};

/// What one successful fetch changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RecordOutcome {
    /// Articles stored for the first time.
    pub new_articles: usize,
    /// Posts enqueued (zero on the fetch that primes the feed).
    pub posts: usize,
    /// Deliveries enqueued across all chats.
    pub deliveries: usize,
    /// This fetch was the feed's first success: its articles were recorded, not posted.
    pub primed_now: bool,
}

/// HTTP validators and metadata of a successful fetch.
#[derive(Debug, Clone, Default)]
pub struct FetchMeta {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub title: Option<String>,
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
    image_url: Option<String>,
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
            image_url: self.image_url.as_deref().and_then(|l| Url::parse(l).ok()),
            published_at: self.published_at.map(from_ms),
            seen_at: from_ms(self.seen_at),
            source_name: source_name(self.feed_name.as_deref(), self.feed_title.as_deref(), &self.feed_url),
        }
    }
}

const ARTICLE_SELECT: &str = "SELECT a.id, a.feed_id, a.key, a.title, a.link, a.summary_html, a.content_html, a.author,
            a.categories, a.image_url, a.published_at, a.seen_at,
            f.name AS feed_name, f.title AS feed_title, f.url AS feed_url
     FROM articles a JOIN feeds f ON f.id = a.feed_id";

impl Store {
    /// Records a successful fetch in one transaction: stores the articles not
    /// seen before and, unless this is the feed's first success, renders a post
    /// for each and enqueues one delivery per active target chat.
    ///
    /// `articles` must be in posting order (oldest first): post ids, and so
    /// delivery order, follow it.
    pub async fn record_fetch_success(
        &self,
        feed_id: i64,
        meta: &FetchMeta,
        articles: &[NewArticle],
        now: DateTime<Utc>,
        next_check: DateTime<Utc>,
        mut render: impl FnMut(&Article) -> NewPost,
    ) -> Result<RecordOutcome, StoreError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let (primed_at, name, url): (Option<i64>, Option<String>, String) =
            sqlx::query_as("SELECT primed_at, name, url FROM feeds WHERE id = ?1")
                .bind(feed_id)
                .fetch_one(&mut *tx)
                .await?;
        let title = meta.title.as_deref().map(str::trim).filter(|t| !t.is_empty());
        let source = source_name(name.as_deref(), title, &url);
        let mut outcome = RecordOutcome { primed_now: primed_at.is_none(), ..RecordOutcome::default() };

        for new in articles {
            let Some(article) = insert_article(&mut tx, feed_id, new, now, &source).await? else {
                continue;
            };
            outcome.new_articles += 1;
            if outcome.primed_now {
                continue;
            }
            let post = render(&article);
            outcome.deliveries += enqueue_post(&mut tx, Some(article.id), &post, now).await?;
            outcome.posts += 1;
        }

        sqlx::query(
            "UPDATE feeds SET etag = ?2, last_modified = ?3, title = COALESCE(?4, title),
                    primed_at = COALESCE(primed_at, ?5), last_fetched_at = ?5, last_success_at = ?5,
                    next_check_at = ?6, error_count = 0, last_error = NULL
             WHERE id = ?1",
        )
        .bind(feed_id)
        .bind(meta.etag.as_deref())
        .bind(meta.last_modified.as_deref())
        .bind(title)
        .bind(to_ms(now))
        .bind(to_ms(next_check))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// The newest articles across all feeds, newest first.
    pub async fn latest_articles(&self, limit: u32, offset: u32) -> Result<Vec<Article>, StoreError> {
        let rows = sqlx::query_as::<_, ArticleRow>(&format!(
            "{ARTICLE_SELECT} ORDER BY a.sort_at DESC, a.id DESC LIMIT ?1 OFFSET ?2"
        ))
        .bind(i64::from(limit))
        .bind(i64::from(offset))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(ArticleRow::into_article).collect())
    }

    pub async fn article(&self, id: i64) -> Result<Option<Article>, StoreError> {
        let row = sqlx::query_as::<_, ArticleRow>(&format!("{ARTICLE_SELECT} WHERE a.id = ?1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(ArticleRow::into_article))
    }

    pub async fn count_articles(&self, feed_id: i64) -> Result<i64, StoreError> {
        let count = sqlx::query_scalar("SELECT COUNT(*) FROM articles WHERE feed_id = ?1")
            .bind(feed_id)
            .fetch_one(&self.pool)
            .await?;
        Ok(count)
    }
}

/// Inserts an article unless its key is known; returns it only if it is new.
async fn insert_article(
    tx: &mut Transaction<'_, Sqlite>,
    feed_id: i64,
    new: &NewArticle,
    now: DateTime<Utc>,
    source: &str,
) -> Result<Option<Article>, StoreError> {
    let categories = serde_json::to_string(&new.categories).map_err(|err| StoreError::Corrupt(err.to_string()))?;
    let seen_at = to_ms(now);
    let sort_at = new.published_at.map_or(seen_at, |p| to_ms(p).min(seen_at));
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO articles (feed_id, key, title, link, summary_html, content_html, author, categories,
                               image_url, published_at, seen_at, sort_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
         ON CONFLICT (feed_id, key) DO NOTHING
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
    .fetch_optional(&mut **tx)
    .await?;
    Ok(id.map(|id| Article {
        id,
        feed_id,
        key: new.key.clone(),
        title: new.title.clone(),
        link: new.link.clone(),
        summary_html: new.summary_html.clone(),
        content_html: new.content_html.clone(),
        author: new.author.clone(),
        categories: new.categories.clone(),
        image_url: new.image_url.clone(),
        published_at: new.published_at,
        seen_at: now,
        source_name: source.to_owned(),
    }))
}

/// Stores a post and one pending delivery per active target chat, in the
/// caller's transaction. Returns the number of deliveries.
pub(super) async fn enqueue_post(
    tx: &mut Transaction<'_, Sqlite>,
    article_id: Option<i64>,
    post: &NewPost,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let (button_text, button_url) = match &post.button {
        Some(button) => (Some(button.text.as_str()), Some(button.url.as_str())),
        None => (None, None),
    };
    let post_id: i64 = sqlx::query_scalar(
        "INSERT INTO posts (article_id, html, plain, button_text, button_url, link_preview, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
    )
    .bind(article_id)
    .bind(&post.html)
    .bind(&post.plain)
    .bind(button_text)
    .bind(button_url)
    .bind(post.link_preview == crate::domain::LinkPreview::Enabled)
    .bind(to_ms(now))
    .fetch_one(&mut **tx)
    .await?;
    let enqueued = sqlx::query(
        "INSERT INTO deliveries (post_id, chat_id, status, next_attempt_at, created_at, updated_at)
         SELECT ?1, id, 'pending', ?2, ?2, ?2 FROM chats WHERE is_target = 1 AND active = 1 ORDER BY id",
    )
    .bind(post_id)
    .bind(to_ms(now))
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(usize::try_from(enqueued).unwrap_or(usize::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ChatRef, LinkPreview};
    use crate::store::testing::temp_store;

    fn article(n: u32) -> NewArticle {
        let link = Url::parse(&format!("https://kaltimtoday.co/berita-{n}/")).expect("url");
        NewArticle {
            key: ArticleKey::from_link(&link),
            title: format!("Berita {n}"),
            link: Some(link),
            summary_html: Some(format!("<p>Ringkasan {n}</p>")),
            content_html: None,
            author: Some("Redaksi".into()),
            categories: vec!["Samarinda".into()],
            image_url: None,
            published_at: Some(Utc::now() - chrono::Duration::minutes(i64::from(100 - n))),
        }
    }

    fn render(article: &Article) -> NewPost {
        NewPost {
            html: format!("<b>{}</b>", article.title),
            plain: article.title.clone(),
            button: None,
            link_preview: LinkPreview::Disabled,
        }
    }

    #[tokio::test]
    async fn first_fetch_primes_without_posting_then_only_new_articles_are_posted() {
        let (store, _dir) = temp_store().await;
        let now = Utc::now();
        let feed = store
            .sync_feeds(&[(Url::parse("https://kaltimtoday.co/feed/").expect("url"), None)], now)
            .await
            .expect("sync")
            .remove(0);
        store.sync_channels(&[ChatRef::Username("@kaltimtodaydotco".into())], now).await.expect("channels");
        let meta = FetchMeta { title: Some("Kaltimtoday.co".into()), ..FetchMeta::default() };

        let first = store
            .record_fetch_success(feed.id, &meta, &[article(1), article(2)], now, now, render)
            .await
            .expect("first");
        assert_eq!(first, RecordOutcome { new_articles: 2, posts: 0, deliveries: 0, primed_now: true });

        let second = store
            .record_fetch_success(feed.id, &meta, &[article(1), article(2), article(3)], now, now, render)
            .await
            .expect("second");
        assert_eq!(second, RecordOutcome { new_articles: 1, posts: 1, deliveries: 1, primed_now: false });

        let again = store.record_fetch_success(feed.id, &meta, &[article(3)], now, now, render).await.expect("third");
        assert_eq!(again.new_articles, 0);
        assert_eq!(store.outbox_counts().await.expect("counts").pending, 1);

        let latest = store.latest_articles(10, 0).await.expect("latest");
        let titles: Vec<_> = latest.iter().map(|a| a.title.as_str()).collect();
        assert_eq!(titles, ["Berita 3", "Berita 2", "Berita 1"]);
        assert_eq!(latest[0].source_name, "Kaltimtoday.co");
        assert_eq!(latest[0].categories, ["Samarinda"]);
    }

    #[tokio::test]
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
        store
            .record_fetch_success(feed.id, &FetchMeta::default(), &[future, recent], now, now, render)
            .await
            .expect("record");
        let latest = store.latest_articles(10, 0).await.expect("latest");
        assert_eq!(latest[0].title, "Berita 1", "clamped to now, so still the newest");
        assert_eq!(latest[1].title, "Berita 2");
        assert_eq!(store.latest_articles(1, 1).await.expect("page")[0].title, "Berita 2");
    }
}
