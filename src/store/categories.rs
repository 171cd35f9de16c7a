//! The site's categories, the article index (categories and full-text
//! search), and the categories each subscriber chose.

use crate::store::Backend;
use crate::store::Flag;
use std::collections::HashSet;

use chrono::{DateTime, Utc};
use sqlx::{Any, Transaction};

use super::subscribers::{SubscribeOutcome, subscribe_in};
use super::{Store, StoreError, to_ms};
use crate::domain::{CategoryKey, PostRenderer, SearchText, display_category};

/// Most categories one article is filed under (feeds with 200 tags exist).
const CATEGORIES_PER_ARTICLE: usize = 20;
/// Most categories one reader may choose.
pub const READER_CATEGORIES_MAX: usize = 30;
/// Articles indexed per transaction when catching up.
const INDEX_BATCH: i64 = 500;

/// A category of the site.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Category {
    pub id: i64,
    /// The folded name ([`CategoryKey`]).
    pub key: String,
    pub name: String,
    pub article_count: i64,
    /// Hidden by an admin's command.
    #[sqlx(try_from = "crate::store::Flag")]
    pub hidden: bool,
}

/// What ticking a category did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CategoryToggle {
    Added,
    Removed,
    UnknownCategory,
    /// The reader already chose [`READER_CATEGORIES_MAX`] categories.
    TooMany,
}

/// Files an article under its categories and in the search index, in the
/// caller's transaction. Re-indexing (after a correction) replaces both.
pub(super) async fn index_article(
    tx: &mut Transaction<'_, Any>,
    article_id: i64,
    sort_at: i64,
    categories: &[String],
    text: &SearchText,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE categories SET article_count = article_count - 1
         WHERE id IN (SELECT category_id FROM article_categories WHERE article_id = $1)",
    )
    .bind(article_id)
    .execute(&mut **tx)
    .await?;
    sqlx::query("DELETE FROM article_categories WHERE article_id = $1").bind(article_id).execute(&mut **tx).await?;
    let mut seen = HashSet::new();
    for name in categories {
        let key = CategoryKey::new(name);
        if key.is_empty() || !seen.insert(key.clone()) {
            continue;
        }
        if seen.len() > CATEGORIES_PER_ARTICLE {
            break;
        }
        let category_id: i64 = sqlx::query_scalar(
            "INSERT INTO categories (key, name, article_count, created_at) VALUES ($1, $2, 1, $3)
             ON CONFLICT (key) DO UPDATE SET name = excluded.name, article_count = categories.article_count + 1
             RETURNING id",
        )
        .bind(key.as_str())
        .bind(display_category(name))
        .bind(to_ms(now))
        .fetch_one(&mut **tx)
        .await?;
        sqlx::query("INSERT INTO article_categories (category_id, article_id, sort_at) VALUES ($1, $2, $3)")
            .bind(category_id)
            .bind(article_id)
            .bind(sort_at)
            .execute(&mut **tx)
            .await?;
    }
    sqlx::query(Backend::of(tx).pick(
        "INSERT OR REPLACE INTO articles_search (rowid, title, body) VALUES ($1, $2, $3)",
        "INSERT INTO articles_search (rowid, document)
         VALUES ($1, setweight(to_tsvector('simple', unaccent($2)), 'A')
                     || setweight(to_tsvector('simple', unaccent($3)), 'D'))
         ON CONFLICT (rowid) DO UPDATE SET document = excluded.document",
    ))
    .bind(article_id)
    .bind(&text.title)
    .bind(&text.body)
    .execute(&mut **tx)
    .await?;
    sqlx::query("UPDATE articles SET indexed = 1 WHERE id = $1").bind(article_id).execute(&mut **tx).await?;
    Ok(())
}

/// Adds categories to an article's (those of a later copy of the story, from
/// a category feed), keeping the ones it has.
pub(super) async fn file_under_categories(
    tx: &mut Transaction<'_, Any>,
    article_id: i64,
    categories: &[String],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let sort_at: i64 =
        sqlx::query_scalar("SELECT sort_at FROM articles WHERE id = $1").bind(article_id).fetch_one(&mut **tx).await?;
    let filed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM article_categories WHERE article_id = $1")
        .bind(article_id)
        .fetch_one(&mut **tx)
        .await?;
    let mut room = CATEGORIES_PER_ARTICLE.saturating_sub(usize::try_from(filed).unwrap_or(usize::MAX));
    for name in categories {
        let key = CategoryKey::new(name);
        if key.is_empty() || room == 0 {
            continue;
        }
        let category_id: i64 = sqlx::query_scalar(
            "INSERT INTO categories (key, name, article_count, created_at) VALUES ($1, $2, 0, $3)
             ON CONFLICT (key) DO UPDATE SET key = excluded.key RETURNING id",
        )
        .bind(key.as_str())
        .bind(display_category(name))
        .bind(to_ms(now))
        .fetch_one(&mut **tx)
        .await?;
        let added = sqlx::query(
            "INSERT INTO article_categories (category_id, article_id, sort_at) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING",
        )
        .bind(category_id)
        .bind(article_id)
        .bind(sort_at)
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if added > 0 {
            room -= 1;
            sqlx::query("UPDATE categories SET article_count = article_count + 1 WHERE id = $1")
                .bind(category_id)
                .execute(&mut **tx)
                .await?;
        }
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct UnindexedRow {
    id: i64,
    title: String,
    summary_html: Option<String>,
    content_html: Option<String>,
    categories: String,
    sort_at: i64,
}

impl Store {
    /// Indexes articles stored before categories and search existed (or by
    /// an interrupted run). Returns how many were indexed.
    pub async fn index_pending_articles(&self, renderer: &impl PostRenderer) -> Result<usize, StoreError> {
        let mut indexed = 0;
        loop {
            let mut tx = self.begin_write().await?;
            let rows: Vec<UnindexedRow> = sqlx::query_as(
                "SELECT id, title, summary_html, content_html, categories, sort_at
                 FROM articles WHERE indexed = 0 ORDER BY id LIMIT $1",
            )
            .bind(INDEX_BATCH)
            .fetch_all(&mut *tx)
            .await?;
            if rows.is_empty() {
                return Ok(indexed);
            }
            let now = Utc::now();
            for row in &rows {
                let categories: Vec<String> = serde_json::from_str(&row.categories).unwrap_or_default();
                let text = renderer.search_text(&row.title, row.summary_html.as_deref(), row.content_html.as_deref());
                index_article(&mut tx, row.id, row.sort_at, &categories, &text, now).await?;
            }
            tx.commit().await?;
            indexed += rows.len();
        }
    }

    /// Every category that has articles, the most used first.
    pub async fn categories(&self) -> Result<Vec<Category>, StoreError> {
        let categories = sqlx::query_as(
            "SELECT id, key, name, article_count, hidden = 1 AS hidden FROM categories
             WHERE article_count > 0 ORDER BY article_count DESC, key",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(categories)
    }

    pub async fn category(&self, id: i64) -> Result<Option<Category>, StoreError> {
        let category =
            sqlx::query_as("SELECT id, key, name, article_count, hidden = 1 AS hidden FROM categories WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(category)
    }

    /// Hides a category from readers' lists (or shows it again).
    pub async fn set_category_hidden(&self, id: i64, hidden: bool) -> Result<bool, StoreError> {
        let changed = sqlx::query("UPDATE categories SET hidden = $2 WHERE id = $1 AND hidden != $2")
            .bind(id)
            .bind(i64::from(hidden))
            .execute(&self.pool)
            .await?;
        Ok(changed.rows_affected() > 0)
    }

    /// The categories a reader chose (empty: every article).
    pub async fn reader_categories(&self, user_id: i64) -> Result<Vec<i64>, StoreError> {
        let ids = sqlx::query_scalar(
            "SELECT rc.category_id FROM reader_categories rc JOIN chats c ON c.id = rc.chat_id
             WHERE c.telegram_id = $1 ORDER BY rc.category_id",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(ids)
    }

    /// Ticks or unticks a category for a reader. Choosing categories is
    /// choosing to receive them: a reader who was not subscribed now is.
    pub async fn toggle_reader_category(
        &self,
        user_id: i64,
        category_id: i64,
        language: Option<&str>,
        style: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(CategoryToggle, Option<SubscribeOutcome>), StoreError> {
        let mut tx = self.begin_write().await?;
        let exists: Flag = sqlx::query_scalar("SELECT COUNT(*) > 0 FROM categories WHERE id = $1")
            .bind(category_id)
            .fetch_one(&mut *tx)
            .await?;
        if !exists.0 {
            return Ok((CategoryToggle::UnknownCategory, None));
        }
        let chat_id: Option<i64> = sqlx::query_scalar("SELECT id FROM chats WHERE telegram_id = $1")
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?;
        let removed = match chat_id {
            Some(chat_id) => {
                sqlx::query("DELETE FROM reader_categories WHERE chat_id = $1 AND category_id = $2")
                    .bind(chat_id)
                    .bind(category_id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
                    > 0
            }
            None => false,
        };
        if removed {
            tx.commit().await?;
            return Ok((CategoryToggle::Removed, None));
        }
        let chosen: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM reader_categories rc JOIN chats c ON c.id = rc.chat_id WHERE c.telegram_id = $1",
        )
        .bind(user_id)
        .fetch_one(&mut *tx)
        .await?;
        if usize::try_from(chosen).unwrap_or(usize::MAX) >= READER_CATEGORIES_MAX {
            return Ok((CategoryToggle::TooMany, None));
        }
        let (chat_id, subscribed) = subscribe_in(&mut tx, user_id, language, style, now).await?;
        sqlx::query("INSERT INTO reader_categories (chat_id, category_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(chat_id)
            .bind(category_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok((CategoryToggle::Added, Some(subscribed)))
    }

    /// Back to every article. Returns whether the reader had chosen any.
    pub async fn clear_reader_categories(&self, user_id: i64) -> Result<bool, StoreError> {
        let removed =
            sqlx::query("DELETE FROM reader_categories WHERE chat_id IN (SELECT id FROM chats WHERE telegram_id = $1)")
                .bind(user_id)
                .execute(&self.pool)
                .await?;
        Ok(removed.rows_affected() > 0)
    }
}

#[cfg(test)]
mod tests {
    use url::Url;

    use super::*;
    use crate::domain::{ArticleKey, ChatRef, ForumTopics, NewArticle};
    use crate::store::testing::{record, temp_store};

    fn article(n: u32, title: &str, categories: &[&str]) -> NewArticle {
        let link = Url::parse(&format!("https://kaltimtoday.co/berita-{n}/")).expect("url");
        NewArticle {
            key: ArticleKey::from_link(&link),
            title: title.into(),
            link: Some(link),
            summary_html: Some(format!("Ringkasan berita {n}")),
            content_html: None,
            author: None,
            categories: categories.iter().map(|c| (*c).to_owned()).collect(),
            tags: vec![],
            page_photo: None,
            image_url: None,
            published_at: Some(Utc::now() - chrono::Duration::minutes(i64::from(1000 - n))),
        }
    }

    async fn feed(store: &Store) -> i64 {
        let url = Url::parse("https://kaltimtoday.co/feed/").expect("url");
        store.sync_feeds(&[(url, None)], Utc::now()).await.expect("sync").remove(0).id
    }

    async fn pending_chats(store: &Store) -> Vec<(Option<i64>, Option<i32>)> {
        sqlx::query_as(
            "SELECT c.telegram_id, d.thread_id FROM deliveries d JOIN chats c ON c.id = d.chat_id
             WHERE d.status = 'pending' ORDER BY c.telegram_id, d.id",
        )
        .fetch_all(&store.pool)
        .await
        .expect("deliveries")
    }

    async fn articles_are_filed_under_their_categories_whatever_the_spelling() {
        let (store, _dir) = temp_store().await;
        let feed = feed(&store).await;
        let articles = [
            article(1, "Satu", &["Samarinda", "Ekonomi & Bisnis"]),
            article(2, "Dua", &["samarinda", "SAMARINDA"]),
            article(3, "Tiga", &["  ", "!!"]),
        ];
        record(&store, feed, &articles, 0).await;
        let categories = store.categories().await.expect("categories");
        let summary: Vec<_> = categories.iter().map(|c| (c.key.as_str(), c.article_count)).collect();
        assert_eq!(summary, [("samarinda", 2), ("ekonomi-bisnis", 1)]);
        // The latest spelling is the one shown.
        assert_eq!(categories[0].name, "samarinda");

        let (total, page) = store.latest_page(Some(categories[0].id), 0, 1).await.expect("page");
        assert_eq!((total, page.iter().map(|a| a.title.as_str()).collect::<Vec<_>>()), (2, vec!["Dua"]));
        let (_, second) = store.latest_page(Some(categories[0].id), 1, 1).await.expect("page");
        assert_eq!(second[0].title, "Satu");
        let (all, _) = store.latest_page(None, 0, 5).await.expect("page");
        assert_eq!(all, 3);

        // A correction moves the article to other categories.
        let mut corrected = article(1, "Satu (ralat)", &["Olahraga"]);
        corrected.summary_html = Some("Ringkasan baru".into());
        record(&store, feed, &[corrected, article(2, "Dua", &["samarinda"]), article(3, "Tiga", &[])], 0).await;
        let summary: Vec<_> =
            store.categories().await.expect("categories").iter().map(|c| (c.key.clone(), c.article_count)).collect();
        assert_eq!(summary, [("olahraga".to_owned(), 1), ("samarinda".to_owned(), 1)]);
    }

    async fn subscribers_with_categories_get_only_those_and_channels_get_everything() {
        let (store, _dir) = temp_store().await;
        let feed = feed(&store).await;
        store.sync_channels(&[ChatRef::Id(-1001)], Utc::now()).await.expect("channel");
        record(&store, feed, &[article(1, "Lama", &["Ekonomi", "Samarinda"])], 0).await;
        let ekonomi =
            store.categories().await.expect("categories").into_iter().find(|c| c.key == "ekonomi").expect("ekonomi");
        store.subscribe_many(&[10, 20], Utc::now()).await.expect("subscribe");
        let (toggle, subscribed) =
            store.toggle_reader_category(10, ekonomi.id, None, None, Utc::now()).await.expect("toggle");
        assert_eq!((toggle, subscribed), (CategoryToggle::Added, Some(SubscribeOutcome::AlreadySubscribed)));
        assert_eq!(store.reader_categories(10).await.expect("chosen"), [ekonomi.id]);

        record(&store, feed, &[article(1, "Lama", &["Ekonomi"]), article(2, "Olahraga", &["Olahraga"])], 0).await;
        assert_eq!(pending_chats(&store).await, [(Some(-1001), None), (Some(20), None)]);

        record(&store, feed, &[article(3, "Harga sembako", &["ekonomi"])], 0).await;
        let pending = pending_chats(&store).await;
        assert_eq!(pending.iter().filter(|(chat, _)| *chat == Some(10)).count(), 1, "{pending:?}");

        // Unticking the last category: every article again.
        let (toggle, _) = store.toggle_reader_category(10, ekonomi.id, None, None, Utc::now()).await.expect("untick");
        assert_eq!(toggle, CategoryToggle::Removed);
        assert!(!store.clear_reader_categories(10).await.expect("clear"));
        let unknown = store.toggle_reader_category(10, 9999, None, None, Utc::now()).await.expect("unknown");
        assert_eq!(unknown, (CategoryToggle::UnknownCategory, None));
    }

    async fn choosing_a_category_subscribes_and_is_bounded() {
        let (store, _dir) = temp_store().await;
        let feed = feed(&store).await;
        let names: Vec<String> = (0..=READER_CATEGORIES_MAX).map(|n| format!("Kategori {n}")).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        record(&store, feed, &[article(1, "Banyak", &refs)], 0).await;
        let categories = store.categories().await.expect("categories");
        // Only the first 20 of an article's categories are kept.
        assert_eq!(categories.len(), 20);
        let (first, subscribed) =
            store.toggle_reader_category(7, categories[0].id, Some("en"), None, Utc::now()).await.expect("toggle");
        assert_eq!((first, subscribed), (CategoryToggle::Added, Some(SubscribeOutcome::Subscribed)));
        assert!(store.is_subscribed(7).await.expect("subscribed"));
        for category in &categories[1..] {
            store.toggle_reader_category(7, category.id, None, None, Utc::now()).await.expect("toggle");
        }
        assert_eq!(store.reader_categories(7).await.expect("chosen").len(), 20);
        let more: Vec<String> = (0..15).map(|n| format!("Lain {n}")).collect();
        let refs: Vec<&str> = more.iter().map(String::as_str).collect();
        record(&store, feed, &[article(1, "Banyak", &[]), article(2, "Lagi", &refs)], 0).await;
        let fresh: Vec<Category> =
            store.categories().await.expect("categories").into_iter().filter(|c| c.key.starts_with("lain")).collect();
        let mut outcomes = Vec::new();
        for category in &fresh {
            outcomes
                .push(store.toggle_reader_category(7, category.id, None, None, Utc::now()).await.expect("toggle").0);
        }
        assert_eq!(outcomes.iter().filter(|o| **o == CategoryToggle::Added).count(), READER_CATEGORIES_MAX - 20);
        assert_eq!(outcomes.last(), Some(&CategoryToggle::TooMany));
    }

    async fn forum_groups_get_the_topic_of_the_category() {
        let (store, _dir) = temp_store().await;
        let feed = feed(&store).await;
        let targets = store.sync_channels(&[ChatRef::Id(-1002)], Utc::now()).await.expect("channel");
        let topics = ForumTopics::new(Some(1), [("Samarinda", 12)]);
        store.set_forum_topics(targets[0].id, Some(&topics)).await.expect("topics");
        record(&store, feed, &[article(1, "Lama", &[])], 0).await;
        record(&store, feed, &[article(2, "Kota", &["Olahraga", "Samarinda"]), article(3, "Bola", &["Olahraga"])], 0)
            .await;
        assert_eq!(pending_chats(&store).await, [(Some(-1002), Some(12)), (Some(-1002), Some(1))]);
    }

    async fn articles_stored_before_the_index_are_indexed_at_start() {
        let (store, _dir) = temp_store().await;
        let feed = feed(&store).await;
        record(&store, feed, &[article(1, "Banjir Samarinda", &["Samarinda"]), article(2, "Lain", &[])], 0).await;
        // As an older version left it.
        sqlx::query("UPDATE articles SET indexed = 0").execute(&store.pool).await.expect("reset");
        sqlx::query("DELETE FROM article_categories").execute(&store.pool).await.expect("reset");
        sqlx::query("UPDATE categories SET article_count = 0").execute(&store.pool).await.expect("reset");
        sqlx::query("DELETE FROM articles_search").execute(&store.pool).await.expect("reset");
        assert!(store.categories().await.expect("categories").is_empty());

        let indexed = store.index_pending_articles(&crate::store::testing::TitleRenderer).await.expect("index");
        assert_eq!(indexed, 2);
        assert_eq!(store.categories().await.expect("categories")[0].article_count, 1);
        let query = crate::store::SearchQuery::parse("banjir").expect("query");
        assert_eq!(store.search(&query, 1, Utc::now()).await.expect("search").1, 1);
        assert_eq!(store.index_pending_articles(&crate::store::testing::TitleRenderer).await.expect("index"), 0);
    }

    both_backends!(
        articles_are_filed_under_their_categories_whatever_the_spelling,
        subscribers_with_categories_get_only_those_and_channels_get_everything,
        choosing_a_category_subscribes_and_is_bounded,
        forum_groups_get_the_topic_of_the_category,
        articles_stored_before_the_index_are_indexed_at_start,
    );
}
