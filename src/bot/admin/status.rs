//! /status, /stats and /audit: what the newsroom sees of Warta.

use chrono::Utc;
use teloxide::Bot;
use teloxide::payloads::SendPhotoSetters;
use teloxide::prelude::Requester;
use teloxide::types::{ChatId, InputFile};

use crate::bot::BotState;
use crate::bot::reply::Answer;
use crate::domain::Capacity;
use crate::format::chart::{ChartLabels, render_stats_chart};
use crate::format::stats::{daily_points, day_start, last_days};
use crate::format::{append_picks, render_audit, render_status};
use crate::i18n::{Lang, fill};
use crate::telegram::sending_rate_at;

/// Days the chart covers.
const CHART_DAYS: u32 = 30;
/// Stories /status lists.
const RECENT_STORIES: u32 = 5;
/// Picks of the day /status lists.
const PICKS_LISTED: u32 = 10;
/// Entries /audit lists.
const AUDIT_ENTRIES: u32 = 15;

pub async fn status_command(state: &BotState, lang: Lang) -> anyhow::Result<Answer> {
    let now = Utc::now();
    let report = state.store.status_report(now - chrono::Duration::days(7), RECENT_STORIES).await?;
    let capacity = Capacity {
        subscribers: report.subscribers.active,
        rate_per_second: state.replies.sending_rate(),
        paid_per_second: sending_rate_at(state.newsroom.paid_per_second),
        paid_on: state.newsroom.paid_broadcast,
    };
    let status = render_status(&report, &capacity, state.timezone, lang, now);
    // "Today" as the digests see it (the injected clock).
    let today_now = state.choices.clock.now();
    let today = day_start(today_now.with_timezone(&state.timezone).date_naive(), state.timezone);
    let picks = state.store.picks_since(today, &state.choices.pick_categories, PICKS_LISTED).await?;
    Ok(Answer::new(append_picks(status, &picks, state.timezone, lang), None))
}

pub async fn audit_command(state: &BotState, lang: Lang) -> anyhow::Result<Answer> {
    let entries = state.store.recent_audit(AUDIT_ENTRIES).await?;
    Ok(Answer::new(render_audit(&entries, state.timezone, lang), None))
}

/// Sends the 30-day chart as a photo; returns nothing to add.
pub async fn stats_command(bot: &Bot, state: &BotState, lang: Lang, chat: ChatId) -> anyhow::Result<()> {
    let texts = lang.newsroom();
    let now = Utc::now();
    let zone = state.timezone;
    let days = last_days(now, zone, CHART_DAYS);
    let since = days.first().map_or(now, |day| day_start(*day, zone));
    let story_times = state.store.story_times_since(since).await?;
    let spans = state.store.subscription_spans().await?;
    let points = daily_points(&days, zone, now, &story_times, &spans);
    let labels = ChartLabels {
        title: texts.stats_title.to_owned(),
        posts: texts.stats_posts.to_owned(),
        subscribers: texts.stats_subscribers.to_owned(),
    };
    // Drawing takes a few milliseconds of CPU: off the async threads.
    let png = tokio::task::spawn_blocking(move || render_stats_chart(&points, &labels)).await??;
    let subscribers = state.store.subscriber_counts(now).await?.active;
    let caption = fill(
        texts.stats_caption,
        &[("posts", &story_times.len().to_string()), ("subscribers", &subscribers.to_string()), ("zone", zone.name())],
    );
    bot.send_photo(chat, InputFile::memory(png).file_name("warta-stats.png")).caption(caption).await?;
    Ok(())
}
