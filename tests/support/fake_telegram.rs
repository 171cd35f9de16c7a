//! A fake Telegram Bot API on 127.0.0.1, as strict as the real one where Warta
//! could get it wrong.
//!
//! It speaks the wire format teloxide uses (`POST /bot<token>/<Method>`, method
//! names case-insensitive, JSON, form or multipart bodies), answers with
//! real-shaped objects, feeds queued user updates to long-polling getUpdates
//! with offsets, records every call, and refuses what Telegram refuses: HTML
//! outside the supported subset, over-long texts and captions, empty texts,
//! unknown chats, invalid buttons. Tests can script failures: 429 with
//! retry_after, 403 blocked, 400 with migrate_to_chat_id, 5xx, any error text.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Map, Value, json};
use tokio::sync::watch;

use super::telegram_html;

pub const BOT_ID: i64 = 7_000_000_001;
pub const BOT_USERNAME: &str = "warta_test_bot";

/// A chat the fake knows.
#[derive(Debug, Clone)]
pub struct FakeChat {
    pub id: i64,
    /// "private", "group", "supergroup" or "channel".
    pub kind: &'static str,
    pub username: Option<String>,
    pub title: Option<String>,
    pub first_name: Option<String>,
    /// A private chat whose user blocked the bot.
    pub blocked: bool,
    /// A forum supergroup's topics (message_thread_id, closed?); `None`: not a forum.
    pub topics: Option<Vec<(i64, bool)>>,
}

/// A message the bot sent (or edited), as Telegram stored it.
#[derive(Debug, Clone)]
pub struct SentMessage {
    pub chat_id: i64,
    pub message_id: i64,
    /// Plain text (or caption) after entity parsing.
    pub text: String,
    /// The text as the bot sent it (HTML source when parse_mode was HTML).
    pub source: String,
    pub parse_mode: Option<String>,
    pub entities: Vec<telegram_html::Entity>,
    pub reply_markup: Option<Value>,
    pub reply_to: Option<i64>,
    /// The forum topic it was posted in.
    pub thread: Option<i64>,
    /// "text" or "photo".
    pub kind: &'static str,
    pub photo: Option<String>,
    pub params: Map<String, Value>,
    pub deleted: bool,
    pub edits: u32,
    /// Pinned in its chat (pinChatMessage), until unpinned.
    pub pinned: bool,
}

impl SentMessage {
    /// URLs of inline URL buttons.
    pub fn button_urls(&self) -> Vec<String> {
        buttons(&self.reply_markup).filter_map(|b| b.get("url").and_then(Value::as_str).map(str::to_owned)).collect()
    }

    pub fn button_texts(&self) -> Vec<String> {
        buttons(&self.reply_markup).filter_map(|b| b.get("text").and_then(Value::as_str).map(str::to_owned)).collect()
    }

    /// The data of its callback buttons, in order.
    pub fn callback_data(&self) -> Vec<String> {
        buttons(&self.reply_markup)
            .filter_map(|b| b.get("callback_data").and_then(Value::as_str).map(str::to_owned))
            .collect()
    }

    /// The data of the callback button whose label starts with `label`.
    pub fn button_data(&self, label: &str) -> Option<String> {
        buttons(&self.reply_markup)
            .find(|b| b.get("text").and_then(Value::as_str).is_some_and(|t| t.starts_with(label)))
            .and_then(|b| b.get("callback_data").and_then(Value::as_str).map(str::to_owned))
    }

    /// URLs of `text_link` entities.
    pub fn links(&self) -> Vec<String> {
        self.entities.iter().filter_map(|e| e.url.clone()).collect()
    }
}

fn buttons(markup: &Option<Value>) -> impl Iterator<Item = &Value> {
    markup
        .iter()
        .filter_map(|m| m.get("inline_keyboard").and_then(Value::as_array))
        .flatten()
        .filter_map(Value::as_array)
        .flatten()
}

/// One recorded API call.
#[derive(Debug, Clone)]
pub struct Call {
    /// Lower-case method name.
    pub method: String,
    pub params: Map<String, Value>,
    pub at: Instant,
    /// `None` if the call succeeded, else Telegram's description.
    pub error: Option<String>,
    /// Which instance made the call, for bots given `api_url_for(instance)`.
    pub via: Option<String>,
}

impl Call {
    pub fn chat_id(&self) -> Option<Value> {
        self.params.get("chat_id").cloned()
    }
}

/// A scripted failure.
#[derive(Debug, Clone)]
pub enum Failure {
    /// 429 Too Many Requests with parameters.retry_after.
    TooManyRequests { retry_after: u64 },
    /// 403 bot was blocked by the user.
    Blocked,
    /// 400 chat not found.
    ChatNotFound,
    /// 400 with parameters.migrate_to_chat_id.
    Migrated { to: i64 },
    /// 500 Internal Server Error.
    ServerError,
    /// Any status and description.
    Custom { status: u16, description: String },
}

#[derive(Debug)]
struct Script {
    method: String,
    chat: Option<Value>,
    failure: Failure,
    remaining: usize,
}

/// Telegram's published flood limits, enforced with 429s when set.
#[derive(Debug, Clone, Copy)]
pub struct FloodLimits {
    /// Messages per second overall, for a message sent without
    /// `allow_paid_broadcast`.
    pub overall_per_second: usize,
    /// Messages per second overall, for one sent with `allow_paid_broadcast`
    /// (every message in the last second counts, flagged or not).
    pub paid_per_second: usize,
    /// Messages to one private chat in any second (Telegram tolerates short bursts).
    pub private_per_second: usize,
    /// Messages to one group in any minute.
    pub group_per_minute: usize,
}

impl Default for FloodLimits {
    fn default() -> Self {
        Self { overall_per_second: 30, paid_per_second: 1000, private_per_second: 3, group_per_minute: 20 }
    }
}

#[derive(Debug, Default)]
struct Flood {
    limits: Option<FloodLimits>,
    /// Until then every send is refused with 429 and this retry_after (a flood-control storm).
    storm: Option<(Instant, u64)>,
    overall: std::collections::VecDeque<Instant>,
    per_chat: HashMap<i64, std::collections::VecDeque<Instant>>,
    refused: usize,
}

#[derive(Debug, Default)]
struct Inner {
    flood: Flood,
    chats: HashMap<i64, FakeChat>,
    /// Any positive id is a private chat that pressed Start (load tests).
    any_private_chat: bool,
    /// Keep every call and message (off for load tests: counts only).
    lean: bool,
    sent_per_chat: HashMap<i64, usize>,
    messages: Vec<SentMessage>,
    next_message_id: HashMap<i64, i64>,
    calls: Vec<Call>,
    updates: Vec<Value>,
    next_update_id: i64,
    next_incoming_message_id: i64,
    scripts: Vec<Script>,
    commands: Vec<(Value, Option<String>, Vec<Value>)>,
    webhook_url: String,
    webhook_secret: Option<String>,
    poll_generation: u64,
    /// Callback queries sent to the bot, and the answers it gave (None: not yet).
    callback_answers: HashMap<String, Option<CallbackAnswer>>,
    /// file_ids of photos users sent: the only ones sendPhoto accepts besides URLs and uploads.
    known_files: std::collections::HashSet<String>,
    /// Chats where deleteMessage is refused (no right, or messages older than 48 h).
    undeletable: std::collections::HashSet<i64>,
    /// How long sends wait before their answer (the message is already there):
    /// a slow Telegram, or a network that delays the reply.
    answer_delay: Option<Duration>,
    /// Latency probe: when the latest update of each chat was queued, and
    /// the time from there to the bot's first answer in that chat.
    probe: Option<Probe>,
}

#[derive(Debug, Default)]
struct Probe {
    waiting: HashMap<i64, Instant>,
    latencies: Vec<Duration>,
}

/// How the bot answered a button press.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackAnswer {
    pub text: Option<String>,
    pub show_alert: bool,
}

/// Telegram's user for anonymous group admins.
pub const ANONYMOUS_ADMIN_ID: i64 = 1_087_968_824;

#[derive(Clone)]
struct Shared {
    token: String,
    inner: Arc<Mutex<Inner>>,
    changed: Arc<watch::Sender<u64>>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn bump(&self) {
        self.changed.send_modify(|v| *v += 1);
    }
}

/// The fake Bot API server. Dropping it stops the server.
pub struct FakeTelegram {
    shared: Shared,
    base_url: String,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for FakeTelegram {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl FakeTelegram {
    pub async fn start(token: &str) -> Self {
        let (changed, _) = watch::channel(0);
        let shared = Shared {
            token: token.to_owned(),
            inner: Arc::new(Mutex::new(Inner { next_update_id: 1, next_incoming_message_id: 1, ..Inner::default() })),
            changed: Arc::new(changed),
        };
        let app = Router::new()
            .route("/{token}/{method}", post(handle))
            .route("/via/{instance}/{token}/{method}", post(handle_via))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind fake Telegram");
        let addr = listener.local_addr().expect("local addr");
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { shared, base_url: format!("http://{addr}"), server }
    }

    pub fn api_url(&self) -> &str {
        &self.base_url
    }

    /// The API as seen by `instance`: its calls carry [`Call::via`].
    pub fn api_url_for(&self, instance: &str) -> String {
        format!("{}/via/{instance}", self.base_url.trim_end_matches('/'))
    }

    pub fn add_chat(&self, chat: FakeChat) {
        self.shared.lock().chats.insert(chat.id, chat);
        self.shared.bump();
    }

    pub fn add_channel(&self, username: &str, id: i64) {
        self.add_chat(FakeChat {
            id,
            kind: "channel",
            username: Some(username.trim_start_matches('@').to_owned()),
            title: Some("Kaltimtoday.co News Update".to_owned()),
            first_name: None,
            blocked: false,
            topics: None,
        });
    }

    pub fn add_group(&self, id: i64, title: &str) {
        self.add_chat(FakeChat {
            id,
            kind: "supergroup",
            username: None,
            title: Some(title.to_owned()),
            first_name: None,
            blocked: false,
            topics: None,
        });
    }

    /// A forum supergroup with these open topics.
    pub fn add_forum(&self, id: i64, title: &str, topics: &[i64]) {
        self.add_chat(FakeChat {
            id,
            kind: "supergroup",
            username: None,
            title: Some(title.to_owned()),
            first_name: None,
            blocked: false,
            topics: Some(topics.iter().map(|t| (*t, false)).collect()),
        });
    }

    /// Closes (or deletes, with `delete`) a forum topic.
    pub fn close_topic(&self, chat_id: i64, topic: i64, delete: bool) {
        let mut inner = self.shared.lock();
        if let Some(topics) = inner.chats.get_mut(&chat_id).and_then(|c| c.topics.as_mut()) {
            if delete {
                topics.retain(|(t, _)| *t != topic);
            } else {
                for entry in topics.iter_mut().filter(|(t, _)| *t == topic) {
                    entry.1 = true;
                }
            }
        }
    }

    /// A private chat with a user who pressed Start.
    pub fn add_private_chat(&self, user_id: i64, first_name: &str) {
        self.add_chat(FakeChat {
            id: user_id,
            kind: "private",
            username: None,
            title: None,
            first_name: Some(first_name.to_owned()),
            blocked: false,
            topics: None,
        });
    }

    /// The user blocks the bot (or unblocks it).
    pub fn set_blocked(&self, user_id: i64, blocked: bool) {
        let mut inner = self.shared.lock();
        if let Some(chat) = inner.chats.get_mut(&user_id) {
            chat.blocked = blocked;
        }
    }

    /// Removes a chat, as when the bot is kicked or the chat deleted.
    pub fn remove_chat(&self, id: i64) {
        self.shared.lock().chats.remove(&id);
    }

    /// Queues a text message from a user in a chat (a private chat is created
    /// on first use, as when the user presses Start). Returns the update id.
    pub fn user_sends(&self, user: &FakeUser, chat_id: i64, text: &str) -> i64 {
        self.queue_message(user, chat_id, "message", |message| {
            message["text"] = json!(text);
            if text.starts_with('/') {
                let command_len = text.split_whitespace().next().map_or(0, telegram_html::utf16_len);
                message["entities"] = json!([{ "type": "bot_command", "offset": 0, "length": command_len }]);
            }
        })
    }

    /// A text message in a forum topic.
    pub fn user_sends_in_topic(&self, user: &FakeUser, chat_id: i64, topic: i64, text: &str) -> i64 {
        self.queue_message(user, chat_id, "message", |message| {
            message["text"] = json!(text);
            message["message_thread_id"] = json!(topic);
            message["is_topic_message"] = json!(true);
            if text.starts_with('/') {
                let command_len = text.split_whitespace().next().map_or(0, telegram_html::utf16_len);
                message["entities"] = json!([{ "type": "bot_command", "offset": 0, "length": command_len }]);
            }
        })
    }

    /// A sticker from a user.
    pub fn user_sends_sticker(&self, user: &FakeUser, chat_id: i64) -> i64 {
        self.queue_message(user, chat_id, "message", |message| {
            message["sticker"] = json!({
                "file_id": "CAACAgIAAxkBAAI", "file_unique_id": "AgAD", "type": "regular",
                "width": 512, "height": 512, "is_animated": false, "is_video": false
            });
        })
    }

    /// A photo from a user, with an optional caption; returns the photo's file_id.
    pub fn user_sends_photo(&self, user: &FakeUser, chat_id: i64, caption: Option<&str>) -> String {
        let file_id = {
            let mut inner = self.shared.lock();
            let file_id = format!("AgACAgUAAxkBAAIC{}", inner.known_files.len() + 1);
            inner.known_files.insert(file_id.clone());
            file_id
        };
        self.queue_message(user, chat_id, "message", |message| {
            message["photo"] = json!([
                { "file_id": format!("{file_id}s"), "file_unique_id": "AQADs", "width": 90, "height": 60 },
                { "file_id": file_id, "file_unique_id": "AQADm", "width": 1280, "height": 853 },
            ]);
            if let Some(caption) = caption {
                message["caption"] = json!(caption);
            }
        });
        file_id
    }

    /// deleteMessage in this chat answers "message can't be deleted for everyone".
    pub fn refuse_deletes(&self, chat_id: i64) {
        self.shared.lock().undeletable.insert(chat_id);
    }

    /// A user edits an earlier message (an `edited_message` update).
    pub fn user_edits(&self, user: &FakeUser, chat_id: i64, text: &str) -> i64 {
        self.queue_message(user, chat_id, "edited_message", |message| {
            message["text"] = json!(text);
            message["edit_date"] = json!(unix_now());
        })
    }

    /// An anonymous admin of a group sends a text (from GroupAnonymousBot, on behalf of the group).
    pub fn anonymous_admin_sends(&self, chat_id: i64, text: &str) -> i64 {
        let anonymous = FakeUser {
            id: ANONYMOUS_ADMIN_ID,
            first_name: "Group".into(),
            username: Some("GroupAnonymousBot".into()),
            language_code: None,
            is_bot: true,
        };
        let group = self.shared.lock().chats.get(&chat_id).cloned().expect("anonymous_admin_sends: unknown chat");
        self.queue_message(&anonymous, chat_id, "message", |message| {
            message["text"] = json!(text);
            message["sender_chat"] = chat_json(&group);
            let command_len = text.split_whitespace().next().map_or(0, telegram_html::utf16_len);
            if text.starts_with('/') {
                message["entities"] = json!([{ "type": "bot_command", "offset": 0, "length": command_len }]);
            }
        })
    }

    /// A channel post the bot sees (it is an admin of the channel).
    pub fn channel_posts(&self, chat_id: i64, text: &str) -> i64 {
        let mut inner = self.shared.lock();
        let chat = inner.chats.get(&chat_id).cloned().expect("channel_posts: unknown chat");
        let update_id = inner.next_update_id;
        inner.next_update_id += 1;
        let message_id = inner.next_incoming_message_id;
        inner.next_incoming_message_id += 1;
        let post = json!({
            "message_id": message_id, "date": unix_now(), "chat": chat_json(&chat),
            "sender_chat": chat_json(&chat), "text": text,
        });
        inner.updates.push(json!({ "update_id": update_id, "channel_post": post }));
        drop(inner);
        self.shared.bump();
        update_id
    }

    fn queue_message(&self, user: &FakeUser, chat_id: i64, kind: &str, fill: impl FnOnce(&mut Value)) -> i64 {
        let mut inner = self.shared.lock();
        if chat_id == user.id && !inner.chats.contains_key(&chat_id) {
            inner.chats.insert(
                chat_id,
                FakeChat {
                    id: user.id,
                    kind: "private",
                    username: user.username.clone(),
                    title: None,
                    first_name: Some(user.first_name.clone()),
                    blocked: false,
                    topics: None,
                },
            );
        }
        let chat = inner.chats.get(&chat_id).cloned().expect("user_sends: unknown chat");
        let update_id = inner.next_update_id;
        inner.next_update_id += 1;
        let message_id = inner.next_incoming_message_id;
        inner.next_incoming_message_id += 1;
        let mut message = json!({
            "message_id": message_id,
            "date": unix_now(),
            "chat": chat_json(&chat),
            "from": user.to_json(),
        });
        fill(&mut message);
        inner.updates.push(json!({ "update_id": update_id, kind: message }));
        if let Some(probe) = inner.probe.as_mut() {
            probe.waiting.insert(chat_id, Instant::now());
        }
        drop(inner);
        self.shared.bump();
        update_id
    }

    /// Starts measuring, per chat, the time from a queued update to the bot's answer.
    pub fn start_latency_probe(&self) {
        self.shared.lock().probe = Some(Probe::default());
    }

    /// How many latencies were measured (and not yet taken).
    pub fn latency_count(&self) -> usize {
        self.shared.lock().probe.as_ref().map_or(0, |p| p.latencies.len())
    }

    /// The measured latencies so far (and clears them).
    pub fn take_latencies(&self) -> Vec<Duration> {
        self.shared.lock().probe.as_mut().map(|p| std::mem::take(&mut p.latencies)).unwrap_or_default()
    }

    /// How the bot answered the button press of `update_id` (None: not answered).
    pub fn callback_answer(&self, update_id: i64) -> Option<CallbackAnswer> {
        self.shared.lock().callback_answers.get(&format!("cb{update_id}")).cloned().flatten()
    }

    /// Button presses the bot never answered.
    pub fn unanswered_callbacks(&self) -> usize {
        self.shared.lock().callback_answers.values().filter(|a| a.is_none()).count()
    }

    /// Every answer but getUpdates comes `delay` after the call took effect.
    pub fn set_answer_delay(&self, delay: Option<Duration>) {
        self.shared.lock().answer_delay = delay;
    }

    /// Makes the next `times` calls of `method` (to `chat`, if given) fail.
    pub fn fail_next(&self, method: &str, chat: Option<Value>, failure: Failure, times: usize) {
        self.shared.lock().scripts.push(Script {
            method: method.to_ascii_lowercase(),
            chat,
            failure,
            remaining: times,
        });
    }

    pub fn calls(&self) -> Vec<Call> {
        self.shared.lock().calls.clone()
    }

    pub fn calls_to(&self, method: &str) -> Vec<Call> {
        let method = method.to_ascii_lowercase();
        self.calls().into_iter().filter(|c| c.method == method).collect()
    }

    /// Messages currently in a chat (deleted ones excluded), oldest first.
    /// The webhook the bot set: its URL ("" when none) and secret token.
    pub fn webhook(&self) -> (String, Option<String>) {
        let inner = self.shared.lock();
        (inner.webhook_url.clone(), inner.webhook_secret.clone())
    }

    /// Every message the bot sent, in the order Telegram received them.
    pub fn all_messages(&self) -> Vec<SentMessage> {
        self.shared.lock().messages.clone()
    }

    /// The messages after the first `start` (for load tests that keep up
    /// with the count without copying everything each time).
    pub fn messages_from(&self, start: usize) -> Vec<SentMessage> {
        let inner = self.shared.lock();
        inner.messages.get(start..).map(<[SentMessage]>::to_vec).unwrap_or_default()
    }

    pub fn messages_in(&self, chat_id: i64) -> Vec<SentMessage> {
        self.shared.lock().messages.iter().filter(|m| m.chat_id == chat_id && !m.deleted).cloned().collect()
    }

    /// Load-test mode: any positive chat id is a private chat, and only
    /// counts are kept (no call log, no message bodies).
    pub fn lean_load_mode(&self) {
        let mut inner = self.shared.lock();
        inner.any_private_chat = true;
        inner.lean = true;
    }

    /// Messages sent to each chat (kept in lean mode too).
    pub fn sent_per_chat(&self) -> HashMap<i64, usize> {
        self.shared.lock().sent_per_chat.clone()
    }

    /// Enforces Telegram's flood limits on sends from now on (429 with retry_after).
    pub fn enforce_limits(&self, limits: FloodLimits) {
        self.shared.lock().flood.limits = Some(limits);
    }

    /// Refuses every send with 429 (`retry_after` seconds) for `duration`: a
    /// flood-control storm, whatever the rate.
    pub fn flood_storm(&self, duration: Duration, retry_after: u64) {
        self.shared.lock().flood.storm = Some((Instant::now() + duration, retry_after));
    }

    /// Sends refused with 429 by the enforced limits.
    pub fn flood_refusals(&self) -> usize {
        self.shared.lock().flood.refused
    }

    /// Queues a press on an inline button of `message_id` in `chat_id`.
    pub fn user_presses(&self, user: &FakeUser, chat_id: i64, message_id: i64, data: &str) -> i64 {
        let mut inner = self.shared.lock();
        let chat = inner.chats.get(&chat_id).cloned().expect("user_presses: unknown chat");
        let message = inner.messages.iter().find(|m| m.chat_id == chat_id && m.message_id == message_id).cloned();
        let update_id = inner.next_update_id;
        inner.next_update_id += 1;
        let mut query = json!({
            "id": format!("cb{update_id}"),
            "from": user.to_json(),
            "chat_instance": format!("ci{chat_id}"),
            "data": data,
        });
        if let Some(message) = message {
            query["message"] = message_json(&chat, &message);
        }
        inner.callback_answers.insert(format!("cb{update_id}"), None);
        inner.updates.push(json!({ "update_id": update_id, "callback_query": query }));
        if let Some(probe) = inner.probe.as_mut() {
            probe.waiting.insert(chat_id, Instant::now());
        }
        drop(inner);
        self.shared.bump();
        update_id
    }

    /// Updates not yet confirmed by getUpdates offsets.
    pub fn pending_updates(&self) -> usize {
        self.shared.lock().updates.len()
    }

    /// Commands registered with setMyCommands: (scope, language_code, commands).
    pub fn registered_commands(&self) -> Vec<(Value, Option<String>, Vec<Value>)> {
        self.shared.lock().commands.clone()
    }

    /// Waits until `condition` holds, re-checking on every change; panics after `within`.
    pub async fn wait_until(&self, what: &str, within: Duration, condition: impl Fn(&Self) -> bool) {
        let mut changes = self.shared.changed.subscribe();
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if condition(self) {
                return;
            }
            match tokio::time::timeout_at(deadline, changes.changed()).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) => panic!("fake Telegram stopped while waiting for {what}"),
                Err(_) => {
                    if condition(self) {
                        return;
                    }
                    panic!("timed out after {within:?} waiting for {what}; calls: {:#?}", self.call_summary());
                }
            }
        }
    }

    /// Waits until `chat_id` holds at least `count` messages; returns them.
    pub async fn wait_for_messages(&self, chat_id: i64, count: usize) -> Vec<SentMessage> {
        self.wait_until(&format!("{count} message(s) in chat {chat_id}"), Duration::from_secs(30), |fake| {
            fake.messages_in(chat_id).len() >= count
        })
        .await;
        self.messages_in(chat_id)
    }

    fn call_summary(&self) -> Vec<String> {
        self.calls()
            .iter()
            .filter(|c| c.method != "getupdates")
            .map(|c| format!("{} {:?} -> {:?}", c.method, c.chat_id(), c.error))
            .collect()
    }
}

/// A Telegram user who talks to the bot.
#[derive(Debug, Clone)]
pub struct FakeUser {
    pub id: i64,
    pub first_name: String,
    pub username: Option<String>,
    pub language_code: Option<String>,
    pub is_bot: bool,
}

impl FakeUser {
    pub fn new(id: i64, first_name: &str, language_code: Option<&str>) -> Self {
        Self {
            id,
            first_name: first_name.to_owned(),
            username: None,
            language_code: language_code.map(str::to_owned),
            is_bot: false,
        }
    }

    /// Another bot in a group.
    pub fn bot(id: i64, username: &str) -> Self {
        Self {
            id,
            first_name: username.to_owned(),
            username: Some(username.to_owned()),
            language_code: None,
            is_bot: true,
        }
    }

    fn to_json(&self) -> Value {
        let mut user = json!({ "id": self.id, "is_bot": self.is_bot, "first_name": self.first_name });
        if let Some(username) = &self.username {
            user["username"] = json!(username);
        }
        if let Some(code) = &self.language_code {
            user["language_code"] = json!(code);
        }
        user
    }
}

fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

fn chat_json(chat: &FakeChat) -> Value {
    let mut value = json!({ "id": chat.id, "type": chat.kind });
    if chat.topics.is_some() {
        value["is_forum"] = json!(true);
    }
    if let Some(title) = &chat.title {
        value["title"] = json!(title);
    }
    if let Some(username) = &chat.username {
        value["username"] = json!(username);
    }
    if let Some(first_name) = &chat.first_name {
        value["first_name"] = json!(first_name);
    }
    value
}

fn bot_user() -> Value {
    json!({ "id": BOT_ID, "is_bot": true, "first_name": "Warta", "username": BOT_USERNAME })
}

/// An error answer in Telegram's shape.
struct ApiError {
    status: u16,
    description: String,
    parameters: Option<Value>,
}

impl ApiError {
    fn bad_request(description: impl Into<String>) -> Self {
        Self { status: 400, description: format!("Bad Request: {}", description.into()), parameters: None }
    }

    fn from_failure(failure: &Failure) -> Self {
        match failure {
            Failure::TooManyRequests { retry_after } => Self {
                status: 429,
                description: format!("Too Many Requests: retry after {retry_after}"),
                parameters: Some(json!({ "retry_after": retry_after })),
            },
            Failure::Blocked => {
                Self { status: 403, description: "Forbidden: bot was blocked by the user".into(), parameters: None }
            }
            Failure::ChatNotFound => Self::bad_request("chat not found"),
            Failure::Migrated { to } => Self {
                status: 400,
                description: "Bad Request: group chat was upgraded to a supergroup chat".into(),
                parameters: Some(json!({ "migrate_to_chat_id": to })),
            },
            Failure::ServerError => Self { status: 500, description: "Internal Server Error".into(), parameters: None },
            Failure::Custom { status, description } => {
                Self { status: *status, description: description.clone(), parameters: None }
            }
        }
    }

    fn into_response(self) -> Response {
        let mut body = json!({ "ok": false, "error_code": self.status, "description": self.description });
        if let Some(parameters) = self.parameters {
            body["parameters"] = parameters;
        }
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_REQUEST);
        (status, [(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
    }
}

type ApiResult = Result<Value, ApiError>;

async fn handle(
    State(shared): State<Shared>,
    Path((token, method)): Path<(String, String)>,
    request: Request,
) -> Response {
    answer(shared, None, token, method, request).await
}

/// The same API at `/via/<instance>/`: calls are marked with the instance, so a
/// test with several Warta processes can tell which one sent what.
async fn handle_via(
    State(shared): State<Shared>,
    Path((instance, token, method)): Path<(String, String, String)>,
    request: Request,
) -> Response {
    answer(shared, Some(instance), token, method, request).await
}

async fn answer(shared: Shared, via: Option<String>, token: String, method: String, request: Request) -> Response {
    if token.strip_prefix("bot") != Some(shared.token.as_str()) {
        return ApiError { status: 401, description: "Unauthorized".into(), parameters: None }.into_response();
    }
    let method = method.to_ascii_lowercase();
    let params = match read_params(request).await {
        Ok(params) => params,
        Err(err) => return ApiError::bad_request(err).into_response(),
    };
    let result = match method.as_str() {
        "getupdates" => get_updates(&shared, &params).await,
        _ => {
            let scripted = take_script(&shared, &method, &params);
            match scripted {
                Some(failure) => Err(ApiError::from_failure(&failure)),
                None => match flood_check(&shared, &method, &params) {
                    Some(retry_after) => Err(ApiError::from_failure(&Failure::TooManyRequests { retry_after })),
                    None => dispatch(&shared, &method, &params),
                },
            }
        }
    };
    let error = result.as_ref().err().map(|e| e.description.clone());
    let delay = {
        let mut inner = shared.lock();
        if !inner.lean || method == "getupdates" {
            inner.calls.push(Call { method: method.clone(), params, at: Instant::now(), error, via });
        }
        inner.answer_delay.filter(|_| method != "getupdates")
    };
    shared.bump();
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    match result {
        Ok(value) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            json!({ "ok": true, "result": value }).to_string(),
        )
            .into_response(),
        Err(err) => err.into_response(),
    }
}

/// Reads parameters from a JSON, urlencoded or multipart body (and the query).
async fn read_params(request: Request) -> Result<Map<String, Value>, String> {
    let content_type =
        request.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let mut params = Map::new();
    if let Some(query) = request.uri().query() {
        for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
            params.insert(key.into_owned(), coerce(&value));
        }
    }
    if content_type.starts_with("multipart/form-data") {
        let mut multipart = Multipart::from_request(request, &()).await.map_err(|e| e.to_string())?;
        while let Some(field) = multipart.next_field().await.map_err(|e| e.to_string())? {
            let name = field.name().unwrap_or_default().to_owned();
            let file_name = field.file_name().map(str::to_owned);
            let data = field.bytes().await.map_err(|e| e.to_string())?;
            match file_name {
                Some(file_name) => {
                    // Small files keep their bytes, so tests can check what was uploaded.
                    let hex = (data.len() <= 1 << 20).then(|| hex::encode(&data));
                    params.insert(name, json!({ "uploaded_file": file_name, "size": data.len(), "hex": hex }));
                }
                None => {
                    let text = String::from_utf8_lossy(&data).into_owned();
                    params.insert(name, coerce(&text));
                }
            }
        }
        return Ok(params);
    }
    let headers: HeaderMap = request.headers().clone();
    let body: Bytes = axum::body::to_bytes(request.into_body(), 64 * 1024 * 1024).await.map_err(|e| e.to_string())?;
    if body.is_empty() {
        return Ok(params);
    }
    if content_type.starts_with("application/json") {
        let value: Value = serde_json::from_slice(&body).map_err(|e| format!("invalid JSON body: {e}"))?;
        let Value::Object(object) = value else { return Err("JSON body must be an object".into()) };
        params.extend(object);
    } else if content_type.starts_with("application/x-www-form-urlencoded") {
        for (key, value) in url::form_urlencoded::parse(&body) {
            params.insert(key.into_owned(), coerce(&value));
        }
    } else {
        return Err(format!("unsupported content type {:?}", headers.get(header::CONTENT_TYPE)));
    }
    Ok(params)
}

/// Form and multipart fields are text; JSON-valued ones (reply_markup, …) are parsed.
fn coerce(text: &str) -> Value {
    let trimmed = text.trim();
    if (trimmed.starts_with('{') || trimmed.starts_with('['))
        && let Ok(value) = serde_json::from_str(trimmed)
    {
        return value;
    }
    Value::String(text.to_owned())
}

/// Counts a send against the enforced limits; `Some(retry_after)` if over.
/// Edits, deletes and pins count as well: Telegram limits what a bot does to
/// messages, not only new ones.
fn flood_check(shared: &Shared, method: &str, params: &Map<String, Value>) -> Option<u64> {
    if !matches!(
        method,
        "sendmessage"
            | "sendphoto"
            | "editmessagetext"
            | "editmessagecaption"
            | "editmessagereplymarkup"
            | "deletemessage"
            | "pinchatmessage"
            | "unpinchatmessage"
    ) {
        return None;
    }
    let chat = find_chat(shared, params).ok()?;
    let mut inner = shared.lock();
    let now = Instant::now();
    if let Some((until, retry_after)) = inner.flood.storm {
        if now < until {
            inner.flood.refused += 1;
            return Some(retry_after);
        }
        inner.flood.storm = None;
    }
    let limits = inner.flood.limits?;
    let second = Duration::from_secs(1);
    let (window, per_chat) = match chat.kind {
        "private" => (second, limits.private_per_second),
        "group" | "supergroup" => (Duration::from_secs(60), limits.group_per_minute),
        _ => (Duration::from_secs(60), usize::MAX),
    };
    let flood = &mut inner.flood;
    flood.overall.retain(|t| now.duration_since(*t) < second);
    let chat_sends = flood.per_chat.entry(chat.id).or_default();
    chat_sends.retain(|t| now.duration_since(*t) < window);
    let over_chat = chat_sends.len() >= per_chat;
    // Paid broadcast lifts the overall limit for the message that asks for it
    // only: a reply sent without the flag during a paid fan-out is refused.
    // Edits, deletes and pins have no such flag; they are held to the higher limit.
    let flagged = params.get("allow_paid_broadcast").is_some_and(|v| v == &Value::Bool(true) || v == "true");
    let paid = flagged || !matches!(method, "sendmessage" | "sendphoto");
    let overall_limit =
        if paid { limits.paid_per_second.max(limits.overall_per_second) } else { limits.overall_per_second };
    let over_all = flood.overall.len() >= overall_limit;
    if over_chat || over_all {
        flood.refused += 1;
        let wait = if over_chat {
            chat_sends.front().map_or(window, |t| window.saturating_sub(now.duration_since(*t)))
        } else {
            second
        };
        return Some(wait.as_secs().max(1));
    }
    chat_sends.push_back(now);
    flood.overall.push_back(now);
    None
}

fn take_script(shared: &Shared, method: &str, params: &Map<String, Value>) -> Option<Failure> {
    let mut inner = shared.lock();
    let chat = params.get("chat_id").map(normalize_chat_value);
    let index = inner.scripts.iter().position(|script| {
        script.remaining > 0
            && script.method == method
            && script.chat.as_ref().is_none_or(|wanted| Some(normalize_chat_value(wanted)) == chat)
    })?;
    let script = &mut inner.scripts[index];
    script.remaining -= 1;
    let failure = script.failure.clone();
    if script.remaining == 0 {
        inner.scripts.remove(index);
    }
    Some(failure)
}

/// Chat ids arrive as numbers or strings ("-100…", "@name").
fn normalize_chat_value(value: &Value) -> String {
    match value {
        Value::String(s) => s.trim().to_ascii_lowercase(),
        other => other.to_string(),
    }
}

async fn get_updates(shared: &Shared, params: &Map<String, Value>) -> ApiResult {
    let offset = int_param(params, "offset").unwrap_or(0);
    let limit = int_param(params, "limit").unwrap_or(100).clamp(1, 100) as usize;
    let timeout = Duration::from_secs(int_param(params, "timeout").unwrap_or(0).clamp(0, 50) as u64);
    let generation = {
        let mut inner = shared.lock();
        if !inner.webhook_url.is_empty() {
            return Err(ApiError {
                status: 409,
                description: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first".into(),
                parameters: None,
            });
        }
        inner.poll_generation += 1;
        inner.poll_generation
    };
    let mut changes = shared.changed.subscribe();
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        {
            let mut inner = shared.lock();
            if inner.poll_generation != generation {
                return Err(ApiError {
                    status: 409,
                    description: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running".into(),
                    parameters: None,
                });
            }
            // An offset confirms every update below it.
            if offset > 0 {
                inner.updates.retain(|u| u["update_id"].as_i64().unwrap_or(0) >= offset);
            }
            let ready: Vec<Value> = inner.updates.iter().take(limit).cloned().collect();
            if !ready.is_empty() || tokio::time::Instant::now() >= deadline {
                return Ok(Value::Array(ready));
            }
        }
        if tokio::time::timeout_at(deadline, changes.changed()).await.is_err() {
            continue;
        }
    }
}

fn int_param(params: &Map<String, Value>, key: &str) -> Option<i64> {
    match params.get(key)? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn str_param<'a>(params: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    params.get(key).and_then(Value::as_str)
}

fn dispatch(shared: &Shared, method: &str, params: &Map<String, Value>) -> ApiResult {
    match method {
        "getme" => Ok(json!({
            "id": BOT_ID, "is_bot": true, "first_name": "Warta", "username": BOT_USERNAME,
            "can_join_groups": true, "can_read_all_group_messages": false, "supports_inline_queries": false,
            "can_connect_to_business": false, "has_main_web_app": false
        })),
        "getwebhookinfo" => {
            let url = shared.lock().webhook_url.clone();
            Ok(json!({ "url": url, "has_custom_certificate": false, "pending_update_count": 0 }))
        }
        "deletewebhook" => {
            shared.lock().webhook_url.clear();
            Ok(json!(true))
        }
        "setwebhook" => {
            let url = str_param(params, "url").unwrap_or_default().to_owned();
            if !url.is_empty() && !url.starts_with("https://") {
                return Err(ApiError::bad_request("bad webhook: HTTPS url must be provided for webhook"));
            }
            let secret = str_param(params, "secret_token").map(str::to_owned);
            let secret_ok = secret.as_deref().is_none_or(|s| {
                (1..=256).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            });
            if !secret_ok {
                return Err(ApiError::bad_request("bad webhook: secret token contains unallowed characters"));
            }
            let mut inner = shared.lock();
            inner.webhook_url = url;
            inner.webhook_secret = secret;
            Ok(json!(true))
        }
        "setmycommands" => set_my_commands(shared, params),
        "deletemycommands" => delete_my_commands(shared, params),
        "getchat" => {
            let chat = find_chat(shared, params)?;
            let mut value = chat_json(&chat);
            value["accent_color_id"] = json!(0);
            value["max_reaction_count"] = json!(11);
            value["accepted_gift_types"] = json!({
                "unlimited_gifts": false, "limited_gifts": false, "unique_gifts": false, "premium_subscription": false
            });
            Ok(value)
        }
        "sendmessage" => send_message(shared, params),
        "sendphoto" => send_photo(shared, params),
        "editmessagetext" => edit_message_text(shared, params),
        "editmessagecaption" => edit_message_caption(shared, params),
        "editmessagereplymarkup" => edit_message_reply_markup(shared, params),
        "deletemessage" => delete_message(shared, params),
        "answercallbackquery" => answer_callback_query(shared, params),
        "pinchatmessage" => pin_message(shared, params, true),
        "unpinchatmessage" => pin_message(shared, params, false),
        _ => Err(ApiError { status: 404, description: "Not Found".into(), parameters: None }),
    }
}

fn find_chat(shared: &Shared, params: &Map<String, Value>) -> Result<FakeChat, ApiError> {
    let wanted = params.get("chat_id").ok_or_else(|| ApiError::bad_request("chat_id is empty"))?;
    let inner = shared.lock();
    let by_id = |id: i64| match inner.chats.get(&id) {
        Some(chat) => Some(chat.clone()),
        None if inner.any_private_chat && id > 0 => Some(FakeChat {
            id,
            kind: "private",
            username: None,
            title: None,
            first_name: Some("Pembaca".into()),
            blocked: false,
            topics: None,
        }),
        None => None,
    };
    let chat = match wanted {
        Value::Number(n) => n.as_i64().and_then(by_id),
        Value::String(s) => match s.trim().strip_prefix('@') {
            Some(name) => inner
                .chats
                .values()
                .find(|c| c.username.as_deref().is_some_and(|u| u.eq_ignore_ascii_case(name)))
                .cloned(),
            None => s.trim().parse::<i64>().ok().and_then(by_id),
        },
        _ => None,
    };
    let chat = chat.ok_or_else(|| ApiError::bad_request("chat not found"))?;
    if chat.blocked {
        return Err(ApiError::from_failure(&Failure::Blocked));
    }
    Ok(chat)
}

/// Parses text per parse_mode; returns (plain, entities).
fn parse_text(text: &str, parse_mode: Option<&str>) -> Result<(String, Vec<telegram_html::Entity>), ApiError> {
    match parse_mode {
        None | Some("") => Ok((text.to_owned(), Vec::new())),
        Some(mode) if mode.eq_ignore_ascii_case("html") => telegram_html::parse(text)
            .map(|parsed| (parsed.text, parsed.entities))
            .map_err(|e| ApiError::bad_request(format!("can't parse entities: {e}"))),
        Some(other) => {
            Err(ApiError::bad_request(format!("unsupported parse_mode {other:?} (the fake speaks HTML only)")))
        }
    }
}

fn validate_reply_markup(markup: Option<&Value>) -> Result<(), ApiError> {
    let Some(markup) = markup else { return Ok(()) };
    let Some(rows) = markup.get("inline_keyboard") else {
        return Ok(());
    };
    let rows = rows.as_array().ok_or_else(|| ApiError::bad_request("can't parse reply keyboard markup JSON object"))?;
    let buttons: usize = rows.iter().filter_map(Value::as_array).map(Vec::len).sum();
    if buttons > 100 || rows.iter().filter_map(Value::as_array).any(|row| row.len() > 8) {
        return Err(ApiError::bad_request("reply markup is too long"));
    }
    for row in rows {
        let row = row.as_array().ok_or_else(|| ApiError::bad_request("can't parse inline keyboard button row"))?;
        for button in row {
            let text = button.get("text").and_then(Value::as_str).unwrap_or_default();
            if text.trim().is_empty() {
                return Err(ApiError::bad_request("can't parse inline keyboard button: Text must be non-empty"));
            }
            if let Some(url) = button.get("url") {
                let url = url.as_str().unwrap_or_default();
                let ok = ["http://", "https://", "tg://"].iter().any(|s| url.to_ascii_lowercase().starts_with(s))
                    && !url.chars().any(char::is_whitespace);
                if !ok {
                    return Err(ApiError::bad_request("BUTTON_URL_INVALID"));
                }
            } else if let Some(data) = button.get("callback_data") {
                let len = data.as_str().map_or(0, str::len);
                if !(1..=64).contains(&len) {
                    return Err(ApiError::bad_request("BUTTON_DATA_INVALID"));
                }
            } else {
                return Err(ApiError::bad_request(
                    "can't parse inline keyboard button: InlineKeyboardButton must have exactly one optional field",
                ));
            }
        }
    }
    Ok(())
}

fn store_message(shared: &Shared, chat: &FakeChat, mut message: SentMessage) -> Value {
    let mut inner = shared.lock();
    let next = inner.next_message_id.entry(chat.id).or_insert(1);
    message.message_id = *next;
    *next += 1;
    let value = message_json(chat, &message);
    *inner.sent_per_chat.entry(chat.id).or_default() += 1;
    if let Some(probe) = inner.probe.as_mut()
        && let Some(since) = probe.waiting.remove(&chat.id)
    {
        probe.latencies.push(since.elapsed());
    }
    if !inner.lean {
        inner.messages.push(message);
    }
    value
}

fn message_json(chat: &FakeChat, message: &SentMessage) -> Value {
    let mut value = json!({ "message_id": message.message_id, "date": unix_now(), "chat": chat_json(chat) });
    if chat.kind == "channel" {
        value["sender_chat"] = chat_json(chat);
    } else {
        value["from"] = bot_user();
    }
    let entities: Vec<Value> = message.entities.iter().map(telegram_html::Entity::to_json).collect();
    match message.kind {
        "photo" => {
            value["photo"] =
                json!([{ "file_id": "AgACAgIAAxkBAAI", "file_unique_id": "AQAD", "width": 1280, "height": 720 }]);
            if !message.text.is_empty() {
                value["caption"] = json!(message.text);
                if !entities.is_empty() {
                    value["caption_entities"] = json!(entities);
                }
            }
        }
        _ => {
            value["text"] = json!(message.text);
            if !entities.is_empty() {
                value["entities"] = json!(entities);
            }
        }
    }
    if let Some(markup) = &message.reply_markup {
        value["reply_markup"] = markup.clone();
    }
    value
}

fn reply_to(params: &Map<String, Value>) -> Option<i64> {
    params.get("reply_parameters").and_then(|r| r.get("message_id")).and_then(Value::as_i64)
}

fn send_message(shared: &Shared, params: &Map<String, Value>) -> ApiResult {
    let chat = find_chat(shared, params)?;
    let (text, entities) = parse_text(str_param(params, "text").unwrap_or_default(), str_param(params, "parse_mode"))?;
    if text.trim().is_empty() {
        return Err(ApiError::bad_request("message text is empty"));
    }
    // Telegram counts characters after entity parsing; UTF-16 units never undercount.
    if telegram_html::utf16_len(&text) > 4096 {
        return Err(ApiError::bad_request("message is too long"));
    }
    validate_reply_markup(params.get("reply_markup"))?;
    check_thread(&chat, params)?;
    Ok(store_message(shared, &chat, new_message(&chat, params, "text", text, entities, None)))
}

/// A message_thread_id must name an open topic of a forum.
fn check_thread(chat: &FakeChat, params: &Map<String, Value>) -> Result<(), ApiError> {
    let Some(thread) = params.get("message_thread_id") else { return Ok(()) };
    let thread = match thread {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .ok_or_else(|| ApiError::bad_request("message thread not found"))?;
    match chat.topics.as_ref().and_then(|topics| topics.iter().find(|(t, _)| *t == thread)) {
        Some((_, false)) => Ok(()),
        Some((_, true)) => Err(ApiError::bad_request("TOPIC_CLOSED")),
        None => Err(ApiError::bad_request("message thread not found")),
    }
}

fn answer_callback_query(shared: &Shared, params: &Map<String, Value>) -> ApiResult {
    let id = str_param(params, "callback_query_id").unwrap_or_default().to_owned();
    let text = str_param(params, "text").map(str::to_owned);
    if text.as_ref().is_some_and(|t| t.chars().count() > 200) {
        return Err(ApiError::bad_request("MESSAGE_TOO_LONG"));
    }
    let show_alert = params.get("show_alert").is_some_and(|v| v == &json!(true) || v == &json!("true"));
    let mut inner = shared.lock();
    match inner.callback_answers.get_mut(&id) {
        Some(answer @ None) => {
            *answer = Some(CallbackAnswer { text, show_alert });
            Ok(json!(true))
        }
        _ => Err(ApiError::bad_request("query is too old and response timeout expired or query ID is invalid")),
    }
}

fn send_photo(shared: &Shared, params: &Map<String, Value>) -> ApiResult {
    let chat = find_chat(shared, params)?;
    let uploaded =
        |value: Option<&Value>| value.and_then(Value::as_object).is_some_and(|f| f.contains_key("uploaded_file"));
    let photo = match params.get("photo") {
        // teloxide uploads as `photo=attach://<name>` plus a file part called <name>.
        Some(Value::String(reference)) if reference.starts_with("attach://") => {
            if !uploaded(params.get(&reference["attach://".len()..])) {
                return Err(ApiError::bad_request("wrong file identifier/HTTP URL specified"));
            }
            "uploaded".to_owned()
        }
        Some(Value::String(url)) if url.starts_with("http://") || url.starts_with("https://") => url.clone(),
        // A file_id: only of a file Telegram has (one a user sent).
        Some(Value::String(file_id)) if shared.lock().known_files.contains(file_id) => file_id.clone(),
        Some(Value::String(_)) => return Err(ApiError::bad_request("wrong file identifier/HTTP URL specified")),
        file if uploaded(file) => "uploaded".to_owned(),
        _ => return Err(ApiError::bad_request("there is no photo in the request")),
    };
    let (text, entities) =
        parse_text(str_param(params, "caption").unwrap_or_default(), str_param(params, "parse_mode"))?;
    if telegram_html::utf16_len(&text) > 1024 {
        return Err(ApiError::bad_request("message caption is too long"));
    }
    validate_reply_markup(params.get("reply_markup"))?;
    check_thread(&chat, params)?;
    Ok(store_message(shared, &chat, new_message(&chat, params, "photo", text, entities, Some(photo))))
}

/// A message as stored after a successful send; the id is assigned by `store_message`.
fn new_message(
    chat: &FakeChat,
    params: &Map<String, Value>,
    kind: &'static str,
    text: String,
    entities: Vec<telegram_html::Entity>,
    photo: Option<String>,
) -> SentMessage {
    let source_key = if kind == "photo" { "caption" } else { "text" };
    SentMessage {
        chat_id: chat.id,
        message_id: 0,
        text,
        source: str_param(params, source_key).unwrap_or_default().to_owned(),
        parse_mode: str_param(params, "parse_mode").map(str::to_owned),
        entities,
        reply_markup: params.get("reply_markup").cloned(),
        reply_to: reply_to(params),
        thread: int_param(params, "message_thread_id"),
        kind,
        photo,
        params: params.clone(),
        deleted: false,
        edits: 0,
        pinned: false,
    }
}

fn edit_message_text(shared: &Shared, params: &Map<String, Value>) -> ApiResult {
    let source = str_param(params, "text").unwrap_or_default();
    let (text, entities) = parse_text(source, str_param(params, "parse_mode"))?;
    if text.trim().is_empty() {
        return Err(ApiError::bad_request("message text is empty"));
    }
    if telegram_html::utf16_len(&text) > 4096 {
        return Err(ApiError::bad_request("MESSAGE_TOO_LONG"));
    }
    let edit = Edit { kind: "text", wrong_kind: "there is no text in the message to edit", text, entities, source };
    apply_edit(shared, params, edit)
}

fn edit_message_caption(shared: &Shared, params: &Map<String, Value>) -> ApiResult {
    let source = str_param(params, "caption").unwrap_or_default();
    let (text, entities) = parse_text(source, str_param(params, "parse_mode"))?;
    if telegram_html::utf16_len(&text) > 1024 {
        return Err(ApiError::bad_request("message caption is too long"));
    }
    let edit = Edit { kind: "photo", wrong_kind: "there is no caption in the message to edit", text, entities, source };
    apply_edit(shared, params, edit)
}

/// A new text or caption for a message of `kind`.
struct Edit<'a> {
    kind: &'static str,
    /// Telegram's answer when the message is of another kind.
    wrong_kind: &'static str,
    text: String,
    entities: Vec<telegram_html::Entity>,
    source: &'a str,
}

/// Edits a stored message as Telegram does: it must exist and be of the
/// right kind, and an edit that changes nothing is refused.
fn apply_edit(shared: &Shared, params: &Map<String, Value>, edit: Edit<'_>) -> ApiResult {
    let chat = find_chat(shared, params)?;
    let message_id =
        int_param(params, "message_id").ok_or_else(|| ApiError::bad_request("message identifier is not specified"))?;
    validate_reply_markup(params.get("reply_markup"))?;
    let mut inner = shared.lock();
    let message = live_message(&mut inner, chat.id, message_id, "message to edit not found")?;
    if message.kind != edit.kind {
        return Err(ApiError::bad_request(edit.wrong_kind));
    }
    let markup = params.get("reply_markup").cloned();
    if message.text == edit.text && message.entities == edit.entities && message.reply_markup == markup {
        return Err(ApiError::bad_request(
            "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
        ));
    }
    message.text = edit.text;
    message.entities = edit.entities;
    message.source = edit.source.to_owned();
    message.reply_markup = markup;
    message.edits += 1;
    let snapshot = message.clone();
    if let Some(probe) = inner.probe.as_mut()
        && let Some(since) = probe.waiting.remove(&chat.id)
    {
        probe.latencies.push(since.elapsed());
    }
    drop(inner);
    Ok(message_json(&chat, &snapshot))
}

fn edit_message_reply_markup(shared: &Shared, params: &Map<String, Value>) -> ApiResult {
    let chat = find_chat(shared, params)?;
    let message_id =
        int_param(params, "message_id").ok_or_else(|| ApiError::bad_request("message identifier is not specified"))?;
    validate_reply_markup(params.get("reply_markup"))?;
    let mut inner = shared.lock();
    let message = live_message(&mut inner, chat.id, message_id, "message to edit not found")?;
    let markup = params.get("reply_markup").cloned();
    if message.reply_markup == markup {
        return Err(ApiError::bad_request(
            "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
        ));
    }
    message.reply_markup = markup;
    message.edits += 1;
    let snapshot = message.clone();
    drop(inner);
    Ok(message_json(&chat, &snapshot))
}

/// A message of the chat that is not deleted, or Telegram's `missing` answer.
fn live_message<'a>(
    inner: &'a mut Inner,
    chat_id: i64,
    message_id: i64,
    missing: &str,
) -> Result<&'a mut SentMessage, ApiError> {
    inner
        .messages
        .iter_mut()
        .find(|m| m.chat_id == chat_id && m.message_id == message_id && !m.deleted)
        .ok_or_else(|| ApiError::bad_request(missing))
}

fn pin_message(shared: &Shared, params: &Map<String, Value>, pin: bool) -> ApiResult {
    let chat = find_chat(shared, params)?;
    let message_id = int_param(params, "message_id");
    let mut inner = shared.lock();
    let live = |m: &&mut SentMessage| m.chat_id == chat.id && !m.deleted;
    let message = match message_id {
        Some(id) => inner.messages.iter_mut().filter(live).find(|m| m.message_id == id),
        // unpinChatMessage without an id: the most recent pin.
        None if !pin => inner.messages.iter_mut().filter(live).rfind(|m| m.pinned),
        None => return Err(ApiError::bad_request("message identifier is not specified")),
    };
    let Some(message) = message else {
        return Err(ApiError::bad_request(if pin { "message to pin not found" } else { "message to unpin not found" }));
    };
    message.pinned = pin;
    Ok(json!(true))
}

fn delete_message(shared: &Shared, params: &Map<String, Value>) -> ApiResult {
    let chat = find_chat(shared, params)?;
    if shared.lock().undeletable.contains(&chat.id) {
        return Err(ApiError::bad_request("message can't be deleted for everyone"));
    }
    let message_id =
        int_param(params, "message_id").ok_or_else(|| ApiError::bad_request("message identifier is not specified"))?;
    let mut inner = shared.lock();
    let message = live_message(&mut inner, chat.id, message_id, "message to delete not found")?;
    message.deleted = true;
    Ok(json!(true))
}

fn set_my_commands(shared: &Shared, params: &Map<String, Value>) -> ApiResult {
    let commands = params.get("commands").and_then(Value::as_array).cloned().unwrap_or_default();
    if commands.len() > 100 {
        return Err(ApiError::bad_request("too many commands"));
    }
    for command in &commands {
        let name = command.get("command").and_then(Value::as_str).unwrap_or_default();
        let description = command.get("description").and_then(Value::as_str).unwrap_or_default();
        let name_ok = (1..=32).contains(&name.len())
            && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !name_ok {
            return Err(ApiError::bad_request("BOT_COMMAND_INVALID"));
        }
        if !(1..=256).contains(&description.chars().count()) {
            return Err(ApiError::bad_request("BOT_COMMAND_DESCRIPTION_INVALID"));
        }
    }
    let (scope, language) = command_scope(shared, params)?;
    let mut inner = shared.lock();
    inner.commands.retain(|(s, l, _)| !(s == &scope && l == &language));
    inner.commands.push((scope, language, commands));
    Ok(json!(true))
}

fn delete_my_commands(shared: &Shared, params: &Map<String, Value>) -> ApiResult {
    let (scope, language) = command_scope(shared, params)?;
    shared.lock().commands.retain(|(s, l, _)| !(s == &scope && l == &language));
    Ok(json!(true))
}

/// The scope and language_code of setMyCommands/deleteMyCommands, checked as Telegram does.
fn command_scope(shared: &Shared, params: &Map<String, Value>) -> Result<(Value, Option<String>), ApiError> {
    let scope = params.get("scope").cloned().unwrap_or_else(|| json!({ "type": "default" }));
    let kind = scope.get("type").and_then(Value::as_str).unwrap_or_default();
    match kind {
        "default" | "all_private_chats" | "all_group_chats" | "all_chat_administrators" => {}
        "chat" | "chat_administrators" | "chat_member" => {
            let chat = scope.get("chat_id").cloned().ok_or_else(|| ApiError::bad_request("chat_id is empty"))?;
            let mut lookup = Map::new();
            lookup.insert("chat_id".into(), chat);
            find_chat(shared, &lookup)?;
        }
        _ => return Err(ApiError::bad_request("unsupported bot command scope")),
    }
    let language = str_param(params, "language_code").filter(|l| !l.is_empty()).map(str::to_owned);
    if language.as_ref().is_some_and(|l| l.len() != 2 || !l.chars().all(|c| c.is_ascii_lowercase())) {
        return Err(ApiError::bad_request("invalid language code specified"));
    }
    Ok((scope, language))
}
