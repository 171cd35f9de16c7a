//! Questions the watch puts to the admins, with buttons: the flood guard's
//! held batch (Kirim semua / Lewati; a press decides it once), and a posted
//! story that disappeared from the site (Tarik).
//!
//! They are sent directly (they need buttons, which outbox posts do not
//! carry), by a task that finds unasked ones in the store: one noticed while
//! Telegram was unreachable, or just before a restart, is still asked.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use teloxide::Bot;
use teloxide::payloads::SendMessageSetters;
use teloxide::prelude::Requester;
use teloxide::types::{ChatId, InlineKeyboardButton, InlineKeyboardMarkup};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::editorial::Decision;
use crate::bot::BotState;
use crate::bot::callbacks::Callback;
use crate::i18n::{Lang, fill};
use crate::store::{HeldBatch, HoldDecision, HoldOutcome, Store};

/// How often undecided batches are looked for without a wake-up.
const ANNOUNCE_EVERY: Duration = Duration::from_secs(30);

/// Asks the admins about every held batch not yet announced, until `shutdown`.
pub async fn run_hold_announcer(
    bot: Bot,
    store: Store,
    admins: Vec<i64>,
    held_ready: Arc<Notify>,
    shutdown: CancellationToken,
) {
    loop {
        if let Err(err) = announce_holds(&bot, &store, &admins).await {
            tracing::error!(error = %err, "cannot ask the admins about a held flood");
        }
        if let Err(err) = announce_gone(&bot, &store, &admins).await {
            tracing::error!(error = %err, "cannot tell the admins about a disappeared story");
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = held_ready.notified() => {}
            () = tokio::time::sleep(ANNOUNCE_EVERY) => {}
        }
    }
}

/// Sends each unannounced batch's question to every admin; a batch counts as
/// announced once at least one admin got it. Returns the batches announced.
pub async fn announce_holds(bot: &Bot, store: &Store, admins: &[i64]) -> anyhow::Result<usize> {
    let mut announced = 0;
    for batch in store.unannounced_holds().await? {
        let lang = Lang::Id;
        let text = hold_notice(&batch, lang);
        let mut delivered = 0;
        for admin in admins {
            let sent = bot.send_message(ChatId(*admin), text.clone()).reply_markup(hold_keyboard(batch.id, lang)).await;
            match sent {
                Ok(_) => delivered += 1,
                Err(err) => {
                    tracing::warn!(admin, batch_id = batch.id, error = %err, "cannot ask an admin about a held flood")
                }
            }
        }
        if delivered > 0 || admins.is_empty() {
            if admins.is_empty() {
                tracing::error!(batch_id = batch.id, "a flood is held but no admin is configured to decide it");
            }
            store.mark_hold_announced(batch.id, Utc::now()).await?;
            announced += 1;
        }
    }
    Ok(announced)
}

/// Tells every admin about each disappeared story not yet told, with Tarik;
/// told once at least one admin got it. Returns the stories told.
pub async fn announce_gone(bot: &Bot, store: &Store, admins: &[i64]) -> anyhow::Result<usize> {
    let mut announced = 0;
    for story in store.unannounced_gone().await? {
        let lang = Lang::Id;
        let texts = lang.newsroom();
        let text = fill(
            texts.gone_notice,
            &[
                ("title", &story.title),
                ("link", story.link.as_deref().unwrap_or_default()),
                ("reason", &story.reason),
                ("id", &story.post_id.to_string()),
            ],
        );
        let keyboard = InlineKeyboardMarkup::new(vec![vec![InlineKeyboardButton::callback(
            texts.button_retract,
            Callback::RetractGone { post_id: story.post_id }.encode(),
        )]]);
        let mut delivered = 0;
        for admin in admins {
            match bot.send_message(ChatId(*admin), text.clone()).reply_markup(keyboard.clone()).await {
                Ok(_) => delivered += 1,
                Err(err) => tracing::warn!(admin, post_id = story.post_id, error = %err,
                    "cannot tell an admin about a disappeared story"),
            }
        }
        if delivered > 0 || admins.is_empty() {
            store.mark_gone_announced(story.article_id, Utc::now()).await?;
            announced += 1;
        }
    }
    Ok(announced)
}

fn hold_notice(batch: &HeldBatch, lang: Lang) -> String {
    fill(
        lang.newsroom().hold_notice,
        &[("feed", &batch.feed_name), ("url", &batch.feed_url), ("count", &batch.items.to_string())],
    )
}

fn hold_keyboard(id: i64, lang: Lang) -> InlineKeyboardMarkup {
    let texts = lang.newsroom();
    InlineKeyboardMarkup::new(vec![vec![
        InlineKeyboardButton::callback(texts.button_send_all, Callback::HoldSendAll { id }.encode()),
        InlineKeyboardButton::callback(texts.button_skip, Callback::HoldSkip { id }.encode()),
    ]])
}

/// Kirim semua or Lewati, pressed by an admin (checked by the caller).
pub async fn decide(
    state: &BotState,
    admin: i64,
    lang: Lang,
    id: i64,
    decision: HoldDecision,
) -> anyhow::Result<Decision> {
    let texts = lang.newsroom();
    let now = Utc::now();
    let outcome = state.store.decide_hold(id, decision, admin, now, &state.newsroom.post_style).await?;
    let toast = match outcome {
        HoldOutcome::Decided { decision, stored, posts, deliveries } => {
            if deliveries > 0 {
                state.newsroom.outbox_ready.notify_one();
            }
            let (action, toast) = match decision {
                HoldDecision::SendAll => ("flood-send", fill(texts.hold_sent, &[("posts", &posts.to_string())])),
                HoldDecision::Skip => ("flood-skip", fill(texts.hold_skipped, &[("count", &stored.to_string())])),
            };
            let recipients = i64::try_from(deliveries).unwrap_or(i64::MAX);
            state.store.audit(admin, action, Some(&format!("held {id}")), None, Some(recipients), now).await?;
            tracing::info!(admin, batch_id = id, ?decision, stored, posts, deliveries, "held flood decided");
            toast
        }
        HoldOutcome::AlreadyDecided(HoldDecision::SendAll) => texts.hold_already_sent.to_owned(),
        HoldOutcome::AlreadyDecided(HoldDecision::Skip) => texts.hold_already_skipped.to_owned(),
        HoldOutcome::NotFound => texts.hold_not_found.to_owned(),
    };
    let clear_buttons = !matches!(outcome, HoldOutcome::NotFound);
    Ok(Decision { toast, clear_buttons })
}
