//! The digests of one slot: every digest reader's "Berita Pilihan", enqueued
//! in one transaction with the slot's `digest_runs` row, so a slot is built
//! once whatever restarts or crashes follow. Readers who would get the same
//! digest (same period, categories and language) share one rendering.

use crate::store::Backend;
use crate::store::Flag;
use crate::store::dialect::JsonList;
use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use sqlx::{Any, Transaction};

use super::Priority;
use super::enqueue::{PostLink, insert_post};
use crate::domain::{Article, CategoryKey, DigestSchedule, NewPost, Slot, time_of_day_text};
use crate::store::articles::articles_by_ids;
use crate::store::{Store, StoreError, from_ms, to_ms};

/// What one digest shows: the period's picks first, then the newest other
/// stories in the reader's categories.
#[derive(Debug, Clone)]
pub struct DigestContent<'a> {
    /// The readers' post style (their language).
    pub style: Option<&'a str>,
    pub picks: &'a [Article],
    pub others: &'a [Article],
    /// Stories of the period left out for room.
    pub left_out: usize,
}

/// How a slot's digests are chosen.
#[derive(Debug, Clone)]
pub struct DigestPlan<'a> {
    pub slot: Slot,
    pub schedule: &'a DigestSchedule,
    pub max_items: usize,
    /// `digest.pick_categories`: their articles are picks without /pilih.
    pub pick_categories: &'a [String],
}

/// What a slot's run enqueued; `None` from [`Store::enqueue_digests`] when
/// the slot was built before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DigestRun {
    /// Digest deliveries (one per reader with news in their period).
    pub digests: usize,
    /// Distinct renderings.
    pub renderings: usize,
    /// Readers whose period brought nothing (no message: never an empty digest).
    pub empty: usize,
}

/// A story of a period, before it is shown to anyone.
struct Candidate {
    id: i64,
    pick: bool,
    categories: Vec<i64>,
}

/// Readers who get the same digest: their period's start, their categories
/// (empty: all), their style.
type Audience = (i64, String, Option<String>);

/// A digest reader: chat id, configured channel, chosen times, style, categories.
type AudienceRow = (i64, Flag, Option<String>, Option<String>, String);

impl Store {
    /// Enqueues every digest of `plan.slot`, once: `Ok(None)` if the slot's
    /// digests were enqueued before.
    pub async fn enqueue_digests(
        &self,
        plan: &DigestPlan<'_>,
        mut render: impl FnMut(&DigestContent<'_>) -> NewPost,
        now: DateTime<Utc>,
    ) -> Result<Option<DigestRun>, StoreError> {
        let slot_at = to_ms(plan.slot.at);
        let mut tx = self.begin_write().await?;
        let done: Option<i64> = sqlx::query_scalar("SELECT 1 FROM digest_runs WHERE slot_at = $1")
            .bind(slot_at)
            .fetch_optional(&mut *tx)
            .await?;
        if done.is_some() {
            return Ok(None);
        }
        let watermark: i64 =
            sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM articles").fetch_one(&mut *tx).await?;
        let audiences = digest_audiences(&mut tx, plan).await?;
        let pick_categories = pick_category_ids(&mut tx, plan.pick_categories).await?;
        let mut periods: HashMap<i64, Vec<Candidate>> = HashMap::new();
        let mut articles: HashMap<i64, Article> = HashMap::new();
        let mut run = DigestRun::default();
        for ((start, categories, style), chats) in audiences {
            if let std::collections::hash_map::Entry::Vacant(entry) = periods.entry(start) {
                let period = Period { start, end: slot_at, last_article: watermark };
                entry.insert(period_candidates(&mut tx, period, &pick_categories).await?);
            }
            let candidates = periods.get(&start).map(Vec::as_slice).unwrap_or_default();
            let wanted: Vec<i64> = categories.split(',').filter_map(|id| id.parse().ok()).collect();
            let (picks, others, left_out) = choose(candidates, &wanted, plan.max_items);
            if picks.is_empty() && others.is_empty() {
                run.empty += chats.len();
                continue;
            }
            let missing: Vec<i64> =
                picks.iter().chain(&others).copied().filter(|id| !articles.contains_key(id)).collect();
            for article in articles_by_ids(&mut *tx, &missing).await? {
                articles.insert(article.id, article);
            }
            let shown = |ids: &[i64]| ids.iter().filter_map(|id| articles.get(id).cloned()).collect::<Vec<_>>();
            let (picks, others) = (shown(&picks), shown(&others));
            let content = DigestContent { style: style.as_deref(), picks: &picks, others: &others, left_out };
            let post_id = insert_post(&mut tx, PostLink::default(), &render(&content), style.as_deref(), now).await?;
            let ids = serde_json::to_string(&chats).map_err(|err| StoreError::Corrupt(err.to_string()))?;
            let inserted = sqlx::query(&format!(
                "INSERT INTO deliveries (post_id, chat_id, status, next_attempt_at, created_at, updated_at, priority)
                 SELECT $1, value, 'pending', $2, $2, $2, $3 FROM {}",
                self.backend.json_list("$4", JsonList::Numbers)
            ))
            .bind(post_id)
            .bind(to_ms(now))
            .bind(Priority::Routine.as_i64())
            .bind(ids)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            run.digests += usize::try_from(inserted).unwrap_or(usize::MAX);
            run.renderings += 1;
        }
        sqlx::query(
            "INSERT INTO digest_runs (slot_at, slot, digests, renderings, created_at, last_article_id)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(slot_at)
        .bind(time_of_day_text(plan.slot.time))
        .bind(i64::try_from(run.digests).unwrap_or(i64::MAX))
        .bind(i64::try_from(run.renderings).unwrap_or(i64::MAX))
        .bind(to_ms(now))
        .bind(watermark)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(run))
    }

    /// The latest slot whose digests were enqueued.
    pub async fn last_digest_run(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let at: Option<i64> = sqlx::query_scalar("SELECT MAX(slot_at) FROM digest_runs").fetch_one(&self.pool).await?;
        Ok(at.map(from_ms))
    }
}

/// The digest readers of the slot, grouped by what their digest shows.
/// Configured digest channels take every slot; a reader the times they chose.
async fn digest_audiences(
    tx: &mut Transaction<'_, Any>,
    plan: &DigestPlan<'_>,
) -> Result<BTreeMap<Audience, Vec<i64>>, StoreError> {
    let rows: Vec<AudienceRow> = sqlx::query_as(
        "SELECT c.id, c.is_target = 1, c.digest_times, c.style,
                COALESCE((SELECT string_agg(CAST(category_id AS TEXT), ',' ORDER BY category_id)
                          FROM reader_categories WHERE chat_id = c.id), '')
         FROM chats c
         WHERE c.active = 1 AND c.delivery_mode = 'digest'
           AND (c.is_target = 1 OR (c.subscribed = 1 AND c.kind = 'private'))
         ORDER BY c.id",
    )
    .fetch_all(&mut **tx)
    .await?;
    let every_slot = plan.schedule.times().to_vec();
    let mut periods: HashMap<Option<String>, Option<i64>> = HashMap::new();
    let mut audiences: BTreeMap<Audience, Vec<i64>> = BTreeMap::new();
    for (chat_id, channel, stored, style, categories) in rows {
        let key = if channel.0 { None } else { Some(stored.unwrap_or_default()) };
        let start = *periods.entry(key.clone()).or_insert_with(|| {
            let times = match &key {
                None => every_slot.clone(),
                Some(stored) => plan.schedule.reader_times(Some(stored)),
            };
            times.contains(&plan.slot.time).then(|| plan.schedule.previous(&times, plan.slot.at).map_or(0, to_ms))
        });
        // Not one of the reader's times.
        let Some(start) = start else { continue };
        audiences.entry((start, categories, style)).or_default().push(chat_id);
    }
    Ok(audiences)
}

/// The ids of the categories whose articles are picks by themselves.
async fn pick_category_ids(tx: &mut Transaction<'_, Any>, names: &[String]) -> Result<Vec<i64>, StoreError> {
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let keys: Vec<String> = names.iter().map(|name| CategoryKey::new(name).as_str().to_owned()).collect();
    let keys = serde_json::to_string(&keys).map_err(|err| StoreError::Corrupt(err.to_string()))?;
    let list = Backend::of(tx).json_list("$1", JsonList::Texts);
    Ok(sqlx::query_scalar(&format!("SELECT id FROM categories WHERE key IN (SELECT value FROM {list})"))
        .bind(keys)
        .fetch_all(&mut **tx)
        .await?)
}

/// A reader's digest period: from their previous slot to this one.
#[derive(Debug, Clone, Copy)]
struct Period {
    /// The previous slot (ms).
    start: i64,
    /// This slot (ms).
    end: i64,
    /// The newest article committed when this slot was built.
    last_article: i64,
}

/// The stories of `period`, newest first, one entry per story, retracted
/// ones left out: those committed since the previous slot's build (by its
/// watermark; without one, seen since the previous slot's time) up to this
/// build, and the stories picked within the period whenever they came.
async fn period_candidates(
    tx: &mut Transaction<'_, Any>,
    period: Period,
    pick_categories: &[i64],
) -> Result<Vec<Candidate>, StoreError> {
    let previous: Option<i64> = sqlx::query_scalar(
        "SELECT last_article_id FROM digest_runs WHERE slot_at = $1 AND last_article_id IS NOT NULL",
    )
    .bind(period.start)
    .fetch_optional(&mut **tx)
    .await?;
    // Article ids follow commit order (one writer at a time), so a watermark
    // never skips an article that committed late.
    let since = match previous {
        Some(_) => "SELECT id FROM articles WHERE id > $4 AND id <= $5 AND same_as IS NULL",
        None => "SELECT id FROM articles WHERE seen_at > $1 AND id > $4 AND id <= $5 AND same_as IS NULL",
    };
    let pick_categories = serde_json::to_string(pick_categories).map_err(|err| StoreError::Corrupt(err.to_string()))?;
    let picked = Backend::of(tx).json_list("$3", JsonList::Numbers);
    let rows: Vec<(i64, Flag, String)> = sqlx::query_as(&format!(
        "SELECT a.id,
                EXISTS (SELECT 1 FROM picks WHERE picks.article_id = a.id)
                  OR EXISTS (SELECT 1 FROM article_categories ac
                             WHERE ac.article_id = a.id AND ac.category_id IN (SELECT value FROM {picked})),
                COALESCE((SELECT string_agg(CAST(category_id AS TEXT), ',') FROM article_categories WHERE article_id = a.id), '')
         FROM articles a
         WHERE a.id IN ({since}
                        UNION SELECT article_id FROM picks WHERE picked_at > $1 AND picked_at <= $2)
           AND a.same_as IS NULL AND a.retracted_at IS NULL
           AND EXISTS (SELECT 1 FROM posts p WHERE p.article_id = a.id)
         ORDER BY a.sort_at DESC, a.id DESC"
    ))
    .bind(period.start)
    .bind(period.end)
    .bind(pick_categories)
    .bind(previous.unwrap_or(0))
    .bind(period.last_article)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, pick, categories)| Candidate {
            id,
            pick: pick.0,
            categories: categories.split(',').filter_map(|c| c.parse().ok()).collect(),
        })
        .collect())
}

/// The picks (whatever the reader's categories) then the newest other
/// stories in `wanted` (empty: every category), `max` in all; and how many
/// of the reader's stories were left out.
fn choose(candidates: &[Candidate], wanted: &[i64], max: usize) -> (Vec<i64>, Vec<i64>, usize) {
    let in_categories = |c: &Candidate| wanted.is_empty() || c.categories.iter().any(|id| wanted.contains(id));
    let picks: Vec<i64> = candidates.iter().filter(|c| c.pick).map(|c| c.id).collect();
    let others: Vec<i64> = candidates.iter().filter(|c| !c.pick && in_categories(c)).map(|c| c.id).collect();
    let total = picks.len() + others.len();
    let picks: Vec<i64> = picks.into_iter().take(max).collect();
    let others: Vec<i64> = others.into_iter().take(max - picks.len()).collect();
    let left_out = total - picks.len() - others.len();
    (picks, others, left_out)
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use url::Url;

    use super::*;
    use crate::domain::{DeliveryMode, DigestSchedule, parse_time_of_day};
    use crate::store::testing::{article, record, record_at, temp_store};

    /// Builds `slot` for the digest readers; the titles each rendering held.
    async fn build(store: &Store, schedule: &DigestSchedule, slot: Slot) -> Vec<Vec<String>> {
        let plan = DigestPlan { slot, schedule, max_items: 10, pick_categories: &[] };
        let mut shown = Vec::new();
        let render = |content: &DigestContent<'_>| {
            shown.push(content.picks.iter().chain(content.others).map(|a| a.title.clone()).collect());
            NewPost::text("digest".into(), "digest".into())
        };
        store.enqueue_digests(&plan, render, Utc::now()).await.expect("enqueue").expect("built");
        shown
    }

    async fn a_fetch_that_commits_after_the_slot_was_built_goes_in_the_next_digest() {
        let (store, _dir) = temp_store().await;
        store.subscribe_many(&[7], Utc::now()).await.expect("subscribe");
        store.set_delivery_mode_many(&[7], DeliveryMode::Digest, Utc::now()).await.expect("mode");
        let feed_url = Url::parse("https://kaltimtoday.co/feed/").expect("url");
        let feed = store.sync_feeds(&[(feed_url, None)], Utc::now()).await.expect("feed").remove(0).id;
        record(&store, feed, &[], 0).await;
        let schedule = DigestSchedule::new(vec![parse_time_of_day("06:00").expect("time")], chrono_tz::Asia::Makassar)
            .expect("schedule");
        let first = schedule.next(schedule.times(), Utc::now()).expect("slot");
        let second = schedule.next(schedule.times(), first.at + chrono::Duration::seconds(1)).expect("slot");

        record(&store, feed, &[article(1)], 0).await;
        assert_eq!(build(&store, &schedule, first).await, [vec!["Berita 1".to_owned()]]);
        // A fetch that began a minute before the first slot commits only now.
        record_at(&store, feed, &[article(2)], 0, first.at - chrono::Duration::minutes(1)).await;
        // Yesterday's story, picked within the period, comes back as a pick.
        assert!(store.pick(1, 42, first.at + chrono::Duration::hours(1)).await.expect("pick"));
        let second_digest = build(&store, &schedule, second).await;
        assert_eq!(second_digest, [vec!["Berita 1".to_owned(), "Berita 2".to_owned()]], "not lost, not repeated");
    }

    fn candidate(id: i64, pick: bool, categories: &[i64]) -> Candidate {
        Candidate { id, pick, categories: categories.to_vec() }
    }

    #[test]
    fn picks_come_first_then_the_readers_categories_within_the_limit() {
        let candidates =
            [candidate(9, false, &[1]), candidate(8, true, &[2]), candidate(7, false, &[2]), candidate(6, false, &[])];
        assert_eq!(choose(&candidates, &[], 10), (vec![8], vec![9, 7, 6], 0));
        // A pick outside the reader's categories is still shown; other stories only in them.
        assert_eq!(choose(&candidates, &[1], 10), (vec![8], vec![9], 0));
        assert_eq!(choose(&candidates, &[], 2), (vec![8], vec![9], 2));
        assert_eq!(choose(&candidates, &[3], 10), (vec![8], vec![], 0));
        assert_eq!(choose(&[], &[], 10), (vec![], vec![], 0));
    }

    both_backends!(a_fetch_that_commits_after_the_slot_was_built_goes_in_the_next_digest,);
}
