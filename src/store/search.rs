//! Full-text search over the articles (SQLite's FTS5, PostgreSQL's text
//! search), and the searches kept behind paged result messages.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use tokio::sync::{OnceCell, Semaphore};

use super::articles::articles_by_ids;
use super::{Backend, Store, StoreError, to_ms};
use crate::domain::Article;

/// Most words of a query that are used.
const QUERY_TERMS_MAX: usize = 8;
/// Longest word used.
const TERM_CHARS_MAX: usize = 40;
/// Most results kept for one search (the best ones).
pub const SEARCH_RESULTS_MAX: usize = 100;
/// How many of the newest matches are ranked by relevance.
const RANKED_WINDOW: i64 = 2000;
/// How long the result pages of a search can be turned.
const SEARCH_KEPT_HOURS: i64 = 48;
/// Identical searches within this long share one ranking (while no article
/// was added): breaking news makes hundreds of readers search the same word.
const SHARED_FOR: Duration = Duration::from_secs(30);
/// Rankings remembered at once; past this the old ones are forgotten.
const SHARED_MAX: usize = 1000;
/// Rankings computed at once: a burst of different searches queues here
/// instead of crowding the database's connections, which other readers'
/// commands and the outbox need too.
const RANKING_AT_ONCE: usize = 2;
/// Searches older than [`SEARCH_KEPT_HOURS`] are deleted at most this often.
const PRUNE_EVERY_MS: i64 = 60_000;

/// A ranking shared by the searches that ask for it while it is fresh.
type SharedRanking = Arc<OnceCell<Arc<Vec<i64>>>>;

/// The rankings of recent searches, each computed once by whichever search
/// asked first; the others wait for it.
#[derive(Debug)]
pub(super) struct SharedRankings {
    entries: std::sync::Mutex<HashMap<(String, i64), (Instant, SharedRanking)>>,
    ranking: Semaphore,
    last_prune_ms: AtomicI64,
}

impl Default for SharedRankings {
    fn default() -> Self {
        Self {
            entries: std::sync::Mutex::default(),
            ranking: Semaphore::new(RANKING_AT_ONCE),
            last_prune_ms: AtomicI64::new(i64::MIN),
        }
    }
}

impl SharedRankings {
    /// The cell for a ranking (`what`: the window and the FTS expression) over
    /// the archive as it is (`newest`: the newest indexed rowid).
    fn cell(&self, what: &str, newest: i64) -> SharedRanking {
        let mut entries = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = Instant::now();
        if entries.len() >= SHARED_MAX {
            entries.retain(|_, (at, _)| now.duration_since(*at) < SHARED_FOR);
            if entries.len() >= SHARED_MAX {
                entries.clear();
            }
        }
        let key = (what.to_owned(), newest);
        match entries.get(&key) {
            Some((at, cell)) if now.duration_since(*at) < SHARED_FOR => cell.clone(),
            _ => {
                let cell = Arc::new(OnceCell::new());
                entries.insert(key, (now, cell.clone()));
                cell
            }
        }
    }

    /// Whether old searches are due to be deleted (once a minute at most).
    fn prune_due(&self, now_ms: i64) -> bool {
        let last = self.last_prune_ms.load(Ordering::Relaxed);
        now_ms.saturating_sub(last) >= PRUNE_EVERY_MS
            && self.last_prune_ms.compare_exchange(last, now_ms, Ordering::Relaxed, Ordering::Relaxed).is_ok()
    }
}

/// A reader's search, reduced to words: whatever they typed (quotes, `*`,
/// `NEAR`, `OR`, brackets) is never FTS5 syntax, only words to find.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    terms: Vec<String>,
}

impl SearchQuery {
    /// `None` when the text holds no letter or digit.
    pub fn parse(text: &str) -> Option<Self> {
        let mut terms: Vec<String> = Vec::new();
        for word in text.split(|c: char| !c.is_alphanumeric()) {
            if word.is_empty() {
                continue;
            }
            let term: String = word.chars().take(TERM_CHARS_MAX).flat_map(char::to_lowercase).collect();
            if !terms.contains(&term) {
                terms.push(term);
            }
            if terms.len() == QUERY_TERMS_MAX {
                break;
            }
        }
        (!terms.is_empty()).then_some(Self { terms })
    }

    /// The words as the reader sees them echoed back.
    pub fn display(&self) -> String {
        self.terms.join(" ")
    }

    /// What the backend's search is given: on SQLite an FTS5 expression, on
    /// PostgreSQL the words as a JSON array that the query turns into a
    /// `tsquery` (see [`Store::rank`]).
    fn expression(&self, backend: Backend) -> String {
        match backend {
            Backend::Sqlite => self.fts_expression(),
            Backend::Postgres => serde_json::to_string(&self.terms).unwrap_or_else(|_| "[]".into()),
        }
    }

    /// The FTS5 expression: every word must appear, as a word or a word's
    /// start (one-letter words only as whole words: as prefixes they match
    /// nearly everything). Terms are quoted; they hold only letters and digits.
    fn fts_expression(&self) -> String {
        self.terms
            .iter()
            .map(|term| if term.chars().count() > 1 { format!("\"{term}\"*") } else { format!("\"{term}\"") })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// One page of a stored search.
#[derive(Debug, Clone)]
pub struct SearchPage {
    pub search_id: i64,
    pub query: String,
    /// Results kept (at most [`SEARCH_RESULTS_MAX`]).
    pub total: usize,
    pub articles: Vec<Article>,
}

impl Store {
    /// Runs a search and keeps its best results for paging in `chat_id`.
    /// Returns the search's id and how many results it found.
    pub async fn search(
        &self,
        query: &SearchQuery,
        chat_id: i64,
        now: DateTime<Utc>,
    ) -> Result<(i64, usize), StoreError> {
        self.search_ranking_newest(query, chat_id, now, RANKED_WINDOW).await
    }

    async fn search_ranking_newest(
        &self,
        query: &SearchQuery,
        chat_id: i64,
        now: DateTime<Utc>,
        window: i64,
    ) -> Result<(i64, usize), StoreError> {
        let expression = query.expression(self.backend);
        // A new article makes earlier rankings stale: it is part of the key.
        let newest: i64 =
            sqlx::query_scalar("SELECT COALESCE(MAX(rowid), 0) FROM articles_search").fetch_one(&self.pool).await?;
        let cell = self.rankings.cell(&format!("{window} {expression}"), newest);
        let ids = cell
            .get_or_try_init(|| async {
                let _turn = self.rankings.ranking.acquire().await.ok();
                self.rank(&expression, window).await.map(Arc::new)
            })
            .await?
            .clone();
        let results = serde_json::to_string(&*ids).map_err(|err| StoreError::Corrupt(err.to_string()))?;
        let now_ms = to_ms(now);
        let mut tx = self.begin_write().await?;
        if self.rankings.prune_due(now_ms) {
            sqlx::query("DELETE FROM searches WHERE created_at < $1")
                .bind(to_ms(now - chrono::Duration::hours(SEARCH_KEPT_HOURS)))
                .execute(&mut *tx)
                .await?;
        }
        let search_id = sqlx::query_scalar(
            "INSERT INTO searches (chat_id, query, results, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(chat_id)
        .bind(query.display())
        .bind(results)
        .bind(now_ms)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok((search_id, ids.len()))
    }

    /// The best [`SEARCH_RESULTS_MAX`] of the newest `window` matches.
    async fn rank(&self, expression: &str, window: i64) -> Result<Vec<i64>, StoreError> {
        // Ranking every match of a very common word costs ~50 ms on 100,000
        // articles; news readers want recent stories anyway. So the newest
        // RANKED_WINDOW matches (ids grow with time) are ranked: title words
        // weigh more than summary words, equal matches newest first.
        let ids: Vec<i64> = sqlx::query_scalar(self.backend.pick(
            "SELECT rowid FROM articles_search
             WHERE articles_search MATCH $1
               AND rowid >= COALESCE((SELECT rowid FROM articles_search WHERE articles_search MATCH $1
                                      ORDER BY rowid DESC LIMIT 1 OFFSET $3), 0)
             ORDER BY bm25(articles_search, 4.0, 1.0), rowid DESC LIMIT $2",
            // The same on PostgreSQL: each word without accents (as the
            // documents are indexed) and with no character that is tsquery
            // syntax (unaccent turns a few letters into quotes or brackets),
            // a word's start for words longer than one letter, all required.
            // Title (A) matches weigh four times body (D) matches.
            "WITH words AS (
                 SELECT regexp_replace(unaccent(value), '[[:punct:][:space:]]', '', 'g') AS word,
                        CASE WHEN char_length(value) > 1 THEN ':*' ELSE '' END AS suffix
                 FROM json_array_elements_text(CAST($1 AS JSON)) AS value),
             q AS (
                 SELECT to_tsquery('simple', COALESCE(string_agg(word || suffix, ' & '), '')) AS query
                 FROM words WHERE word <> '')
             SELECT rowid FROM articles_search, q
             WHERE document @@ q.query
               AND rowid >= COALESCE((SELECT rowid FROM articles_search, q WHERE document @@ q.query
                                      ORDER BY rowid DESC LIMIT 1 OFFSET $3), 0)
             ORDER BY ts_rank('{0.25, 0.1, 0.1, 1.0}', document, q.query) DESC, rowid DESC LIMIT $2",
        ))
        .bind(expression)
        .bind(i64::try_from(SEARCH_RESULTS_MAX).unwrap_or(i64::MAX))
        .bind(window - 1)
        .fetch_all(&self.pool)
        .await?;
        Ok(ids)
    }

    /// A page of a stored search, if it exists and was made in `chat_id`
    /// (a search is never shown in another chat).
    pub async fn search_page(
        &self,
        search_id: i64,
        chat_id: i64,
        offset: usize,
        limit: usize,
    ) -> Result<Option<SearchPage>, StoreError> {
        let row: Option<(String, String)> =
            sqlx::query_as("SELECT query, results FROM searches WHERE id = $1 AND chat_id = $2")
                .bind(search_id)
                .bind(chat_id)
                .fetch_optional(&self.pool)
                .await?;
        let Some((query, results)) = row else { return Ok(None) };
        let ids: Vec<i64> = serde_json::from_str(&results).map_err(|err| StoreError::Corrupt(err.to_string()))?;
        let page: Vec<i64> = ids.iter().skip(offset).take(limit).copied().collect();
        let articles = articles_by_ids(&self.pool, &page).await?;
        Ok(Some(SearchPage { search_id, query, total: ids.len(), articles }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_keep_only_words() {
        let parse = |text: &str| SearchQuery::parse(text).map(|q| q.fts_expression());
        assert_eq!(parse("banjir Samarinda").as_deref(), Some("\"banjir\"* \"samarinda\"*"));
        assert_eq!(parse("\"banjir\" OR NEAR(x y) *").as_deref(), Some("\"banjir\"* \"or\"* \"near\"* \"x\" \"y\""));
        assert_eq!(parse("unbalanced \"quote").as_deref(), Some("\"unbalanced\"* \"quote\"*"));
        assert_eq!(parse("Bahasa bahasa BAHASA").as_deref(), Some("\"bahasa\"*"));
        assert_eq!(parse("'; DROP TABLE articles; --").as_deref(), Some("\"drop\"* \"table\"* \"articles\"*"));
        assert_eq!(parse("مرحبا").as_deref(), Some("\"مرحبا\"*"));
        assert_eq!(parse("  * \" ( ) - ^ : "), None);
        assert_eq!(parse("\u{0}\u{202e}\u{7}"), None);
        assert_eq!(parse(""), None);
        let many =
            SearchQuery::parse(&"kata ".repeat(1000).replace("kata", "k1 k2 k3 k4 k5 k6 k7 k8 k9 k10")).expect("words");
        assert_eq!(many.terms.len(), QUERY_TERMS_MAX);
        let long = SearchQuery::parse(&"a".repeat(4000)).expect("a word");
        assert_eq!(long.terms[0].len(), TERM_CHARS_MAX);
    }
}

#[cfg(test)]
mod store_tests {
    use url::Url;

    use super::*;
    use crate::domain::{ArticleKey, NewArticle};
    use crate::store::testing::{record, temp_store};

    fn article(n: u32, title: &str, summary: &str) -> NewArticle {
        let link = Url::parse(&format!("https://kaltimtoday.co/berita-{n}/")).expect("url");
        NewArticle {
            key: ArticleKey::from_link(&link),
            title: title.into(),
            link: Some(link),
            summary_html: Some(summary.into()),
            content_html: None,
            author: None,
            categories: vec![],
            tags: vec![],
            page_photo: None,
            image_url: None,
            published_at: Some(Utc::now() - chrono::Duration::minutes(i64::from(1000 - n))),
        }
    }

    async fn searched(store: &Store, text: &str) -> Vec<String> {
        let query = SearchQuery::parse(text).expect("words");
        let (id, found) = store.search(&query, 5, Utc::now()).await.expect("search");
        let page = store.search_page(id, 5, 0, 100).await.expect("page").expect("kept");
        assert_eq!(page.total, found);
        page.articles.into_iter().map(|a| a.title).collect()
    }

    async fn finds_words_and_word_starts_title_first_without_diacritics() {
        let (store, _dir) = temp_store().await;
        let url = Url::parse("https://kaltimtoday.co/feed/").expect("url");
        let feed = store.sync_feeds(&[(url, None)], Utc::now()).await.expect("sync").remove(0).id;
        let articles = [
            article(1, "Pemkot bahas APBD", "Rapat soal banjir di Samarinda"),
            article(2, "Banjir rendam Samarinda", "Air naik setinggi lutut"),
            article(3, "Kafe baru di Tenggarong", "Menu kopi café susu"),
        ];
        record(&store, feed, &articles, 0).await;
        assert_eq!(searched(&store, "banjir").await, ["Banjir rendam Samarinda", "Pemkot bahas APBD"]);
        assert_eq!(searched(&store, "banj sama").await, ["Banjir rendam Samarinda", "Pemkot bahas APBD"]);
        assert_eq!(searched(&store, "cafe").await, ["Kafe baru di Tenggarong"]);
        assert_eq!(searched(&store, "CAFÉ").await, ["Kafe baru di Tenggarong"]);
        assert!(searched(&store, "gempa").await.is_empty());
        for hostile in
            ["\"banjir", "banjir*", "NEAR(banjir samarinda)", "banjir OR x", "' OR 1=1 --", "ｂａｎｊｉｒ", "^banjir"]
        {
            store.search(&SearchQuery::parse(hostile).expect("words"), 5, Utc::now()).await.expect(hostile);
        }
    }

    async fn only_the_newest_matches_are_ranked() {
        let (store, _dir) = temp_store().await;
        let url = Url::parse("https://kaltimtoday.co/feed/").expect("url");
        let feed = store.sync_feeds(&[(url, None)], Utc::now()).await.expect("sync").remove(0).id;
        // The oldest story says "banjir" in its title: the best match, but out of a window of 3.
        let mut articles = vec![article(1, "Banjir besar", "banjir")];
        articles.extend((2..=5).map(|n| article(n, &format!("Berita {n}"), "ada banjir kecil")));
        record(&store, feed, &articles, 0).await;
        let query = SearchQuery::parse("banjir").expect("query");
        let (id, found) = store.search_ranking_newest(&query, 1, Utc::now(), 3).await.expect("search");
        let page = store.search_page(id, 1, 0, 10).await.expect("page").expect("kept");
        assert_eq!(found, 3);
        assert_eq!(
            page.articles.iter().map(|a| a.title.as_str()).collect::<Vec<_>>(),
            ["Berita 5", "Berita 4", "Berita 3"]
        );
        // With every match in the window, the title match comes first.
        let (id, found) = store.search_ranking_newest(&query, 1, Utc::now(), 10).await.expect("search");
        let page = store.search_page(id, 1, 0, 10).await.expect("page").expect("kept");
        assert_eq!((found, page.articles[0].title.as_str()), (5, "Banjir besar"));
    }

    async fn a_search_is_paged_only_in_its_chat() {
        let (store, _dir) = temp_store().await;
        let url = Url::parse("https://kaltimtoday.co/feed/").expect("url");
        let feed = store.sync_feeds(&[(url, None)], Utc::now()).await.expect("sync").remove(0).id;
        let articles: Vec<_> = (1..=12).map(|n| article(n, &format!("Banjir {n}"), "banjir lagi")).collect();
        record(&store, feed, &articles, 0).await;
        let (id, found) = store.search(&SearchQuery::parse("banjir").expect("q"), 77, Utc::now()).await.expect("s");
        assert_eq!(found, 12);
        let page = store.search_page(id, 77, 10, 5).await.expect("page").expect("kept");
        assert_eq!((page.total, page.articles.len(), page.query.as_str()), (12, 2, "banjir"));
        assert!(store.search_page(id, 78, 0, 5).await.expect("page").is_none(), "another chat's search");
        assert!(store.search_page(id + 1, 77, 0, 5).await.expect("page").is_none());
        // Old searches are dropped when new ones are made.
        let later = Utc::now() + chrono::Duration::hours(49);
        store.search(&SearchQuery::parse("lagi").expect("q"), 77, later).await.expect("search");
        assert!(store.search_page(id, 77, 0, 5).await.expect("page").is_none());
    }

    both_backends!(
        finds_words_and_word_starts_title_first_without_diacritics,
        only_the_newest_matches_are_ranked,
        a_search_is_paged_only_in_its_chat,
    );
}
