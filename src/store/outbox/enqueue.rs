//! Producers' side: a post and one delivery row per chat that should get it,
//! written in the producer's transaction.

use chrono::{DateTime, Utc};
use sqlx::{Any, Transaction};

use super::{Audience, Priority, StoryKey};
use crate::domain::{AdminNotice, Article, ForumTopics, NewPost, PostRenderer};
use crate::store::{Backend, Store, StoreError, to_ms};

/// Deliveries enqueued at once past which PostgreSQL's statistics are refreshed.
const ANALYZE_AFTER: usize = 5_000;

/// What a post row is linked to.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct PostLink {
    /// The story the post shows; `None` for alerts, notices and placeholders.
    pub story: Option<StoryKey>,
    /// Its messages in channels and groups get pinned.
    pub pin: bool,
}

pub(super) async fn insert_post(
    tx: &mut Transaction<'_, Any>,
    link: PostLink,
    post: &NewPost,
    style: Option<&str>,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let (button_text, button_url) = match &post.button {
        Some(button) => (Some(button.text.as_str()), Some(button.url.as_str())),
        None => (None, None),
    };
    let (article_id, breaking_id) = match link.story {
        Some(StoryKey::Article(id)) => (Some(id), None),
        Some(StoryKey::Breaking(id)) => (None, Some(id)),
        None => (None, None),
    };
    let photo = post.photo.as_ref();
    let post_id = sqlx::query_scalar(
        "INSERT INTO posts (article_id, html, plain, button_text, button_url, link_preview, created_at,
                            photo_url, caption_html, caption_plain, silent, style, breaking_id, pin, photo_file_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id",
    )
    .bind(article_id)
    .bind(&post.html)
    .bind(&post.plain)
    .bind(button_text)
    .bind(button_url)
    .bind(post.link_preview.as_i64())
    .bind(to_ms(now))
    .bind(photo.and_then(|p| p.web_url()).map(url::Url::as_str))
    .bind(photo.map(|p| p.caption_html.as_str()))
    .bind(photo.map(|p| p.caption_plain.as_str()))
    .bind(i64::from(post.silent))
    .bind(style)
    .bind(breaking_id)
    .bind(i64::from(link.pin))
    .bind(photo.and_then(|p| p.telegram_file_id()))
    .fetch_one(&mut **tx)
    .await?;
    Ok(post_id)
}

/// Subscribers who chose categories get only articles in one of them;
/// channels and subscribers who chose none get every article. `$1` is the article.
const WANTS_ARTICLE: &str = "(is_target = 1
      OR NOT EXISTS (SELECT 1 FROM reader_categories rc WHERE rc.chat_id = chats.id)
      OR EXISTS (SELECT 1 FROM reader_categories rc
                 JOIN article_categories ac ON ac.category_id = rc.category_id AND ac.article_id = $1
                 WHERE rc.chat_id = chats.id))";

/// Who gets a fan-out, and what splits them into renderings.
struct Fanout<'a> {
    /// Which chats: a condition on `chats`, where `$1` is the story's id.
    audience: &'a str,
    /// The column the chats are grouped by; one rendering per value.
    group: &'a str,
    /// The order of the groups (which rendering goes out first).
    group_order: &'a str,
    /// The order of the deliveries within a group.
    order: &'a str,
    /// The group is the rendering style, stored with the post.
    styled: bool,
}

/// Renders once per group of the fan-out's chats and enqueues each
/// rendering for its group. Returns the number of deliveries.
async fn fan_out(
    tx: &mut Transaction<'_, Any>,
    fanout: Fanout<'_>,
    story_id: i64,
    link: PostLink,
    priority: Priority,
    mut render: impl FnMut(Option<&str>) -> NewPost,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let Fanout { audience, group, group_order, order, styled } = fanout;
    let audience = format!("{audience} AND active = 1");
    let groups: Vec<Option<String>> = sqlx::query_scalar(&format!(
        "SELECT {group} FROM chats WHERE {audience} GROUP BY {group} ORDER BY {group_order}"
    ))
    .bind(story_id)
    .fetch_all(&mut **tx)
    .await?;
    let mut enqueued = 0;
    for value in groups {
        let style = if styled { value.as_deref() } else { None };
        let post_id = insert_post(tx, link, &render(value.as_deref()), style, now).await?;
        let inserted = sqlx::query(&format!(
            "INSERT INTO deliveries (post_id, chat_id, status, next_attempt_at, created_at, updated_at, priority)
             SELECT $2, id, 'pending', $3, $3, $3, $5 FROM chats
             WHERE {audience} AND {group} IS NOT DISTINCT FROM $4 ORDER BY {order}"
        ))
        .bind(story_id)
        .bind(post_id)
        .bind(to_ms(now))
        .bind(value.as_deref())
        .bind(priority.as_i64())
        .execute(&mut **tx)
        .await?
        .rows_affected();
        enqueued += usize::try_from(inserted).unwrap_or(usize::MAX);
    }
    // PostgreSQL plans the claims by its statistics, which lag a bulk insert
    // until autovacuum comes by: a plan made for a near-empty outbox against
    // 100,000 fresh rows takes minutes. A big fan-out refreshes them at once
    // (a sample, ~0.1 s); SQLite needs no such thing.
    if enqueued >= ANALYZE_AFTER && Backend::of(tx) == Backend::Postgres {
        sqlx::query("ANALYZE deliveries, chats").execute(&mut **tx).await?;
    }
    Ok(enqueued)
}

/// Renders a story once per style of the readers' chats that want it and
/// enqueues each rendering for its chats, channels' styles first (the
/// public post goes out before the readers' copies). Returns the number of
/// deliveries.
async fn fan_out_by_style(
    tx: &mut Transaction<'_, Any>,
    story: StoryKey,
    link: PostLink,
    priority: Priority,
    render: impl FnMut(Option<&str>) -> NewPost,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let readers = Audience::Readers.filter();
    // Single stories go to the chats that take every story; breaking news
    // reaches every reader whatever their categories and mode (a digest
    // channel gets only digests), channels first.
    let (audience, order) = match story {
        StoryKey::Article(_) => (format!("{readers} AND delivery_mode = 'every' AND {WANTS_ARTICLE}"), "id"),
        StoryKey::Breaking(_) => {
            (format!("{readers} AND (kind = 'private' OR delivery_mode = 'every') AND $1 = $1"), "is_target DESC, id")
        }
    };
    let fanout = Fanout {
        audience: &audience,
        group: "style",
        group_order: "style IS NULL, style LIKE 'reader:%', style",
        order,
        styled: true,
    };
    fan_out(tx, fanout, story.column().1, link, priority, render, now).await
}

/// Enqueues a new article for every chat that wants it (forum groups in the
/// topic of its category), in the caller's transaction. Returns the number
/// of deliveries.
pub(in crate::store) async fn enqueue_article(
    tx: &mut Transaction<'_, Any>,
    article: &Article,
    renderer: &impl PostRenderer,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let story = StoryKey::Article(article.id);
    let link = PostLink { story: Some(story), pin: false };
    let render = |style: Option<&str>| renderer.render(article, style);
    let enqueued = fan_out_by_style(tx, story, link, Priority::Routine, render, now).await?;
    if enqueued == 0 {
        // No chat: the post is still recorded, so a correction knows it was due.
        insert_post(tx, link, &renderer.render(article, None), None, now).await?;
        return Ok(0);
    }
    place_in_forum_topics(tx, article).await?;
    Ok(enqueued)
}

/// Enqueues confirmed breaking news for every channel and reader. Its posts
/// are not linked to the article it may name: a feed correction of that
/// article must not rewrite the breaking post. Returns the number of deliveries.
pub(in crate::store) async fn enqueue_breaking(
    tx: &mut Transaction<'_, Any>,
    breaking_id: i64,
    pin: bool,
    render: impl FnMut(Option<&str>) -> NewPost,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let story = StoryKey::Breaking(breaking_id);
    let link = PostLink { story: Some(story), pin };
    fan_out_by_style(tx, story, link, Priority::Breaking, render, now).await
}

/// Points the article's deliveries to forum groups at the topic of its category.
async fn place_in_forum_topics(tx: &mut Transaction<'_, Any>, article: &Article) -> Result<(), StoreError> {
    let forums: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, topics FROM chats WHERE topics IS NOT NULL AND is_target = 1 AND active = 1")
            .fetch_all(&mut **tx)
            .await?;
    for (chat_id, topics) in forums {
        let topics: ForumTopics = serde_json::from_str(&topics)
            .map_err(|err| StoreError::Corrupt(format!("chat {chat_id} has unreadable topics: {err}")))?;
        let Some(thread) = topics.thread_for(&article.categories) else { continue };
        sqlx::query(
            "UPDATE deliveries SET thread_id = $3
             WHERE chat_id = $1 AND action = 'send' AND status = 'pending'
               AND post_id IN (SELECT id FROM posts WHERE article_id = $2)",
        )
        .bind(chat_id)
        .bind(article.id)
        .bind(thread)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Stores a post and one pending delivery per active chat of the audience,
/// in the caller's transaction. Returns the post's id and the number of deliveries.
pub(in crate::store) async fn enqueue_post(
    tx: &mut Transaction<'_, Any>,
    post: &NewPost,
    audience: Audience,
    priority: Priority,
    now: DateTime<Utc>,
) -> Result<(i64, usize), StoreError> {
    let post_id = insert_post(tx, PostLink::default(), post, None, now).await?;
    let enqueued = sqlx::query(&format!(
        "INSERT INTO deliveries (post_id, chat_id, status, next_attempt_at, created_at, updated_at, priority)
         SELECT $1, id, 'pending', $2, $2, $2, $3 FROM chats WHERE {} AND active = 1 ORDER BY id",
        audience.filter()
    ))
    .bind(post_id)
    .bind(to_ms(now))
    .bind(priority.as_i64())
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok((post_id, usize::try_from(enqueued).unwrap_or(usize::MAX)))
}

/// Enqueues a notice for the admins, rendered once per language they read,
/// in the caller's transaction. Returns the number of deliveries.
pub(in crate::store) async fn enqueue_for_admins(
    tx: &mut Transaction<'_, Any>,
    notice: &impl AdminNotice,
    priority: Priority,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let audience = format!("{} AND $1 = $1", Audience::Admins.filter());
    let language = "COALESCE(language_choice, language)";
    let fanout = Fanout {
        audience: &audience,
        group: language,
        group_order: "COALESCE(language_choice, language) NULLS FIRST",
        order: "id",
        styled: false,
    };
    let render = |language: Option<&str>| notice.render(language);
    fan_out(tx, fanout, 0, PostLink::default(), priority, render, now).await
}

impl Store {
    /// Enqueues one post (the same for every chat) for an audience in one
    /// transaction: the post and an `INSERT … SELECT` of its deliveries.
    /// Returns the post's id and the number of deliveries.
    pub async fn enqueue_post_for(
        &self,
        post: &NewPost,
        audience: Audience,
        priority: Priority,
        now: DateTime<Utc>,
    ) -> Result<(i64, usize), StoreError> {
        let mut tx = self.begin_write().await?;
        let enqueued = enqueue_post(&mut tx, post, audience, priority, now).await?;
        tx.commit().await?;
        Ok(enqueued)
    }
}
