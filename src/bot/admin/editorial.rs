//! The newsroom's commands: breaking news (preview, confirm, cancel),
//! corrections, retractions, pause and resume. Only for admins, in private
//! chat; the caller checks both before anything here runs.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use chrono::Utc;
use teloxide::Bot;
use teloxide::payloads::{SendMessageSetters, SendPhotoSetters};
use teloxide::prelude::Requester;
use teloxide::types::{ChatId, InlineKeyboardButton, InlineKeyboardMarkup, Message, ParseMode};
use tokio::sync::Notify;
use url::Url;

use crate::bot::BotState;
use crate::bot::callbacks::Callback;
use crate::bot::reply::Answer;
use crate::domain::time::{earlier, later};
use crate::domain::{LinkButton, NewPost};
use crate::format::{
    AdminText, ChannelStyle, PostStyle, TooLong, render_admin_post, render_article_post, render_retraction_notice,
    truncate_chars, with_utm,
};
use crate::i18n::{CommandId, Lang, fill};
use crate::store::{BreakingContent, BreakingState, ConfirmOutcome, CorrectionError, Story, StoryKey};
use crate::telegram::preview_options;

/// What the newsroom's commands need besides the store.
#[derive(Debug, Clone)]
pub struct NewsroomSettings {
    /// An unconfirmed preview is void after this long.
    pub preview_expiry: Duration,
    pub pin_breaking: bool,
    /// Sent messages older than this are not edited by /koreksi.
    pub edit_window: Duration,
    /// How posts are rendered (channels' options, languages).
    pub post_style: PostStyle,
    /// Wakes the delivery worker when something was enqueued.
    pub outbox_ready: Arc<Notify>,
    /// Paid broadcast: on, and its rate (for /status's capacity line).
    pub paid_broadcast: bool,
    pub paid_per_second: u32,
}

fn minutes(duration: Duration) -> String {
    duration.as_secs().div_ceil(60).to_string()
}

/// `/breaking <teks>`, `/breaking <tautan artikel>`, or `/breaking` alone
/// (the admin's next message is the news).
pub async fn breaking_command(
    bot: &Bot,
    state: &BotState,
    admin: i64,
    chat: ChatId,
    lang: Lang,
    text: &str,
) -> anyhow::Result<Answer> {
    let texts = lang.newsroom();
    let now = Utc::now();
    let expiry = state.newsroom.preview_expiry;
    let text = text.trim();
    if text.is_empty() {
        state.store.await_breaking(admin, chat.0, now, later(now, expiry)).await?;
        return Ok(Answer::text(&fill(texts.breaking_prompt, &[("minutes", &minutes(expiry))])));
    }
    let content = match single_link(text) {
        Some(link) => {
            let article = match state.store.article_id_by_link(&link).await? {
                Some(id) => state.store.article(id).await?,
                None => None,
            };
            match article {
                Some(article) => BreakingContent { text: None, photo_file_id: None, article: Some(article) },
                None => return Ok(Answer::text(texts.breaking_article_unknown)),
            }
        }
        None => BreakingContent { text: Some(text.to_owned()), photo_file_id: None, article: None },
    };
    preview(bot, state, admin, chat, lang, content).await
}

/// The admin's message after a bare `/breaking`: its text, or its photo and caption.
pub async fn breaking_from_message(
    bot: &Bot,
    state: &BotState,
    admin: i64,
    lang: Lang,
    msg: &Message,
) -> anyhow::Result<Answer> {
    let texts = lang.newsroom();
    let photo = msg.photo().and_then(|sizes| sizes.last()).map(|size| size.file.id.0.clone());
    let text = msg.text().or(msg.caption()).map(str::trim).filter(|t| !t.is_empty());
    let Some(text) = text else {
        // Still waiting: a photo without caption is not the news yet.
        let now = Utc::now();
        let until = later(now, state.newsroom.preview_expiry);
        state.store.await_breaking(admin, msg.chat.id.0, now, until).await?;
        return Ok(Answer::text(texts.breaking_photo_only));
    };
    let content = match photo {
        Some(photo) => BreakingContent { text: Some(text.to_owned()), photo_file_id: Some(photo), article: None },
        None => return breaking_command(bot, state, admin, msg.chat.id, lang, text).await,
    };
    preview(bot, state, admin, msg.chat.id, lang, content).await
}

/// A text that is nothing but an http(s) link.
fn single_link(text: &str) -> Option<Url> {
    if text.contains(char::is_whitespace) {
        return None;
    }
    Url::parse(text).ok().filter(|url| matches!(url.scheme(), "http" | "https"))
}

/// Checks the news fits in every language, stores the draft, and shows the
/// admin the post exactly as the main channel will get it, with Kirim and Batal.
async fn preview(
    bot: &Bot,
    state: &BotState,
    admin: i64,
    chat: ChatId,
    lang: Lang,
    content: BreakingContent,
) -> anyhow::Result<Answer> {
    let texts = lang.newsroom();
    if let Some(text) = &content.text {
        for post_lang in [Lang::Id, Lang::En] {
            let input = AdminText {
                text,
                photo_file_id: content.photo_file_id.as_deref(),
                breaking: true,
                corrected: false,
                button: None,
            };
            if let Err(too_long) = render_admin_post(input, post_lang) {
                return Ok(too_long_answer(too_long, lang));
            }
        }
    }
    let now = Utc::now();
    let expiry = state.newsroom.preview_expiry;
    let id = state.store.create_breaking_draft(admin, chat.0, &content, now, later(now, expiry)).await?;
    let style = state.store.main_channel_style().await?;
    let post = render_breaking(&state.newsroom.post_style, &content, style.as_deref());
    let message = send_preview(bot, chat, &post, id, lang).await.context("cannot send the breaking-news preview")?;
    state.store.set_breaking_preview(id, message.id.0).await?;
    tracing::info!(admin, breaking_id = id, "breaking news previewed");
    let (channels, subscribers) = state.store.breaking_audience().await?;
    Ok(Answer::text(&fill(
        texts.breaking_preview_note,
        &[
            ("channels", &channels.to_string()),
            ("subscribers", &subscribers.to_string()),
            ("minutes", &minutes(expiry)),
        ],
    )))
}

/// The breaking post for the chats of one style.
pub fn render_breaking(style: &PostStyle, content: &BreakingContent, style_key: Option<&str>) -> NewPost {
    let channel = ChannelStyle { breaking: true, ..style.channel(style_key) };
    if let Some(article) = &content.article {
        return render_article_post(article, style, &channel);
    }
    let text = content.text.as_deref().unwrap_or_default();
    let input = AdminText {
        text,
        photo_file_id: content.photo_file_id.as_deref(),
        breaking: true,
        corrected: false,
        button: None,
    };
    render_admin_post(input, channel.lang).unwrap_or_else(|too_long| {
        // Checked at preview for every language; cut rather than lose the news if a label ever grew.
        let cut = truncate_chars(text, too_long.max.saturating_sub(1));
        render_admin_post(AdminText { text: &cut, ..input }, channel.lang)
            .unwrap_or_else(|_| NewPost::text(cut.clone(), cut.clone()))
    })
}

/// Sends the preview: the post (as a photo if it is one) with Kirim and Batal.
async fn send_preview(bot: &Bot, chat: ChatId, post: &NewPost, id: i64, lang: Lang) -> anyhow::Result<Message> {
    let keyboard = preview_keyboard(id, post.button.as_ref(), lang);
    if let Some(photo) = &post.photo {
        let file = crate::telegram::photo_input(&photo.source);
        let sent = bot
            .send_photo(chat, file)
            .caption(photo.caption_html.clone())
            .parse_mode(ParseMode::Html)
            .reply_markup(keyboard.clone())
            .await;
        match sent {
            Ok(message) => return Ok(message),
            // The worker falls back to text the same way.
            Err(err) => tracing::info!(error = %err, "the preview's photo was refused; previewing as text"),
        }
    }
    Ok(bot
        .send_message(chat, post.html.clone())
        .parse_mode(ParseMode::Html)
        .link_preview_options(preview_options(post))
        .reply_markup(keyboard)
        .await?)
}

/// Kirim first, Batal second; the post's own link button below.
fn preview_keyboard(id: i64, link: Option<&LinkButton>, lang: Lang) -> InlineKeyboardMarkup {
    let texts = lang.newsroom();
    let mut rows = vec![vec![
        InlineKeyboardButton::callback(texts.button_send, Callback::BreakingSend { id }.encode()),
        InlineKeyboardButton::callback(texts.button_cancel, Callback::BreakingCancel { id }.encode()),
    ]];
    if let Some(link) = link {
        rows.push(vec![InlineKeyboardButton::url(link.text.clone(), link.url.clone())]);
    }
    InlineKeyboardMarkup::new(rows)
}

/// What a press on Kirim or Batal did: the toast, and whether the preview's buttons go.
pub struct Decision {
    pub toast: String,
    pub clear_buttons: bool,
}

/// Kirim: enqueues the breaking news for everyone, ahead of everything, and
/// starts the admin's progress message.
pub async fn confirm(
    bot: &Bot,
    state: &BotState,
    admin: i64,
    lang: Lang,
    chat: ChatId,
    id: i64,
) -> anyhow::Result<Decision> {
    let texts = lang.newsroom();
    let now = Utc::now();
    let style = &state.newsroom.post_style;
    let outcome = state
        .store
        .confirm_breaking(id, chat.0, now, state.newsroom.pin_breaking, |content, key| {
            render_breaking(style, content, key)
        })
        .await?;
    let decided = |toast: &str, clear_buttons: bool| Ok(Decision { toast: toast.to_owned(), clear_buttons });
    match outcome {
        ConfirmOutcome::Confirmed { breaking, recipients } => {
            state.newsroom.outbox_ready.notify_one();
            let story = state.store.story(StoryKey::Breaking(id)).await?;
            let post_id = story.as_ref().map_or(0, |s| s.post_id);
            let title = story.as_ref().map(|s| s.title.clone()).unwrap_or_default();
            let recipients_count = i64::try_from(recipients).unwrap_or(i64::MAX);
            state
                .store
                .audit(admin, "breaking", Some(&format!("#{post_id}")), Some(&title), Some(recipients_count), now)
                .await?;
            tracing::info!(admin, breaking_id = breaking.id, post_id, recipients, "breaking news confirmed");
            let progress = if recipients == 0 {
                texts.breaking_nobody.to_owned()
            } else {
                fill(
                    texts.breaking_progress,
                    &[("id", &post_id.to_string()), ("sent", "0"), ("total", &recipients.to_string())],
                )
            };
            let status = bot.send_message(chat, progress.clone()).await?;
            let finished = (recipients == 0).then_some(now);
            state.store.record_breaking_progress(id, Some(status.id.0), &progress, finished).await?;
            decided(texts.breaking_confirmed, true)
        }
        ConfirmOutcome::Expired => {
            decided(&fill(texts.breaking_expired, &[("command", texts.command(CommandId::Breaking))]), true)
        }
        ConfirmOutcome::AlreadyDecided(BreakingState::Confirmed) => decided(texts.breaking_already_sent, true),
        ConfirmOutcome::AlreadyDecided(BreakingState::Cancelled) => decided(texts.breaking_already_cancelled, true),
        ConfirmOutcome::AlreadyDecided(_) => {
            decided(&fill(texts.breaking_expired, &[("command", texts.command(CommandId::Breaking))]), true)
        }
        ConfirmOutcome::NotFound => decided(texts.breaking_not_found, false),
    }
}

/// Batal: nothing is sent.
pub async fn cancel(state: &BotState, admin: i64, lang: Lang, chat: ChatId, id: i64) -> anyhow::Result<Decision> {
    let texts = lang.newsroom();
    if state.store.cancel_breaking(id, chat.0).await? {
        state.store.audit(admin, "breaking-cancel", Some(&format!("draft {id}")), None, None, Utc::now()).await?;
        tracing::info!(admin, breaking_id = id, "breaking news cancelled");
        return Ok(Decision { toast: texts.breaking_cancelled.to_owned(), clear_buttons: true });
    }
    let toast = match state.store.breaking(id).await?.filter(|b| b.admin_chat == chat.0).map(|b| b.state) {
        Some(BreakingState::Confirmed) => texts.breaking_already_sent.to_owned(),
        Some(BreakingState::Cancelled) => texts.breaking_already_cancelled.to_owned(),
        Some(_) => fill(texts.breaking_expired, &[("command", texts.command(CommandId::Breaking))]),
        None => texts.breaking_not_found.to_owned(),
    };
    Ok(Decision { toast, clear_buttons: true })
}

/// A story named by an admin: `#12`, `12`, or an article's link.
pub(super) async fn find_story(state: &BotState, name: &str) -> anyhow::Result<Option<Story>> {
    let name = name.trim();
    let digits = name.strip_prefix('#').unwrap_or(name);
    if !digits.is_empty() && digits.len() <= 18 && digits.bytes().all(|b| b.is_ascii_digit()) {
        let id: i64 = digits.parse().unwrap_or_default();
        return Ok(state.store.story_by_post(id).await?);
    }
    match single_link(name) {
        Some(link) => Ok(state.store.story_by_link(&link).await?),
        None => Ok(None),
    }
}

/// `/koreksi <post> <teks baru>`: the post is replaced by the new text everywhere.
pub async fn correct_command(state: &BotState, admin: i64, lang: Lang, args: &str) -> anyhow::Result<Answer> {
    let texts = lang.newsroom();
    let usage = || Answer::text(&fill(texts.correct_usage, &[("command", texts.command(CommandId::Correct))]));
    let args = args.trim();
    let Some((name, text)) = args.split_once(char::is_whitespace) else { return Ok(usage()) };
    let text = text.trim();
    if text.is_empty() {
        return Ok(usage());
    }
    let Some(story) = find_story(state, name).await? else {
        return Ok(Answer::text(&fill(texts.story_not_found, &[("query", &truncate_chars(name, 80))])));
    };
    let (breaking, photo_file_id, link) = match story.key {
        StoryKey::Breaking(id) => {
            let item = state.store.breaking(id).await?;
            let article = match item.as_ref().and_then(|b| b.article_id) {
                Some(article) => state.store.article(article).await?,
                None => None,
            };
            (true, item.and_then(|b| b.photo_file_id), article.and_then(|a| a.link))
        }
        StoryKey::Article(id) => (false, None, state.store.article(id).await?.and_then(|a| a.link)),
    };
    let style = &state.newsroom.post_style;
    let render = |key: Option<&str>| {
        let channel = style.channel(key);
        let button = link.as_ref().map(|link| LinkButton {
            text: channel.lang.texts().read_more.to_owned(),
            url: with_utm(link, &channel.utm),
        });
        let input = AdminText {
            text,
            photo_file_id: photo_file_id.as_deref(),
            breaking,
            corrected: true,
            button: button.as_ref(),
        };
        render_admin_post(input, channel.lang)
    };
    let now = Utc::now();
    let window_start = earlier(now, state.newsroom.edit_window);
    let corrected = match state.store.correct_story(story.key, render, now, window_start).await {
        Ok(corrected) => corrected,
        Err(CorrectionError::Render(too_long)) => return Ok(too_long_answer(too_long, lang)),
        Err(CorrectionError::Store(err)) => return Err(err.into()),
    };
    state.newsroom.outbox_ready.notify_one();
    let target = format!("#{}", story.post_id);
    let edits = i64::try_from(corrected.edits).unwrap_or(i64::MAX);
    state.store.audit(admin, "correct", Some(&target), Some(text), Some(edits), now).await?;
    tracing::info!(admin, post_id = story.post_id, edits, too_old = corrected.too_old, "story corrected");
    let mut reply =
        fill(texts.corrected, &[("id", &story.post_id.to_string()), ("edits", &corrected.edits.to_string())]);
    if corrected.too_old > 0 {
        let hours = (state.newsroom.edit_window.as_secs() / 3600).to_string();
        reply.push(' ');
        reply.push_str(&fill(texts.corrected_too_old, &[("count", &corrected.too_old.to_string()), ("hours", &hours)]));
    }
    Ok(Answer::text(&reply))
}

/// `/tarik <post>`: deleted everywhere, or replaced by a notice where Telegram refuses.
pub async fn retract_command(state: &BotState, admin: i64, lang: Lang, args: &str) -> anyhow::Result<Answer> {
    let texts = lang.newsroom();
    let name = args.trim();
    if name.is_empty() {
        return Ok(Answer::text(&fill(texts.retract_usage, &[("command", texts.command(CommandId::Retract))])));
    }
    let Some(story) = find_story(state, name).await? else {
        return Ok(Answer::text(&fill(texts.story_not_found, &[("query", &truncate_chars(name, 80))])));
    };
    let (post_id, deleting, cancelled) = retract(state, admin, story).await?;
    Ok(Answer::text(&fill(
        texts.retracted,
        &[("id", &post_id.to_string()), ("deleting", &deleting.to_string()), ("cancelled", &cancelled.to_string())],
    )))
}

/// Tarik on a story that disappeared from the site (the presser is checked by the caller).
pub async fn retract_pressed(state: &BotState, admin: i64, lang: Lang, post_id: i64) -> anyhow::Result<Decision> {
    let texts = lang.newsroom();
    let Some(story) = state.store.story_by_post(post_id).await? else {
        let toast = fill(texts.story_not_found, &[("query", &format!("#{post_id}"))]);
        return Ok(Decision { toast, clear_buttons: true });
    };
    let (post_id, deleting, cancelled) = retract(state, admin, story).await?;
    let id = post_id.to_string();
    let toast = if deleting == 0 && cancelled == 0 {
        fill(texts.gone_already_retracted, &[("id", &id)])
    } else {
        fill(
            texts.retracted,
            &[("id", &id), ("deleting", &deleting.to_string()), ("cancelled", &cancelled.to_string())],
        )
    };
    Ok(Decision { toast, clear_buttons: true })
}

/// Retracts a story everywhere; its post id, messages being deleted, copies cancelled.
async fn retract(state: &BotState, admin: i64, story: Story) -> anyhow::Result<(i64, usize, usize)> {
    let style = &state.newsroom.post_style;
    let now = Utc::now();
    let retraction =
        state.store.retract_story(story.key, |key| render_retraction_notice(style.channel(key).lang), now).await?;
    state.newsroom.outbox_ready.notify_one();
    let target = format!("#{}", story.post_id);
    let deleting = i64::try_from(retraction.deleting).unwrap_or(i64::MAX);
    state.store.audit(admin, "retract", Some(&target), Some(&story.title), Some(deleting), now).await?;
    tracing::info!(admin, post_id = story.post_id, deleting, cancelled = retraction.cancelled, "story retracted");
    Ok((story.post_id, retraction.deleting, retraction.cancelled))
}

/// `/jeda` and `/lanjut`.
pub async fn pause_command(state: &BotState, admin: i64, lang: Lang, pause: bool) -> anyhow::Result<Answer> {
    let texts = lang.newsroom();
    let now = Utc::now();
    // Counted while still paused: once resumed, the worker takes them at once.
    let held = state.store.routine_pending().await?;
    let changed = state.store.set_routine_paused(pause, now).await?;
    if !changed {
        return Ok(Answer::text(if pause { texts.already_paused } else { texts.not_paused }));
    }
    state.store.audit(admin, if pause { "pause" } else { "resume" }, None, None, None, now).await?;
    tracing::info!(admin, paused = pause, "routine posting paused or resumed");
    if pause {
        return Ok(Answer::text(texts.paused));
    }
    state.newsroom.outbox_ready.notify_one();
    Ok(Answer::text(&fill(texts.resumed, &[("pending", &held.to_string())])))
}

/// A text that does not fit: its length and the most that would.
fn too_long_answer(TooLong { length, max }: TooLong, lang: Lang) -> Answer {
    let text = fill(lang.newsroom().breaking_too_long, &[("length", &length.to_string()), ("max", &max.to_string())]);
    Answer::text(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_lone_http_link_names_an_article() {
        assert!(single_link("https://kaltimtoday.co/banjir/").is_some());
        assert!(single_link("http://kaltimtoday.co/?p=12").is_some());
        assert!(single_link("Banjir di https://kaltimtoday.co/banjir/").is_none());
        assert!(single_link("javascript:alert(1)").is_none());
        assert!(single_link("kaltimtoday.co/banjir").is_none());
    }
}
