//! /atur (settings) and /ringkasan (digest): how the news reaches a reader —
//! every story, the daily digest at the times they take, or breaking news
//! only — and the quiet night. One message whose buttons edit it in place;
//! every press acts on the presser alone and carries the state it sets, so a
//! replayed press changes nothing new.

use std::sync::Arc;

use chrono::{NaiveTime, Utc};
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};

use super::BotState;
use super::callbacks::Callback;
use super::reply::Answer;
use crate::config::DigestConfig;
use crate::domain::{Clock, DeliveryMode, DigestSchedule, QuietHours, SystemClock, time_of_day_text};
use crate::format::{format_clock, format_day, reader_style, render_text, zone_name};
use crate::i18n::{Lang, fill};
use crate::store::{ReaderChange, ReaderSettings, StoreError};

/// What readers may choose from, and the clock their times follow.
#[derive(Debug, Clone)]
pub struct DeliveryChoices {
    pub schedule: DigestSchedule,
    pub quiet_hours: Option<QuietHours>,
    /// `digest.pick_categories`, for /status's picks of the day.
    pub pick_categories: Vec<String>,
    pub clock: Arc<dyn Clock>,
}

impl Default for DeliveryChoices {
    fn default() -> Self {
        let config = DigestConfig::default();
        let zone = chrono_tz::Asia::Makassar;
        let schedule = DigestSchedule::new(config.times, zone)
            .unwrap_or_else(|| DigestSchedule::new(vec![NaiveTime::MIN], zone).expect("one time"));
        Self {
            schedule,
            quiet_hours: crate::config::ReadersConfig::default().quiet_hours,
            pick_categories: Vec::new(),
            clock: Arc::new(SystemClock),
        }
    }
}

/// The person a press or command is from.
#[derive(Debug, Clone, Copy)]
pub struct Reader<'a> {
    pub id: i64,
    pub language_code: Option<&'a str>,
    pub lang: Lang,
}

fn mode_name(mode: DeliveryMode, lang: Lang) -> &'static str {
    let texts = lang.digest();
    match mode {
        DeliveryMode::Every => texts.mode_every,
        DeliveryMode::Digest => texts.mode_digest,
        DeliveryMode::BreakingOnly => texts.mode_breaking,
    }
}

/// "06:00, 18:00 WITA".
fn times_text(choices: &DeliveryChoices, times: &[NaiveTime]) -> String {
    let zone = zone_name(choices.clock.now(), choices.schedule.zone());
    let list: Vec<String> = times.iter().map(|time| time_of_day_text(*time)).collect();
    format!("{} {zone}", list.join(", "))
}

/// "Senin, 7 Des 2026, 18.00 WITA": the reader's next digest.
fn next_digest(choices: &DeliveryChoices, times: &[NaiveTime], lang: Lang) -> String {
    let zone = choices.schedule.zone();
    match choices.schedule.next(times, choices.clock.now()) {
        Some(slot) => format!("{}, {}", format_day(slot.day, lang), format_clock(slot.at, zone, lang)),
        None => "—".to_owned(),
    }
}

/// The settings message of `reader`.
pub async fn settings(state: &BotState, reader: i64, lang: Lang) -> Result<Answer, StoreError> {
    let texts = lang.digest();
    let choices = &state.choices;
    let current = state.store.reader_settings(reader).await?;
    let times = choices.schedule.reader_times(current.digest_times.as_deref());
    let chosen = state.store.reader_categories(reader).await?;
    let names: Vec<String> =
        state.store.categories().await?.into_iter().filter(|c| chosen.contains(&c.id)).map(|c| c.name).collect();
    let on_off = |on: bool| if on { texts.on } else { texts.off };
    let mut lines = vec![
        if current.subscribed { texts.settings_subscribed } else { texts.settings_not_subscribed }.to_owned(),
        fill(texts.settings_mode, &[("mode", mode_name(current.mode, lang))]),
    ];
    if current.mode == DeliveryMode::Digest {
        lines.push(fill(texts.settings_times, &[("times", &times_text(choices, &times))]));
    }
    lines.push(match choices.quiet_hours {
        Some(hours) => fill(texts.settings_quiet, &[("hours", &hours.text()), ("state", on_off(current.quiet_night))]),
        None => texts.settings_quiet_off_config.to_owned(),
    });
    let categories = if names.is_empty() { texts.settings_all_categories.to_owned() } else { names.join(", ") };
    lines.push(fill(texts.settings_categories, &[("categories", &crate::format::truncate_chars(&categories, 600))]));
    let language = if lang == Lang::En { "English" } else { "Bahasa Indonesia" };
    lines.push(fill(texts.settings_language, &[("language", language)]));
    let text = format!("{}\n\n{}\n\n{}", texts.settings_title, lines.join("\n"), texts.settings_hint);
    Ok(Answer::new(render_text(&text), Some(keyboard(choices, &current, &times, lang))))
}

fn keyboard(
    choices: &DeliveryChoices,
    current: &ReaderSettings,
    times: &[NaiveTime],
    lang: Lang,
) -> InlineKeyboardMarkup {
    let texts = lang.digest();
    let tick = |on: bool, label: &str| if on { format!("✅ {label}") } else { label.to_owned() };
    let button = |label: String, callback: Callback| InlineKeyboardButton::callback(label, callback.encode());
    let chosen_mode = |mode| current.subscribed && current.mode == mode;
    let mut rows = vec![
        vec![
            button(tick(chosen_mode(DeliveryMode::Every), texts.mode_every), Callback::SetMode(DeliveryMode::Every)),
            button(tick(chosen_mode(DeliveryMode::Digest), texts.mode_digest), Callback::SetMode(DeliveryMode::Digest)),
        ],
        vec![button(
            tick(chosen_mode(DeliveryMode::BreakingOnly), texts.mode_breaking),
            Callback::SetMode(DeliveryMode::BreakingOnly),
        )],
    ];
    if current.mode == DeliveryMode::Digest {
        let offered: Vec<InlineKeyboardButton> = choices
            .schedule
            .times()
            .iter()
            .map(|time| {
                let taken = times.contains(time);
                button(
                    tick(taken, &format!("🕕 {}", time_of_day_text(*time))),
                    Callback::SetDigestTime { time: *time, on: !taken },
                )
            })
            .collect();
        rows.extend(offered.chunks(4).map(<[_]>::to_vec));
    }
    if choices.quiet_hours.is_some() {
        let state = if current.quiet_night { texts.on } else { texts.off };
        rows.push(vec![button(
            fill(texts.button_quiet, &[("state", state)]),
            Callback::SetQuietNight(!current.quiet_night),
        )]);
    }
    rows.push(vec![
        button(texts.button_categories.to_owned(), Callback::SettingsCategories),
        button(texts.button_language.to_owned(), Callback::SettingsLanguage),
    ]);
    rows.push(vec![if current.subscribed {
        button(texts.button_unsubscribe.to_owned(), Callback::SetSubscribed(false))
    } else {
        button(texts.button_subscribe.to_owned(), Callback::SetSubscribed(true))
    }]);
    InlineKeyboardMarkup::new(rows)
}

/// A settings button: the toast and the settings as they now are.
pub async fn press(state: &BotState, reader: Reader<'_>, press: Callback) -> Result<(String, Answer), StoreError> {
    let texts = reader.lang.digest();
    let store = &state.store;
    let now = Utc::now();
    let style = reader_style(reader.lang);
    let change = |change| store.change_reader_setting(reader.id, change, reader.language_code, style, now);
    let toast = match press {
        Callback::SetMode(mode) => {
            change(ReaderChange::Mode(mode)).await?;
            tracing::info!(reader = reader.id, mode = mode.as_str(), "reader chose how news reaches them");
            fill(texts.toast_mode, &[("mode", mode_name(mode, reader.lang))])
        }
        Callback::SetDigestTime { time, on } => {
            let choices = &state.choices;
            let current = store.reader_settings(reader.id).await?;
            let mut times = choices.schedule.reader_times(current.digest_times.as_deref());
            if !choices.schedule.times().contains(&time) {
                return Ok((texts.toast_time_unknown.to_owned(), settings(state, reader.id, reader.lang).await?));
            }
            if on && !times.contains(&time) {
                times.push(time);
                times.sort_unstable();
            } else if !on {
                if times == [time] {
                    return Ok((texts.toast_time_needed.to_owned(), settings(state, reader.id, reader.lang).await?));
                }
                times.retain(|taken| *taken != time);
            }
            change(ReaderChange::DigestTimes(&DigestSchedule::stored_times(&times))).await?;
            texts.toast_saved.to_owned()
        }
        Callback::SetQuietNight(on) => {
            change(ReaderChange::QuietNight(on)).await?;
            texts.toast_saved.to_owned()
        }
        Callback::SetSubscribed(on) => {
            if on {
                store.subscribe(reader.id, reader.language_code, style, now).await?;
            } else {
                store.unsubscribe(reader.id, now).await?;
            }
            let words = reader.lang.texts();
            (if on { words.subscribed } else { words.unsubscribed }).to_owned()
        }
        _ => String::new(),
    };
    Ok((toast, settings(state, reader.id, reader.lang).await?))
}

/// /ringkasan: the digest in one step (subscribing if needed), and when the next one comes.
pub async fn digest_command(state: &BotState, reader: Reader<'_>) -> Result<Answer, StoreError> {
    let texts = reader.lang.digest();
    let before = state.store.reader_settings(reader.id).await?;
    let already = before.subscribed && before.mode == DeliveryMode::Digest;
    if !already {
        let style = reader_style(reader.lang);
        let mode = ReaderChange::Mode(DeliveryMode::Digest);
        state.store.change_reader_setting(reader.id, mode, reader.language_code, style, Utc::now()).await?;
        tracing::info!(reader = reader.id, "reader switched to the digest");
    }
    let times = state.choices.schedule.reader_times(before.digest_times.as_deref());
    let values =
        [("times", times_text(&state.choices, &times)), ("next", next_digest(&state.choices, &times, reader.lang))];
    let values: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let text = fill(if already { texts.digest_already } else { texts.digest_on }, &values);
    let keyboard = InlineKeyboardMarkup::new([[InlineKeyboardButton::callback(
        texts.button_settings,
        Callback::ShowSettings.encode(),
    )]]);
    Ok(Answer::text(&text).with_keyboard(keyboard))
}
