//! The feed poller: one fetch-parse-record round per feed, and a loop per
//! feed so that one slow or broken feed never delays another.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;
use url::Url;

use super::enrich::{Enricher, is_password_protected};
use super::parse::ParsedFeed;
use super::schedule::{ScheduleHints, SchedulePolicy, next_check_after_failure, next_check_after_success};
use super::vet::{FeedOf, parse_guarded, record_isolating_failures, skip_failed};
use super::wordpress::{PostRef, PostState};
use crate::domain::{AlertKey, NewArticle, NewPost, normalize_link};
use crate::format::{PostStyle, Reply, render_feed_alert, render_feed_recovered};
use crate::i18n::Lang;
use crate::outbound::{FetchOutcome, FetchRequest, Fetched, Fetcher};
use crate::store::{FeedRow, FetchMeta, FetchRecord, RecordOutcome, Store, StoreError};

/// What one poll of one feed did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PollOutcome {
    NotModified,
    Updated(RecordOutcome),
    /// The fetch or parse failed; recorded on the feed row and retried later.
    Failed(String),
    /// Warta is stopping: the fetch was abandoned, nothing recorded.
    Interrupted,
}

#[derive(Debug, thiserror::Error)]
pub enum PollError {
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A configured feed: its id in the store and how to poll it.
#[derive(Debug, Clone)]
pub struct WatchedFeed {
    pub id: i64,
    pub url: Url,
    pub interval: Duration,
    /// How far the server's hints may stretch the interval.
    pub max_interval: Duration,
    /// Newest articles posted on the very first fetch.
    pub backfill: u32,
}

/// Poller-wide settings from `[fetch]`.
#[derive(Debug, Clone, Copy)]
pub struct PollSettings {
    pub min_interval: Duration,
    pub backoff_max: Duration,
    pub alert_after: u32,
    pub backfill_pages: u32,
    pub edit_window: Duration,
    /// A fetch bringing more new items than this is held for the admins (0: never).
    pub flood_threshold: u32,
    /// A server's `Retry-After` is honoured up to this long.
    pub max_retry_after: Duration,
    /// Validators are skipped when the last full answer is older than this.
    pub unconditional_every: Duration,
    /// How long new articles may wait for their photo lookup.
    pub photo_lookup: Duration,
}

impl Default for PollSettings {
    fn default() -> Self {
        Self {
            min_interval: Duration::from_secs(30),
            backoff_max: Duration::from_secs(3600),
            alert_after: 5,
            backfill_pages: 5,
            edit_window: Duration::from_secs(48 * 3600),
            flood_threshold: 50,
            max_retry_after: Duration::from_secs(60),
            unconditional_every: Duration::from_secs(15 * 60),
            photo_lookup: Duration::from_secs(3),
        }
    }
}

/// Wakes a feed's loop before its next scheduled check (a WebSub push, a
/// publish ping, "fetch now").
#[derive(Debug, Clone, Default)]
pub struct FeedWakeups {
    wakers: Arc<std::sync::Mutex<HashMap<i64, Waker>>>,
}

#[derive(Debug, Default)]
struct Waker {
    notify: Arc<Notify>,
    /// The next fetch skips the validators (a ping means "something changed").
    fresh: bool,
    /// How often it was woken (for tests and the debounce's accounting).
    wakes: u64,
}

impl FeedWakeups {
    fn with<T>(&self, feed_id: i64, f: impl FnOnce(&mut Waker) -> T) -> T {
        let mut wakers = self.wakers.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        f(wakers.entry(feed_id).or_default())
    }

    fn waker(&self, feed_id: i64) -> Arc<Notify> {
        self.with(feed_id, |w| w.notify.clone())
    }

    /// Asks the feed's loop to fetch now.
    pub fn wake(&self, feed_id: i64) {
        self.with(feed_id, |w| {
            w.wakes += 1;
            w.notify.notify_one();
        });
    }

    /// Asks the feed's loop to fetch now, unconditionally.
    pub fn wake_fresh(&self, feed_id: i64) {
        self.with(feed_id, |w| w.fresh = true);
        self.wake(feed_id);
    }

    /// Whether the next fetch must skip the validators; clears the request.
    pub fn take_fresh(&self, feed_id: i64) -> bool {
        self.with(feed_id, |w| std::mem::take(&mut w.fresh))
    }

    /// How many times the feed was woken.
    pub fn wakes(&self, feed_id: i64) -> u64 {
        self.with(feed_id, |w| w.wakes)
    }
}

/// Called with the WebSub hubs a feed names after each successful parse.
pub trait HubListener: Send + Sync + std::fmt::Debug {
    fn hubs_seen(&self, feed_id: i64, topic: Url, hubs: Vec<Url>);
}

#[derive(Debug, Clone)]
pub struct FeedPoller {
    store: Store,
    fetcher: Fetcher,
    style: PostStyle,
    settings: PollSettings,
    /// Woken when posts were enqueued, so the delivery worker starts at once.
    outbox_ready: Arc<Notify>,
    wakeups: FeedWakeups,
    hubs: Option<Arc<dyn HubListener>>,
    /// Woken when a flood was held, so the admins are asked at once.
    held_ready: Arc<Notify>,
    /// Cancelled when Warta stops: fetches in flight are abandoned.
    stop: CancellationToken,
    /// When each feed last answered in full (200): validators are skipped
    /// when that is older than `unconditional_every`.
    full_answers: Arc<std::sync::Mutex<HashMap<i64, std::time::Instant>>>,
    /// Tags told from categories, photos looked up (see [`Enricher`]).
    enricher: Option<Enricher>,
    /// Posted articles missing from their feed that the site says are still
    /// published (moved to another category, re-dated): not asked again.
    still_published: Arc<std::sync::Mutex<HashSet<i64>>>,
}

impl FeedPoller {
    pub fn new(
        store: Store,
        fetcher: Fetcher,
        style: PostStyle,
        settings: PollSettings,
        outbox_ready: Arc<Notify>,
    ) -> Self {
        Self {
            store,
            fetcher,
            style,
            settings,
            outbox_ready,
            wakeups: FeedWakeups::default(),
            hubs: None,
            held_ready: Arc::new(Notify::new()),
            stop: CancellationToken::new(),
            full_answers: Arc::default(),
            enricher: None,
            still_published: Arc::default(),
        }
    }

    /// Reports hubs to `listener` (WebSub).
    pub fn with_hub_listener(mut self, listener: Arc<dyn HubListener>) -> Self {
        self.hubs = Some(listener);
        self
    }

    /// Looks up what feeds leave out (WordPress categories, photos).
    pub fn with_enricher(mut self, enricher: Enricher) -> Self {
        self.enricher = Some(enricher);
        self
    }

    /// Notified when a flood is held (see [`crate::bot::announce_holds`]).
    pub fn with_hold_notify(mut self, held_ready: Arc<Notify>) -> Self {
        self.held_ready = held_ready;
        self
    }

    /// The handle that makes feeds fetch now.
    pub fn wakeups(&self) -> FeedWakeups {
        self.wakeups.clone()
    }

    fn policy(&self, feed: &WatchedFeed) -> SchedulePolicy {
        SchedulePolicy {
            interval: feed.interval,
            min_interval: self.settings.min_interval,
            max_interval: feed.max_interval,
            backoff_max: self.settings.backoff_max,
        }
    }

    /// A fetch that gives up when Warta stops. Only fetches are abandoned:
    /// a store transaction dropped midway can leave SQLite's write lock held
    /// (seen with sqlx 0.8: the next writer then waits out its busy timeout),
    /// so database work always runs to its end.
    async fn fetch(&self, request: FetchRequest<'_>) -> Option<FetchOutcome> {
        tokio::select! {
            () = self.stop.cancelled() => None,
            outcome = self.fetcher.fetch(request) => Some(outcome),
        }
    }

    /// Fetches, parses and records one feed once.
    pub async fn poll_feed_once(&self, feed: &WatchedFeed, now: DateTime<Utc>) -> Result<PollOutcome, PollError> {
        // Every line logged during the poll says which feed it is about.
        let span = tracing::info_span!("poll", feed_id = feed.id, feed = feed.url.host_str().unwrap_or_default());
        self.poll_feed(feed, now).instrument(span).await
    }

    async fn poll_feed(&self, feed: &WatchedFeed, now: DateTime<Utc>) -> Result<PollOutcome, PollError> {
        let row =
            self.store.feed(feed.id).await?.ok_or_else(|| {
                StoreError::Corrupt(format!("feed {} ({}) is not in the database", feed.id, feed.url))
            })?;
        let fetch_url = row.fetch_url.as_deref().and_then(|u| Url::parse(u).ok()).unwrap_or_else(|| feed.url.clone());
        // A ping says something changed; and a 304 is trusted only for so long.
        let unconditional = self.wakeups.take_fresh(feed.id) || self.full_answer_stale(feed.id);
        let request = if unconditional {
            FetchRequest::fresh(&fetch_url)
        } else {
            FetchRequest { url: &fetch_url, etag: row.etag.as_deref(), last_modified: row.last_modified.as_deref() }
        };
        let started = std::time::Instant::now();
        let Some(outcome) = self.fetch(request).await else { return Ok(PollOutcome::Interrupted) };
        let mut label = outcome.label();
        let result = match outcome {
            FetchOutcome::Modified(fetched) => {
                self.note_full_answer(feed.id);
                self.remember_move(feed, fetched.moved_to.as_ref()).await?;
                let parsed = parse_guarded(&fetched.body, Some(&fetched.final_url), fetched.charset());
                match parsed {
                    Ok(parsed) => self.record_feed(feed, &row, *fetched, parsed, now).await,
                    Err(err) => {
                        label = "parse_error";
                        self.record_failure(feed, &row, &err, None, now).await
                    }
                }
            }
            FetchOutcome::NotModified { max_age, moved_to } => {
                self.remember_move(feed, moved_to.as_ref()).await?;
                let hints = ScheduleHints { max_age, ..ScheduleHints::default() };
                let next = next_check_after_success(now, &self.policy(feed), &hints);
                self.store.record_fetch_not_modified(feed.id, now, next).await?;
                self.tell_recovery(feed, &row, now).await?;
                tracing::debug!(feed_id = feed.id, "feed not modified");
                Ok(PollOutcome::NotModified)
            }
            failure => {
                let reason = failure.failure().unwrap_or_else(|| "unknown failure".to_owned());
                // Maintenance mode (503, Retry-After: 600) lasts seconds, and a story may
                // be published right after: a configured feed is not left that long.
                let retry_after = failure.retry_after().map(|wait| wait.min(self.settings.max_retry_after));
                self.record_failure(feed, &row, &reason, retry_after, now).await
            }
        };
        crate::metrics::feed_fetch(label, started.elapsed().as_secs_f64());
        result
    }

    fn full_answer_stale(&self, feed_id: i64) -> bool {
        let answers = self.full_answers.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        answers.get(&feed_id).is_none_or(|at| at.elapsed() >= self.settings.unconditional_every)
    }

    fn note_full_answer(&self, feed_id: i64) {
        let mut answers = self.full_answers.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        answers.insert(feed_id, std::time::Instant::now());
    }

    async fn remember_move(&self, feed: &WatchedFeed, moved_to: Option<&Url>) -> Result<(), PollError> {
        if let Some(new_url) = moved_to {
            self.store.set_fetch_url(feed.id, new_url).await?;
            tracing::warn!(feed_id = feed.id, url = %feed.url, new_url = %new_url,
                "feed moved permanently; fetching it at its new address (update bot.toml)");
        }
        Ok(())
    }

    async fn record_feed(
        &self,
        feed: &WatchedFeed,
        row: &FeedRow,
        fetched: Fetched,
        parsed: ParsedFeed,
        now: DateTime<Utc>,
    ) -> Result<PollOutcome, PollError> {
        if !parsed.repairs.is_empty() {
            tracing::debug!(feed_id = feed.id, repairs = ?parsed.repairs, "feed needed repairs to parse");
        }
        if parsed.keyed_by_content > 0 || parsed.skipped > 0 {
            tracing::info!(
                feed_id = feed.id,
                keyed_by_content = parsed.keyed_by_content,
                skipped = parsed.skipped,
                "items without guid or link: keyed by their content"
            );
        }
        if let Some(listener) = &self.hubs {
            let mut hubs = fetched.hub_links.clone();
            hubs.extend(parsed.hubs.iter().cloned());
            if !hubs.is_empty() {
                let topic = fetched.self_link.clone().or(parsed.self_link.clone()).unwrap_or_else(|| feed.url.clone());
                listener.hubs_seen(feed.id, topic, hubs);
            }
        }
        let present: Vec<String> = parsed.articles.iter().map(|a| a.key.as_str().to_owned()).collect();
        let oldest_shown = parsed.articles.iter().filter_map(|a| a.published_at).min();
        let mut articles = parsed.articles;
        if row.primed_at.is_some() && self.oldest_is_new(feed.id, &articles).await? {
            // The page's oldest item is new: the feed's window may have overflowed since the
            // last poll (a known item higher up, e.g. a re-dated story, proves nothing).
            let older = self.fetch_older_pages(feed, &fetched.final_url, &articles).await?;
            if !older.is_empty() {
                tracing::info!(feed_id = feed.id, older = older.len(), "burst: older pages fetched to close the gap");
            }
            articles.extend(older);
        }
        let articles = in_posting_order(articles);
        let mut articles = skip_failed(&self.store, feed.id, articles).await?;
        // Password-protected posts are not for readers (nor counted as a flood).
        let before = articles.len();
        articles.retain(|article| !is_password_protected(article));
        if articles.len() < before {
            tracing::debug!(feed_id = feed.id, left_out = before - articles.len(), "password-protected posts left out");
        }
        if row.primed_at.is_some() {
            articles = self.guard_flood(feed, articles, now).await?;
        }
        if let Some(enricher) = &self.enricher {
            let keys: Vec<&str> = articles.iter().map(|a| a.key.as_str()).collect();
            let known: HashSet<String> = self.store.known_keys(feed.id, &keys).await?.into_iter().collect();
            // The first fetch only records: nothing of it is posted, so nothing is looked up.
            let new: HashSet<String> = if row.primed_at.is_some() || feed.backfill > 0 {
                keys.iter().filter(|k| !known.contains(**k)).map(|k| (*k).to_owned()).collect()
            } else {
                HashSet::new()
            };
            articles = enricher.prepare(fetched.wordpress_api.as_ref(), articles, &new).await;
        }
        let wordpress_api = fetched.wordpress_api.clone();
        let hints = ScheduleHints {
            max_age: fetched.max_age,
            ttl: parsed.hints.ttl,
            update_period: parsed.hints.update_period,
        };
        let meta = FetchMeta { etag: fetched.etag, last_modified: fetched.last_modified, title: parsed.title };
        let record = FetchRecord {
            meta: &meta,
            articles: &articles,
            now,
            next_check: next_check_after_success(now, &self.policy(feed), &hints),
            backfill: feed.backfill,
            edit_window: self.settings.edit_window,
        };
        // An item that makes the store's work panic is recorded as failed and left out.
        let source = row.name.clone().unwrap_or_else(|| feed.url.to_string());
        let of = FeedOf { id: feed.id, url: &feed.url, source_name: &source };
        let outcome = match record_isolating_failures(&self.store, &self.style, &self.outbox_ready, of, record).await? {
            Ok(outcome) => outcome,
            Err(panicked) => return self.record_failure(feed, row, &panicked, None, now).await,
        };
        crate::metrics::articles_seen(outcome.new_articles);
        if outcome.deliveries > 0 {
            self.outbox_ready.notify_one();
        }
        if outcome.primed_now {
            tracing::info!(
                feed_id = feed.id,
                articles = outcome.new_articles,
                posts = outcome.posts,
                "first fetch: articles recorded"
            );
        } else if outcome.new_articles > 0 || outcome.corrections > 0 {
            tracing::info!(
                feed_id = feed.id,
                articles = outcome.new_articles,
                posts = outcome.posts,
                corrections = outcome.corrections,
                edits = outcome.edits,
                duplicates = outcome.duplicates,
                "feed updated"
            );
        }
        if let (Some(api), Some(oldest), false) = (&wordpress_api, oldest_shown, outcome.primed_now) {
            self.notice_vanished(feed, api, &present, oldest, now).await?;
        }
        self.tell_recovery(feed, row, now).await?;
        Ok(PollOutcome::Updated(outcome))
    }

    /// Posted stories (within the edit window) that should be in the fetch
    /// but are not: the REST API says whether they were trashed or
    /// unpublished; if so the admins are told once (with Tarik). Nothing is
    /// retracted here: editors unpublish to fix a typo.
    async fn notice_vanished(
        &self,
        feed: &WatchedFeed,
        api: &Url,
        present: &[String],
        oldest_shown: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), PollError> {
        let Some(enricher) = &self.enricher else { return Ok(()) };
        if self.settings.photo_lookup.is_zero() {
            return Ok(());
        }
        let present: Vec<&str> = present.iter().map(String::as_str).collect();
        let since = crate::domain::time::earlier(now, self.settings.edit_window);
        let vanished = self.store.vanished_posts(feed.id, &present, since, oldest_shown, VANISHED_CHECKS).await?;
        for post in vanished {
            let checked =
                self.still_published.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).contains(&post.article_id);
            let Some(post_ref) = (!checked).then(|| PostRef::of(&post.key, post.link.as_ref())).flatten() else {
                continue;
            };
            let asked =
                tokio::time::timeout(self.settings.photo_lookup, enricher.wordpress().post(api, &post_ref)).await;
            match asked.map(|facts| facts.state) {
                Ok(PostState::Gone(reason)) => {
                    if self.store.note_gone(&post, &reason, now).await? {
                        tracing::warn!(feed_id = feed.id, post_id = post.post_id, reason = %reason,
                            "a posted story disappeared from the site; admins asked whether to retract it");
                        self.held_ready.notify_one();
                    }
                }
                Ok(PostState::Published) => {
                    let mut published = self.still_published.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                    if published.len() >= STILL_PUBLISHED_REMEMBERED {
                        published.clear();
                    }
                    published.insert(post.article_id);
                }
                Ok(PostState::Unknown(why)) => tracing::debug!(post_id = post.post_id, why, "post state unknown"),
                Err(_) => tracing::debug!(post_id = post.post_id, "post state lookup timed out"),
            }
        }
        Ok(())
    }

    /// The flood guard. Items waiting in a held batch are left out; new items
    /// whose normalized link the feed already has are kept (the store treats
    /// them as the known story under a new guid, never as news); if more than
    /// `flood_threshold` truly new items remain, they are held for the
    /// admins' decision instead of being posted. Returns what to record now.
    async fn guard_flood(
        &self,
        feed: &WatchedFeed,
        articles: Vec<NewArticle>,
        now: DateTime<Utc>,
    ) -> Result<Vec<NewArticle>, PollError> {
        let keys: Vec<&str> = articles.iter().map(|a| a.key.as_str()).collect();
        let known: HashSet<String> = self.store.known_keys(feed.id, &keys).await?.into_iter().collect();
        let unknown: Vec<&str> = keys.iter().copied().filter(|k| !known.contains(*k)).collect();
        if unknown.is_empty() {
            return Ok(articles);
        }
        let held: HashSet<String> = self.store.held_keys(feed.id, &unknown).await?.into_iter().collect();
        let links: Vec<(String, String)> = articles
            .iter()
            .filter(|a| !known.contains(a.key.as_str()) && !held.contains(a.key.as_str()))
            .filter_map(|a| a.link.as_ref().map(|l| (a.key.as_str().to_owned(), normalize_link(l))))
            .collect();
        let link_keys: Vec<&str> = links.iter().map(|(_, l)| l.as_str()).collect();
        let known_links: HashSet<String> = self.store.known_link_keys(feed.id, &link_keys).await?.into_iter().collect();
        let same_story: HashSet<&str> =
            links.iter().filter(|(_, l)| known_links.contains(l)).map(|(k, _)| k.as_str()).collect();
        let is_new = |a: &NewArticle| {
            let key = a.key.as_str();
            !known.contains(key) && !held.contains(key) && !same_story.contains(key)
        };
        let fresh = articles.iter().filter(|a| is_new(a)).count();
        if !same_story.is_empty() {
            tracing::warn!(feed_id = feed.id, url = %feed.url, items = same_story.len(), fresh,
                "items under new guids with links the feed already has: the same stories, not posted again");
        }
        let threshold = usize::try_from(self.settings.flood_threshold).unwrap_or(usize::MAX);
        if threshold == 0 || fresh <= threshold {
            return Ok(articles.into_iter().filter(|a| !held.contains(a.key.as_str())).collect());
        }
        let (flood, rest): (Vec<NewArticle>, Vec<NewArticle>) = articles.into_iter().partition(|a| is_new(a));
        let batch = self.store.hold_batch(feed.id, &flood, now).await?;
        tracing::warn!(feed_id = feed.id, url = %feed.url, items = flood.len(), threshold, batch_id = batch,
            "flood guard: the fetch brought more new items than fetch.flood_threshold; held for the admins");
        self.held_ready.notify_one();
        Ok(rest.into_iter().filter(|a| !held.contains(a.key.as_str())).collect())
    }

    /// Whether the page's oldest item (its last in document order: a re-dated
    /// story moves to the top) is not stored yet.
    async fn oldest_is_new(&self, feed_id: i64, page: &[NewArticle]) -> Result<bool, PollError> {
        let Some(oldest) = page.last() else { return Ok(false) };
        Ok(self.store.known_keys(feed_id, &[oldest.key.as_str()]).await?.is_empty())
    }

    /// Fetches `?paged=2`, `?paged=3`, … (WordPress) while each page's oldest
    /// item is new, until a page brings nothing new (the site ignores the
    /// parameter), fails, or the page limit is reached. Returns the unknown
    /// articles.
    async fn fetch_older_pages(
        &self,
        feed: &WatchedFeed,
        feed_url: &Url,
        first_page: &[NewArticle],
    ) -> Result<Vec<NewArticle>, PollError> {
        let mut seen: HashSet<String> = first_page.iter().map(|a| a.key.as_str().to_owned()).collect();
        let mut older = Vec::new();
        for page in 2..=self.settings.backfill_pages.saturating_add(1) {
            let url = page_url(feed_url, page);
            let parsed = match self.fetch(FetchRequest::fresh(&url)).await {
                None => break,
                Some(FetchOutcome::Modified(fetched)) => {
                    parse_guarded(&fetched.body, Some(&fetched.final_url), fetched.charset())
                }
                Some(other) => {
                    tracing::debug!(feed_id = feed.id, page, outcome = ?other.failure(), "no older page");
                    break;
                }
            };
            let Ok(parsed) = parsed else { break };
            let oldest = parsed.articles.last().map(|a| a.key.as_str().to_owned());
            let fresh: Vec<NewArticle> =
                parsed.articles.into_iter().filter(|a| seen.insert(a.key.as_str().to_owned())).collect();
            if fresh.is_empty() {
                break;
            }
            let keys: Vec<&str> = fresh.iter().map(|a| a.key.as_str()).collect();
            let known: HashSet<String> = self.store.known_keys(feed.id, &keys).await?.into_iter().collect();
            let oldest_known = match &oldest {
                Some(key) if !known.contains(key) => !self.store.known_keys(feed.id, &[key.as_str()]).await?.is_empty(),
                _ => true,
            };
            older.extend(fresh.into_iter().filter(|a| !known.contains(a.key.as_str())));
            if oldest_known {
                break;
            }
        }
        Ok(older)
    }

    async fn record_failure(
        &self,
        feed: &WatchedFeed,
        row: &FeedRow,
        error: &str,
        retry_after: Option<Duration>,
        now: DateTime<Utc>,
    ) -> Result<PollOutcome, PollError> {
        let failures = u32::try_from(row.error_count).unwrap_or(u32::MAX).saturating_add(1);
        let next = next_check_after_failure(now, &self.policy(feed), failures, retry_after, fastrand::f64());
        self.store.record_fetch_failure(feed.id, error, now, next).await?;
        tracing::warn!(feed_id = feed.id, url = %feed.url, failures, error, next_check = %next, "feed fetch failed");
        if failures >= self.settings.alert_after {
            let alert = |code: Option<&str>| {
                admin_post(render_feed_alert(feed.url.as_str(), failures, error, Lang::from_code(code)))
            };
            if self.store.raise_alert(AlertKey::FeedFailing { feed_id: feed.id }, error, &alert, now).await? {
                tracing::warn!(feed_id = feed.id, failures, "admins alerted about the failing feed");
                self.outbox_ready.notify_one();
            }
        }
        Ok(PollOutcome::Failed(error.to_owned()))
    }

    async fn tell_recovery(&self, feed: &WatchedFeed, row: &FeedRow, now: DateTime<Utc>) -> Result<(), PollError> {
        if row.alerted_at.is_none() {
            return Ok(());
        }
        let notice = |code: Option<&str>| admin_post(render_feed_recovered(feed.url.as_str(), Lang::from_code(code)));
        if self.store.clear_alert(AlertKey::FeedFailing { feed_id: feed.id }, &notice, now).await? {
            tracing::info!(feed_id = feed.id, "feed recovered; admins told");
            self.outbox_ready.notify_one();
        }
        Ok(())
    }

    /// Polls every feed whose check is due, concurrently.
    pub async fn poll_due_feeds_once(
        &self,
        feeds: &[WatchedFeed],
        now: DateTime<Utc>,
    ) -> Result<Vec<(i64, PollOutcome)>, PollError> {
        let due: Vec<i64> = self.store.due_feeds(now).await?.into_iter().map(|row| row.id).collect();
        let polls = feeds
            .iter()
            .filter(|feed| due.contains(&feed.id))
            .map(|feed| async move { self.poll_feed_once(feed, now).await.map(|outcome| (feed.id, outcome)) });
        futures_util::future::try_join_all(polls).await
    }

    /// Runs one loop per feed until `shutdown`.
    pub async fn run(mut self, feeds: Vec<WatchedFeed>, shutdown: CancellationToken) {
        self.stop = shutdown.clone();
        let mut loops = tokio::task::JoinSet::new();
        for feed in feeds {
            let poller = self.clone();
            let shutdown = shutdown.clone();
            // A panic in one feed's loop restarts that loop; the others go on.
            loops.spawn(async move {
                let context = format!("feed {}", feed.id);
                crate::supervise::supervise(
                    "feed",
                    &context,
                    crate::supervise::RESTART_PAUSE,
                    &shutdown.clone(),
                    || poller.clone().run_feed_owned(feed.clone(), shutdown.clone()),
                )
                .await;
            });
        }
        while loops.join_next().await.is_some() {}
    }

    async fn run_feed_owned(self, feed: WatchedFeed, shutdown: CancellationToken) {
        self.run_feed(feed, shutdown).await;
    }

    async fn run_feed(&self, feed: WatchedFeed, shutdown: CancellationToken) {
        let wake = self.wakeups.waker(feed.id);
        loop {
            let wait = match self.store.feed(feed.id).await {
                Ok(Some(row)) => (row.next_check() - Utc::now()).to_std().unwrap_or(Duration::ZERO),
                Ok(None) => return,
                Err(err) => {
                    tracing::error!(feed_id = feed.id, error = %err, "cannot read feed schedule");
                    Duration::from_secs(5)
                }
            };
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(wait) => {}
                () = wake.notified() => tracing::debug!(feed_id = feed.id, "woken to fetch now"),
            }
            // Not raced against shutdown: the fetch inside gives up by itself,
            // the database work finishes.
            let result = self.poll_feed_once(&feed, Utc::now()).await;
            if let Err(err) = result {
                tracing::error!(feed_id = feed.id, error = %err, "feed poll failed");
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    () = tokio::time::sleep(Duration::from_secs(5)) => {}
                }
            }
        }
    }
}

/// Missing posted stories asked about per fetch.
const VANISHED_CHECKS: u32 = 5;
/// Still-published answers remembered (then forgotten all at once).
const STILL_PUBLISHED_REMEMBERED: usize = 10_000;

/// The URL of page `page` of a WordPress feed.
pub fn page_url(feed_url: &Url, page: u32) -> Url {
    let mut url = feed_url.clone();
    let kept: Vec<(String, String)> =
        url.query_pairs().filter(|(name, _)| name != "paged").map(|(n, v)| (n.into_owned(), v.into_owned())).collect();
    url.query_pairs_mut().clear().extend_pairs(kept).append_pair("paged", &page.to_string());
    url
}

fn admin_post(reply: Reply) -> NewPost {
    NewPost::text(reply.html, reply.plain)
}

/// Orders a feed's items for posting, oldest first: feeds list newest first,
/// so reverse the document; if every item is dated, sort by date (stable, so
/// equal dates keep that order).
pub fn in_posting_order(mut articles: Vec<NewArticle>) -> Vec<NewArticle> {
    articles.reverse();
    if articles.iter().all(|a| a.published_at.is_some()) {
        articles.sort_by_key(|a| a.published_at);
    }
    articles
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::domain::ArticleKey;

    fn article(title: &str, published: Option<i64>) -> NewArticle {
        NewArticle {
            key: ArticleKey::from_title(title),
            title: title.into(),
            link: None,
            summary_html: None,
            content_html: None,
            author: None,
            categories: vec![],
            tags: vec![],
            page_photo: None,
            image_url: None,
            published_at: published.map(|s| Utc.timestamp_opt(s, 0).single().expect("time")),
        }
    }

    fn titles(articles: &[NewArticle]) -> Vec<&str> {
        articles.iter().map(|a| a.title.as_str()).collect()
    }

    #[test]
    fn dated_items_go_oldest_first() {
        let ordered = in_posting_order(vec![article("b", Some(20)), article("c", Some(30)), article("a", Some(10))]);
        assert_eq!(titles(&ordered), ["a", "b", "c"]);
    }

    #[test]
    fn undated_items_reverse_the_document() {
        let ordered = in_posting_order(vec![article("c", None), article("b", Some(5)), article("a", None)]);
        assert_eq!(titles(&ordered), ["a", "b", "c"]);
    }

    #[test]
    fn equal_dates_keep_reverse_document_order() {
        let ordered = in_posting_order(vec![article("b", Some(5)), article("a", Some(5))]);
        assert_eq!(titles(&ordered), ["a", "b"]);
    }

    #[test]
    fn page_urls_keep_other_parameters() {
        let feed = Url::parse("https://kaltimtoday.co/feed/?cat=3&paged=9").expect("url");
        assert_eq!(page_url(&feed, 2).as_str(), "https://kaltimtoday.co/feed/?cat=3&paged=2");
    }
}
