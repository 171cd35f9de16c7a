//! The flood guard's held batches: a fetch with too many new items waits here
//! for an admin's decision instead of being posted.

use crate::store::Flag;
use std::collections::HashSet;

use chrono::{DateTime, Utc};
use url::Url;

use super::articles::{Elsewhere, NewStory, record_new_article};
use super::feeds::{site_name_columns, source_name};
use super::outbox::enqueue_article;
use super::{Store, StoreError, from_ms, to_ms};
use crate::domain::{ArticleKey, NewArticle, PostRenderer};

/// A held batch the admins were not told about yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldBatch {
    pub id: i64,
    pub feed_id: i64,
    /// The feed's name as posts show it.
    pub feed_name: String,
    pub feed_url: String,
    pub items: i64,
}

/// What an admin decided for a held batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HoldDecision {
    /// Kirim semua: post every held item, in order.
    SendAll,
    /// Lewati: store them as known, post nothing.
    Skip,
}

impl HoldDecision {
    fn state(self) -> &'static str {
        match self {
            Self::SendAll => "sent",
            Self::Skip => "skipped",
        }
    }
}

/// What deciding a held batch did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HoldOutcome {
    Decided {
        decision: HoldDecision,
        /// Items stored as articles (the rest were known by then).
        stored: usize,
        posts: usize,
        deliveries: usize,
    },
    /// Someone decided before: nothing done again.
    AlreadyDecided(HoldDecision),
    NotFound,
}

/// A held item as stored (JSON): a [`NewArticle`].
#[derive(serde::Serialize, serde::Deserialize)]
struct HeldItem {
    key: String,
    title: String,
    link: Option<String>,
    summary_html: Option<String>,
    content_html: Option<String>,
    author: Option<String>,
    categories: Vec<String>,
    image_url: Option<String>,
    published_at: Option<i64>,
}

impl HeldItem {
    fn of(article: &NewArticle) -> Self {
        Self {
            key: article.key.as_str().to_owned(),
            title: article.title.clone(),
            link: article.link.as_ref().map(|l| l.as_str().to_owned()),
            summary_html: article.summary_html.clone(),
            content_html: article.content_html.clone(),
            author: article.author.clone(),
            categories: article.categories.clone(),
            image_url: article.image_url.as_ref().map(|l| l.as_str().to_owned()),
            published_at: article.published_at.map(to_ms),
        }
    }

    fn into_article(self) -> NewArticle {
        NewArticle {
            key: ArticleKey::from_stored(self.key),
            title: self.title,
            link: self.link.as_deref().and_then(|l| Url::parse(l).ok()),
            summary_html: self.summary_html,
            content_html: self.content_html,
            author: self.author,
            categories: self.categories,
            tags: vec![],
            page_photo: None,
            image_url: self.image_url.as_deref().and_then(|l| Url::parse(l).ok()),
            published_at: self.published_at.map(from_ms),
        }
    }
}

impl Store {
    /// Holds `articles` (in posting order) of one fetch; returns the batch id.
    pub async fn hold_batch(
        &self,
        feed_id: i64,
        articles: &[NewArticle],
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let mut tx = self.begin_write().await?;
        let id: i64 =
            sqlx::query_scalar("INSERT INTO held_batches (feed_id, items, held_at) VALUES ($1, $2, $3) RETURNING id")
                .bind(feed_id)
                .bind(i64::try_from(articles.len()).unwrap_or(i64::MAX))
                .bind(to_ms(now))
                .fetch_one(&mut *tx)
                .await?;
        for (position, article) in articles.iter().enumerate() {
            let item = serde_json::to_string(&HeldItem::of(article)).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            sqlx::query("INSERT INTO held_items (batch_id, position, feed_id, key, item) VALUES ($1, $2, $3, $4, $5)")
                .bind(id)
                .bind(i64::try_from(position).unwrap_or(i64::MAX))
                .bind(feed_id)
                .bind(article.key.as_str())
                .bind(item)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// Which of `keys` wait in an undecided batch of this feed.
    pub async fn held_keys(&self, feed_id: i64, keys: &[&str]) -> Result<Vec<String>, StoreError> {
        let select = "SELECT i.key FROM held_items i JOIN held_batches b ON b.id = i.batch_id
                      WHERE i.feed_id = $1 AND b.state = 'held' AND i.key IN ({keys})";
        super::feed_keys_in(&self.pool, select, feed_id, keys).await
    }

    /// Which of these normalized links this feed already has an article for.
    pub async fn known_link_keys(&self, feed_id: i64, link_keys: &[&str]) -> Result<Vec<String>, StoreError> {
        let select = "SELECT link_key FROM articles WHERE feed_id = $1 AND link_key IN ({keys})";
        super::feed_keys_in(&self.pool, select, feed_id, link_keys).await
    }

    /// Held batches the admins have not been sent the buttons for, oldest first.
    pub async fn unannounced_holds(&self) -> Result<Vec<HeldBatch>, StoreError> {
        type Row = (i64, i64, Option<String>, Option<String>, String, i64);
        let rows: Vec<Row> = sqlx::query_as(concat!(
            "SELECT b.id, b.feed_id, ",
            site_name_columns!(),
            ", f.url, b.items FROM held_batches b JOIN feeds f ON f.id = b.feed_id
                 WHERE b.announced_at IS NULL AND b.state = 'held' ORDER BY b.id"
        ))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, feed_id, name, title, url, items)| HeldBatch {
                id,
                feed_id,
                feed_name: source_name(name.as_deref(), title.as_deref(), &url),
                feed_url: url,
                items,
            })
            .collect())
    }

    pub async fn mark_hold_announced(&self, id: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
        sqlx::query("UPDATE held_batches SET announced_at = $2 WHERE id = $1 AND announced_at IS NULL")
            .bind(id)
            .bind(to_ms(now))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Decides a held batch once, in one transaction: Kirim semua stores and
    /// posts its items in order, Lewati stores them without posting. A second
    /// decision (a repeated or raced press) changes nothing.
    pub async fn decide_hold(
        &self,
        id: i64,
        decision: HoldDecision,
        admin: i64,
        now: DateTime<Utc>,
        renderer: &impl PostRenderer,
    ) -> Result<HoldOutcome, StoreError> {
        let mut tx = self.begin_write().await?;
        let claimed: Option<i64> = sqlx::query_scalar(
            "UPDATE held_batches SET state = $2, decided_at = $3, decided_by = $4
             WHERE id = $1 AND state = 'held' RETURNING feed_id",
        )
        .bind(id)
        .bind(decision.state())
        .bind(to_ms(now))
        .bind(admin)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(feed_id) = claimed else {
            let state: Option<String> = sqlx::query_scalar("SELECT state FROM held_batches WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
            return Ok(match state.as_deref() {
                Some("sent") => HoldOutcome::AlreadyDecided(HoldDecision::SendAll),
                Some("skipped") => HoldOutcome::AlreadyDecided(HoldDecision::Skip),
                _ => HoldOutcome::NotFound,
            });
        };
        let (name, title, url): (Option<String>, Option<String>, String) =
            sqlx::query_as(concat!("SELECT ", site_name_columns!(), ", f.url FROM feeds f WHERE f.id = $1"))
                .bind(feed_id)
                .fetch_one(&mut *tx)
                .await?;
        let source = source_name(name.as_deref(), title.as_deref(), &url);
        let items: Vec<String> =
            sqlx::query_scalar("SELECT item FROM held_items WHERE batch_id = $1 ORDER BY position")
                .bind(id)
                .fetch_all(&mut *tx)
                .await?;
        let mut articles = Vec::with_capacity(items.len());
        for item in items {
            let item: HeldItem = serde_json::from_str(&item).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            articles.push(item.into_article());
        }
        let in_batch: HashSet<&str> = articles.iter().map(|a| a.key.as_str()).collect();
        let (mut stored, mut posts, mut deliveries) = (0, 0, 0);
        for new in &articles {
            let known: Flag = sqlx::query_scalar("SELECT COUNT(*) > 0 FROM articles WHERE feed_id = $1 AND key = $2")
                .bind(feed_id)
                .bind(new.key.as_str())
                .fetch_one(&mut *tx)
                .await?;
            if known.0 {
                continue;
            }
            let fingerprint = renderer.fingerprint(new);
            let fresh =
                record_new_article(&mut tx, feed_id, new, &fingerprint, &source, &in_batch, renderer, now).await?;
            let NewStory::Stored { article, elsewhere } = fresh else { continue };
            stored += 1;
            if decision == HoldDecision::SendAll && elsewhere == Elsewhere::Nowhere {
                deliveries += enqueue_article(&mut tx, &article, renderer, now).await?;
                posts += 1;
            }
        }
        sqlx::query("DELETE FROM held_items WHERE batch_id = $1").bind(id).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(HoldOutcome::Decided { decision, stored, posts, deliveries })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ChatRef;
    use crate::store::testing::{TitleRenderer, record, temp_store};

    fn article(n: u32, guid: &str) -> NewArticle {
        let link = Url::parse(&format!("https://kaltimtoday.co/berita-{n}/")).expect("url");
        NewArticle {
            key: ArticleKey::from_guid(&format!("{guid}{n}")).expect("key"),
            title: format!("Berita {n}"),
            link: Some(link),
            summary_html: Some(format!("<p>Ringkasan {n}</p>")),
            content_html: None,
            author: None,
            categories: vec![],
            tags: vec![],
            page_photo: None,
            image_url: None,
            published_at: Some(Utc::now()),
        }
    }

    async fn feed_with_channel(store: &Store) -> i64 {
        let now = Utc::now();
        let url = Url::parse("https://kaltimtoday.co/feed/").expect("url");
        let feed = store.sync_feeds(&[(url, None)], now).await.expect("sync").remove(0);
        store.sync_channels(&[ChatRef::Username("@kaltimtodaydotco".into())], now).await.expect("channels");
        feed.id
    }

    async fn a_held_batch_is_decided_once_and_posted_in_order() {
        let (store, _dir) = temp_store().await;
        let feed = feed_with_channel(&store).await;
        record(&store, feed, &[article(1, "p=")], 0).await;
        let flood: Vec<NewArticle> = (2..=5).map(|n| article(n, "p=")).collect();
        let batch = store.hold_batch(feed, &flood, Utc::now()).await.expect("hold");
        let keys: Vec<&str> = flood.iter().map(|a| a.key.as_str()).collect();
        assert_eq!(store.held_keys(feed, &keys).await.expect("held").len(), 4);
        assert_eq!(store.unannounced_holds().await.expect("list")[0].items, 4);
        store.mark_hold_announced(batch, Utc::now()).await.expect("announced");
        assert!(store.unannounced_holds().await.expect("list").is_empty());

        let now = Utc::now();
        let decided = store.decide_hold(batch, HoldDecision::SendAll, 42, now, &TitleRenderer).await.expect("decide");
        assert_eq!(
            decided,
            HoldOutcome::Decided { decision: HoldDecision::SendAll, stored: 4, posts: 4, deliveries: 4 }
        );
        assert!(store.held_keys(feed, &keys).await.expect("held").is_empty());
        for again in [HoldDecision::SendAll, HoldDecision::Skip] {
            let outcome = store.decide_hold(batch, again, 42, now, &TitleRenderer).await.expect("again");
            assert_eq!(outcome, HoldOutcome::AlreadyDecided(HoldDecision::SendAll));
        }
        let forged = store.decide_hold(batch + 100, HoldDecision::Skip, 42, now, &TitleRenderer).await.expect("forged");
        assert_eq!(forged, HoldOutcome::NotFound);
        assert_eq!(store.count_articles(feed).await.expect("count"), 5);
        assert_eq!(store.outbox_counts().await.expect("counts").pending, 4);
    }

    async fn skipped_items_are_stored_unposted() {
        let (store, _dir) = temp_store().await;
        let feed = feed_with_channel(&store).await;
        record(&store, feed, &[article(1, "p=")], 0).await;
        let batch = store.hold_batch(feed, &[article(2, "p="), article(3, "p=")], Utc::now()).await.expect("hold");
        let decided = store.decide_hold(batch, HoldDecision::Skip, 42, Utc::now(), &TitleRenderer).await.expect("skip");
        assert_eq!(decided, HoldOutcome::Decided { decision: HoldDecision::Skip, stored: 2, posts: 0, deliveries: 0 });
        assert_eq!(store.count_articles(feed).await.expect("count"), 3);
        assert_eq!(store.outbox_counts().await.expect("counts").pending, 0);
    }

    async fn a_new_guid_for_a_known_link_is_the_same_story() {
        let (store, _dir) = temp_store().await;
        let feed = feed_with_channel(&store).await;
        record(&store, feed, &[article(1, "p=")], 0).await;
        record(&store, feed, &[article(1, "p="), article(2, "p=")], 0).await;
        assert_eq!(store.outbox_counts().await.expect("counts").pending, 1);
        // Every guid changes (an http → https move); one real new story.
        let moved = [article(1, "https:p="), article(2, "https:p="), article(3, "https:p=")];
        let outcome = record(&store, feed, &moved, 0).await;
        assert_eq!((outcome.new_articles, outcome.posts, outcome.same_story), (1, 1, 2));
        assert_eq!(store.count_articles(feed).await.expect("count"), 3);
        // The new guids are known now: the next fetch changes nothing.
        let again = record(&store, feed, &moved, 0).await;
        assert_eq!((again.new_articles, again.posts, again.same_story), (0, 0, 0));
        // One link under two guids in one fetch: posted once.
        let twice = [article(4, "p="), article(4, "other:")];
        let outcome = record(&store, feed, &twice, 0).await;
        assert_eq!((outcome.new_articles, outcome.posts, outcome.duplicates), (2, 1, 1));
    }

    both_backends!(
        a_held_batch_is_decided_once_and_posted_in_order,
        skipped_items_are_stored_unposted,
        a_new_guid_for_a_known_link_is_the_same_story,
    );
}
