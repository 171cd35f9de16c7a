//! Typed settings: defaults, then `bot.toml`, then `WARTA__SECTION__KEY`
//! environment variables (env wins). Validated once at start; every error
//! names the file, key or variable at fault.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono_tz::Tz;
use serde::{Deserialize, Deserializer};
use url::Url;

use crate::domain::ChatRef;

/// Prefix of environment variables that override keys of the config file.
pub const ENV_PREFIX: &str = "WARTA__";
/// The only place the bot token may come from.
pub const TOKEN_VAR: &str = "BOT_TOKEN";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub telegram: TelegramConfig,
    #[serde(default)]
    pub storage: StorageConfig,
    pub feeds: Vec<FeedConfig>,
    #[serde(default)]
    pub channels: Vec<ChannelConfig>,
    #[serde(default)]
    pub admins: AdminsConfig,
    #[serde(default)]
    pub format: FormatConfig,
    #[serde(default)]
    pub delivery: DeliveryConfig,
    #[serde(default)]
    pub fetch: FetchConfig,
    #[serde(default)]
    pub http: HttpConfig,
    #[serde(default)]
    pub websub: WebSubConfig,
    #[serde(default)]
    pub readers: ReadersConfig,
    #[serde(default)]
    pub newsroom: NewsroomConfig,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TelegramConfig {
    /// Bot API base URL.
    #[serde(default = "default_api_url")]
    pub api_url: Url,
    /// Long-polling timeout for getUpdates; below the HTTP client's 17 s timeout.
    #[serde(default = "default_poll_timeout", deserialize_with = "duration")]
    pub poll_timeout: Duration,
    /// How updates arrive: long polling (default) or a webhook on `[http] listen`.
    #[serde(default)]
    pub mode: UpdateMode,
    /// Webhook mode: the public HTTPS URL Telegram posts updates to (its path is served).
    #[serde(default)]
    pub webhook_url: Option<Url>,
}

impl Default for TelegramConfig {
    fn default() -> Self {
        Self {
            api_url: default_api_url(),
            poll_timeout: default_poll_timeout(),
            mode: UpdateMode::Polling,
            webhook_url: None,
        }
    }
}

/// How updates arrive.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UpdateMode {
    #[default]
    Polling,
    Webhook,
}

fn default_api_url() -> Url {
    Url::parse("https://api.telegram.org").expect("constant URL parses")
}

fn default_poll_timeout() -> Duration {
    Duration::from_secs(10)
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageConfig {
    /// SQLite file; it and its folder are created on first run.
    #[serde(default = "default_database")]
    pub database: PathBuf,
    /// Start with a new, empty database even though one existed before (its
    /// marker is there): `warta run --fresh-database`, never from the file.
    #[serde(skip)]
    pub fresh_database: bool,
}

impl Default for StorageConfig {
    fn default() -> Self {
        Self { database: default_database(), fresh_database: false }
    }
}

fn default_database() -> PathBuf {
    PathBuf::from("data/warta.db")
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedConfig {
    pub url: Url,
    /// Poll period.
    #[serde(default = "default_interval", deserialize_with = "duration")]
    pub interval: Duration,
    /// Source name shown under each post; defaults to the feed's own title.
    #[serde(default)]
    pub name: Option<String>,
    /// Longest period the server's hints (Cache-Control, ttl, sy:updatePeriod)
    /// may stretch polling to; defaults to `[fetch] max_interval`.
    #[serde(default, deserialize_with = "optional_duration")]
    pub max_interval: Option<Duration>,
    /// On the very first fetch, post the newest N articles (0: post nothing, only record).
    #[serde(default)]
    pub backfill: u32,
}

fn default_interval() -> Duration {
    Duration::from_secs(120)
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelConfig {
    /// Where new articles are posted: @username or numeric id.
    pub chat: ChatRef,
    /// Link preview under text posts: off, small or large.
    #[serde(default)]
    pub link_preview: PreviewSetting,
    /// Post without notification sound.
    #[serde(default)]
    pub silent: bool,
    /// UTM parameters appended to article links.
    #[serde(default)]
    pub utm_source: Option<String>,
    #[serde(default)]
    pub utm_medium: Option<String>,
    #[serde(default)]
    pub utm_campaign: Option<String>,
    /// Replaces `[format] sponsored_label` in this channel.
    #[serde(default)]
    pub sponsored_label: Option<String>,
    /// Overrides `[format] images` in this channel.
    #[serde(default)]
    pub images: Option<bool>,
    /// In a forum group: the topic (message_thread_id) for each category's posts.
    #[serde(default)]
    pub topics: BTreeMap<String, i32>,
    /// In a forum group: the topic for posts of no listed category (unset: General).
    #[serde(default)]
    pub default_topic: Option<i32>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PreviewSetting {
    #[default]
    Off,
    Small,
    Large,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminsConfig {
    #[serde(default)]
    pub user_ids: Vec<i64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormatConfig {
    /// Time zone for times shown to readers.
    #[serde(default = "default_timezone", deserialize_with = "timezone")]
    pub timezone: Tz,
    /// Longest excerpt under a post's title, in characters.
    #[serde(default = "default_excerpt_chars")]
    pub excerpt_chars: usize,
    /// The post layout; `None`: the built-in one.
    #[serde(default)]
    pub template: Option<String>,
    #[serde(default = "default_max_hashtags")]
    pub max_hashtags: usize,
    /// Categories never shown as hashtags.
    #[serde(default = "default_hidden_categories")]
    pub hidden_categories: Vec<String>,
    /// Categories whose articles carry the sponsored label.
    #[serde(default = "default_sponsored_categories")]
    pub sponsored_categories: Vec<String>,
    #[serde(default = "default_sponsored_label")]
    pub sponsored_label: String,
    /// Paragraphs containing any of these texts are removed from articles.
    #[serde(default)]
    pub remove_paragraphs: Vec<String>,
    /// Post articles that have an image as photos.
    #[serde(default = "default_images")]
    pub images: bool,
    /// Largest image downloaded and uploaded when Telegram cannot fetch it itself.
    #[serde(default = "default_max_image", deserialize_with = "size")]
    pub max_image_download: usize,
}

impl Default for FormatConfig {
    fn default() -> Self {
        Self {
            timezone: default_timezone(),
            excerpt_chars: default_excerpt_chars(),
            template: None,
            max_hashtags: default_max_hashtags(),
            hidden_categories: default_hidden_categories(),
            sponsored_categories: default_sponsored_categories(),
            sponsored_label: default_sponsored_label(),
            remove_paragraphs: Vec::new(),
            images: default_images(),
            max_image_download: default_max_image(),
        }
    }
}

fn default_max_hashtags() -> usize {
    5
}

fn default_hidden_categories() -> Vec<String> {
    vec!["Uncategorized".into(), "Tak Berkategori".into()]
}

fn default_sponsored_categories() -> Vec<String> {
    vec!["Advertorial".into()]
}

fn default_sponsored_label() -> String {
    "📢 Advertorial".into()
}

fn default_images() -> bool {
    true
}

fn default_max_image() -> usize {
    10 * 1024 * 1024
}

fn default_timezone() -> Tz {
    chrono_tz::Asia::Makassar
}

fn default_excerpt_chars() -> usize {
    280
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveryConfig {
    /// Attempts before a delivery that keeps failing is set aside as dead.
    #[serde(default = "default_max_attempts")]
    pub max_attempts: u32,
    /// First retry delay after a failed send; doubles per attempt.
    #[serde(default = "default_retry_initial", deserialize_with = "duration")]
    pub retry_initial: Duration,
    /// Longest retry delay.
    #[serde(default = "default_retry_max", deserialize_with = "duration")]
    pub retry_max: Duration,
    /// How long a claimed delivery stays reserved before another worker may take it over.
    #[serde(default = "default_lease", deserialize_with = "duration")]
    pub lease: Duration,
    /// Messages per second overall (Telegram: about 30).
    #[serde(default = "default_overall_per_second")]
    pub overall_per_second: u32,
    /// Messages per minute to one private chat (Telegram: about 1/s).
    #[serde(default = "default_private_per_minute")]
    pub private_per_minute: u32,
    /// Messages per minute to one group or supergroup (Telegram: 20).
    #[serde(default = "default_group_per_minute")]
    pub group_per_minute: u32,
    /// Messages per minute to one channel.
    #[serde(default = "default_channel_per_minute")]
    pub channel_per_minute: u32,
    /// Sends in flight at once.
    #[serde(default = "default_concurrency")]
    pub concurrency: usize,
    /// Paid broadcast (needs the bot to qualify in BotFather): messages above
    /// the free 30/s cost 0.1 Star each; the overall rate becomes `paid_per_second`.
    #[serde(default)]
    pub paid_broadcast: bool,
    #[serde(default = "default_paid_per_second")]
    pub paid_per_second: u32,
    /// At shutdown, sends in flight get this long to finish.
    #[serde(default = "default_shutdown_grace", deserialize_with = "duration")]
    pub shutdown_grace: Duration,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        Self {
            max_attempts: default_max_attempts(),
            retry_initial: default_retry_initial(),
            retry_max: default_retry_max(),
            lease: default_lease(),
            overall_per_second: default_overall_per_second(),
            private_per_minute: default_private_per_minute(),
            group_per_minute: default_group_per_minute(),
            channel_per_minute: default_channel_per_minute(),
            concurrency: default_concurrency(),
            paid_broadcast: false,
            paid_per_second: default_paid_per_second(),
            shutdown_grace: default_shutdown_grace(),
        }
    }
}

fn default_overall_per_second() -> u32 {
    30
}

fn default_private_per_minute() -> u32 {
    60
}

fn default_group_per_minute() -> u32 {
    20
}

fn default_channel_per_minute() -> u32 {
    20
}

fn default_concurrency() -> usize {
    32
}

fn default_paid_per_second() -> u32 {
    1000
}

fn default_shutdown_grace() -> Duration {
    Duration::from_secs(5)
}

fn default_max_attempts() -> u32 {
    12
}

fn default_retry_initial() -> Duration {
    Duration::from_secs(5)
}

fn default_retry_max() -> Duration {
    Duration::from_secs(30 * 60)
}

fn default_lease() -> Duration {
    Duration::from_secs(60)
}

/// How feeds are fetched and scheduled.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FetchConfig {
    /// Whole-request timeout, redirects included.
    #[serde(default = "default_fetch_timeout", deserialize_with = "duration")]
    pub timeout: Duration,
    #[serde(default = "default_connect_timeout", deserialize_with = "duration")]
    pub connect_timeout: Duration,
    /// Largest body accepted on the wire.
    #[serde(default = "default_max_body", deserialize_with = "size")]
    pub max_body: usize,
    /// Largest body accepted after decompression (a gzip bomb stops here).
    #[serde(default = "default_max_decompressed", deserialize_with = "size")]
    pub max_decompressed: usize,
    /// No feed is polled more often than this, whatever its interval.
    #[serde(default = "default_min_interval", deserialize_with = "duration")]
    pub min_interval: Duration,
    /// Default for a feed's `max_interval`.
    #[serde(default = "default_max_interval", deserialize_with = "duration")]
    pub max_interval: Duration,
    /// Longest wait between attempts at a failing feed.
    #[serde(default = "default_backoff_max", deserialize_with = "duration")]
    pub backoff_max: Duration,
    /// Consecutive failures before admins are told (once; and again on recovery).
    #[serde(default = "default_alert_after")]
    pub alert_after: u32,
    /// Older pages (WordPress `?paged=N`) fetched when every item of a fetch is new.
    #[serde(default = "default_backfill_pages")]
    pub backfill_pages: u32,
    /// A corrected article's posts are edited if they were sent within this window.
    #[serde(default = "default_edit_window", deserialize_with = "duration")]
    pub edit_window: Duration,
    /// Hosts (names or IP addresses) that images, redirects and hubs may reach
    /// even on private addresses; the configured feeds' hosts always may.
    #[serde(default)]
    pub allow_hosts: Vec<String>,
    /// A fetch with more new items than this is held for the admins (Kirim semua / Lewati); 0 turns the guard off.
    #[serde(default = "default_flood_threshold")]
    pub flood_threshold: u32,
}

impl Default for FetchConfig {
    fn default() -> Self {
        Self {
            timeout: default_fetch_timeout(),
            connect_timeout: default_connect_timeout(),
            max_body: default_max_body(),
            max_decompressed: default_max_decompressed(),
            min_interval: default_min_interval(),
            max_interval: default_max_interval(),
            backoff_max: default_backoff_max(),
            alert_after: default_alert_after(),
            backfill_pages: default_backfill_pages(),
            edit_window: default_edit_window(),
            allow_hosts: Vec::new(),
            flood_threshold: default_flood_threshold(),
        }
    }
}

fn default_fetch_timeout() -> Duration {
    Duration::from_secs(30)
}

fn default_connect_timeout() -> Duration {
    Duration::from_secs(10)
}

fn default_max_body() -> usize {
    5 * 1024 * 1024
}

fn default_max_decompressed() -> usize {
    20 * 1024 * 1024
}

fn default_min_interval() -> Duration {
    Duration::from_secs(30)
}

fn default_max_interval() -> Duration {
    Duration::from_secs(15 * 60)
}

fn default_backoff_max() -> Duration {
    Duration::from_secs(60 * 60)
}

fn default_alert_after() -> u32 {
    5
}

fn default_flood_threshold() -> u32 {
    50
}

fn default_backfill_pages() -> u32 {
    5
}

fn default_edit_window() -> Duration {
    Duration::from_secs(48 * 3600)
}

/// How the bot treats readers' commands.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReadersConfig {
    /// Commands (and button presses) a reader may send in a burst.
    #[serde(default = "default_command_burst")]
    pub command_burst: u32,
    /// One more command is allowed after each such period.
    #[serde(default = "default_command_refill", deserialize_with = "duration")]
    pub command_refill: Duration,
    /// A reader over the limit is told once to wait, then ignored this long.
    #[serde(default = "default_flood_pause", deserialize_with = "duration")]
    pub flood_pause: Duration,
}

impl Default for ReadersConfig {
    fn default() -> Self {
        Self {
            command_burst: default_command_burst(),
            command_refill: default_command_refill(),
            flood_pause: default_flood_pause(),
        }
    }
}

fn default_command_burst() -> u32 {
    10
}

fn default_command_refill() -> Duration {
    Duration::from_secs(2)
}

fn default_flood_pause() -> Duration {
    Duration::from_secs(60)
}

/// Warta's own HTTP listener (WebSub callbacks; later health and metrics).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpConfig {
    /// Address to listen on, e.g. "0.0.0.0:8080"; unset: no listener.
    #[serde(default)]
    pub listen: Option<std::net::SocketAddr>,
}

/// The newsroom's controls: breaking news, pins, alerts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewsroomConfig {
    /// An unconfirmed breaking-news preview is void after this long.
    #[serde(default = "default_preview_expiry", deserialize_with = "duration")]
    pub preview_expiry: Duration,
    /// Pin breaking news in the channels.
    #[serde(default = "default_true")]
    pub pin_breaking: bool,
    /// Unpin breaking news this long after it was pinned (unset: stays pinned).
    #[serde(default, deserialize_with = "optional_duration")]
    pub unpin_after: Option<Duration>,
    /// Admins are told when a feed that fetches fine brings nothing new for
    /// this long during the daytime hours.
    #[serde(default = "default_silent_after", deserialize_with = "duration")]
    pub silent_feed_after: Duration,
    /// The daytime hours, in `format.timezone`: "HH:MM-HH:MM" (equal: all day).
    #[serde(default = "default_daytime", deserialize_with = "daytime")]
    pub daytime: Daytime,
    /// How often feeds' silence and dead-lettered deliveries are checked.
    #[serde(default = "default_alert_check", deserialize_with = "duration")]
    pub alert_check: Duration,
}

fn default_alert_check() -> Duration {
    Duration::from_secs(60)
}

impl Default for NewsroomConfig {
    fn default() -> Self {
        Self {
            preview_expiry: default_preview_expiry(),
            pin_breaking: true,
            unpin_after: None,
            silent_feed_after: default_silent_after(),
            daytime: default_daytime(),
            alert_check: default_alert_check(),
        }
    }
}

fn default_preview_expiry() -> Duration {
    Duration::from_secs(10 * 60)
}

fn default_silent_after() -> Duration {
    Duration::from_secs(3 * 3600)
}

fn default_true() -> bool {
    true
}

/// Hours of the day, from `start` (inclusive) to `end` (exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Daytime {
    pub start: chrono::NaiveTime,
    pub end: chrono::NaiveTime,
}

impl Daytime {
    pub fn contains(&self, time: chrono::NaiveTime) -> bool {
        if self.start == self.end {
            return true;
        }
        if self.start < self.end {
            self.start <= time && time < self.end
        } else {
            time >= self.start || time < self.end
        }
    }

    fn parse(raw: &str) -> Result<Self, String> {
        let bad = || format!("invalid hours {raw:?}: expected \"HH:MM-HH:MM\", e.g. \"07:00-21:00\"");
        let (start, end) = raw.split_once('-').ok_or_else(bad)?;
        let time = |t: &str| chrono::NaiveTime::parse_from_str(t.trim(), "%H:%M").map_err(|_| bad());
        Ok(Self { start: time(start)?, end: time(end)? })
    }
}

fn default_daytime() -> Daytime {
    Daytime {
        start: chrono::NaiveTime::from_hms_opt(7, 0, 0).unwrap_or_default(),
        end: chrono::NaiveTime::from_hms_opt(21, 0, 0).unwrap_or_default(),
    }
}

fn daytime<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Daytime, D::Error> {
    let raw = String::deserialize(deserializer)?;
    Daytime::parse(&raw).map_err(serde::de::Error::custom)
}

/// WebSub (PubSubHubbub) push subscriptions.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebSubConfig {
    /// Public base URL at which hubs reach `[http] listen`; unset: WebSub off.
    #[serde(default)]
    pub public_url: Option<Url>,
    /// Subscription lease asked of hubs; renewed before it runs out.
    #[serde(default = "default_websub_lease", deserialize_with = "duration")]
    pub lease: Duration,
}

impl Default for WebSubConfig {
    fn default() -> Self {
        Self { public_url: None, lease: default_websub_lease() }
    }
}

fn default_websub_lease() -> Duration {
    Duration::from_secs(7 * 24 * 3600)
}

fn optional_duration<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Duration>, D::Error> {
    let raw = String::deserialize(deserializer)?;
    parse_duration(&raw).map(Some).map_err(serde::de::Error::custom)
}

fn size<'de, D: Deserializer<'de>>(deserializer: D) -> Result<usize, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Bytes(u64),
        Text(String),
    }
    match Raw::deserialize(deserializer)? {
        Raw::Bytes(bytes) => usize::try_from(bytes).map_err(serde::de::Error::custom),
        Raw::Text(text) => parse_size(&text).map_err(serde::de::Error::custom),
    }
}

/// Parses "5MiB", "512 KiB", "10MB", "1048576".
pub fn parse_size(raw: &str) -> Result<usize, String> {
    let text = raw.trim();
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 =
        number.parse().map_err(|_| format!("invalid size {raw:?}; use e.g. \"5MiB\" or a number of bytes"))?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1000,
        "kib" => 1024,
        "m" | "mb" => 1_000_000,
        "mib" => 1024 * 1024,
        "g" | "gb" => 1_000_000_000,
        "gib" => 1024 * 1024 * 1024,
        other => return Err(format!("invalid size {raw:?}: unknown unit {other:?}; use B, KiB, MiB or GiB")),
    };
    number
        .checked_mul(factor)
        .and_then(|bytes| usize::try_from(bytes).ok())
        .ok_or_else(|| format!("size {raw:?} is too large"))
}

fn duration<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    let raw = String::deserialize(deserializer)?;
    parse_duration(&raw).map_err(serde::de::Error::custom)
}

/// Parses "30s", "2m", "1h", "1h30m", "500ms".
pub fn parse_duration(raw: &str) -> Result<Duration, String> {
    humantime::parse_duration(raw.trim())
        .map_err(|err| format!("invalid duration {raw:?} ({err}); use e.g. \"30s\", \"2m\", \"1h\""))
}

fn timezone<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Tz, D::Error> {
    let raw = String::deserialize(deserializer)?;
    raw.parse::<Tz>().map_err(|_| {
        serde::de::Error::custom(format!("unknown time zone {raw:?}; use an IANA name such as \"Asia/Makassar\""))
    })
}

/// The secret Telegram sends with every webhook request
/// (`X-Telegram-Bot-Api-Secret-Token`). Never shown, like the token.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(String);

impl WebhookSecret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret(<redacted>)")
    }
}

const WEBHOOK_SECRET_VAR: &str = "WEBHOOK_SECRET";

/// Reads `WEBHOOK_SECRET`: 1–256 characters of A–Z, a–z, 0–9, `_` and `-` (Telegram's rule).
pub fn webhook_secret_from_env<I>(env: I) -> Result<WebhookSecret, ConfigError>
where
    I: IntoIterator<Item = (String, String)>,
{
    let secret = env
        .into_iter()
        .find_map(|(name, value)| (name == WEBHOOK_SECRET_VAR).then_some(value))
        .map(|value| value.trim().to_owned())
        .filter(|value| !value.is_empty())
        .ok_or_else(|| ConfigError::Env {
            var: WEBHOOK_SECRET_VAR.to_owned(),
            message: "is not set; webhook mode needs a secret Telegram sends with every update".to_owned(),
        })?;
    let valid = secret.len() <= 256 && secret.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if !valid {
        return Err(ConfigError::Env {
            var: WEBHOOK_SECRET_VAR.to_owned(),
            message: "must be 1-256 characters of A-Z, a-z, 0-9, _ and -".to_owned(),
        });
    }
    Ok(WebhookSecret(secret))
}

/// The bot token. Its `Debug` never shows it and it has no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct BotToken(String);

impl BotToken {
    pub fn new(token: impl Into<String>) -> Self {
        Self(token.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for BotToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BotToken(<redacted>)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("config file {path} not found; pass --config PATH or set WARTA_CONFIG")]
    NotFound { path: PathBuf },
    #[error("cannot read config file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path}: invalid TOML at line {line}, column {column}: {message}")]
    Syntax { path: PathBuf, line: usize, column: usize, message: String },
    #[error("{origin}: {key}: {message}")]
    Invalid { origin: String, key: String, message: String },
    #[error("{origin}: {message}")]
    Document { origin: String, message: String },
    #[error("{var}: {message}")]
    Env { var: String, message: String },
    #[error("{TOKEN_VAR} is not set: export the bot token from @BotFather as {TOKEN_VAR}")]
    MissingToken,
    #[error("{TOKEN_VAR} does not look like a bot token (expected <digits>:<secret>, no spaces)")]
    MalformedToken,
}

impl Config {
    /// Loads `path`, applies `WARTA__*` overrides from `env`, and validates.
    pub fn load<I>(path: &Path, env: I) -> Result<Self, ConfigError>
    where
        I: IntoIterator<Item = (String, String)>,
    {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                return Err(ConfigError::NotFound { path: path.to_owned() });
            }
            Err(source) => return Err(ConfigError::Read { path: path.to_owned(), source }),
        };
        Self::from_toml(&text, path, env)
    }

    /// Parses config text; `path` only names the source in messages.
    pub fn from_toml<I>(text: &str, path: &Path, env: I) -> Result<Self, ConfigError>
    where
        I: IntoIterator<Item = (String, String)>,
    {
        let mut document: toml::Table = toml::from_str(text).map_err(|err| {
            let (line, column) = err.span().map(|span| line_and_column(text, span.start)).unwrap_or((1, 1));
            ConfigError::Syntax { path: path.to_owned(), line, column, message: err.message().trim().to_owned() }
        })?;
        let overrides = apply_env_overrides(&mut document, env)?;
        let file = path.display().to_string();
        let origin_of = |key: &str| match overrides.get(key) {
            Some(var) => format!("{var} (overriding {file})"),
            None => file.clone(),
        };
        let config: Self = serde_path_to_error::deserialize(toml::Value::Table(document)).map_err(|err| {
            let key = err.path().to_string();
            let message = err.inner().message().trim().to_owned();
            if key == "." || key.is_empty() {
                ConfigError::Document { origin: file.clone(), message }
            } else {
                ConfigError::Invalid { origin: origin_of(&key), key, message }
            }
        })?;
        config.validate().map_err(|(key, message)| ConfigError::Invalid { origin: origin_of(&key), key, message })?;
        Ok(config)
    }

    /// Checks what types alone cannot; returns the offending key and why.
    fn validate(&self) -> Result<(), (String, String)> {
        check_http_url(&self.telegram.api_url).map_err(|m| ("telegram.api_url".to_owned(), m))?;
        if self.telegram.mode == UpdateMode::Webhook {
            let Some(url) = &self.telegram.webhook_url else {
                return Err((
                    "telegram.webhook_url".into(),
                    "webhook mode needs the public URL Telegram posts to".into(),
                ));
            };
            check_http_url(url).map_err(|m| ("telegram.webhook_url".to_owned(), m))?;
            if self.http.listen.is_none() {
                return Err(("http.listen".into(), "webhook mode needs the HTTP listener's address".into()));
            }
        }
        if self.telegram.poll_timeout > Duration::from_secs(15) {
            return Err((
                "telegram.poll_timeout".into(),
                "must be at most 15s (the HTTP client gives up after 17s)".into(),
            ));
        }
        if self.storage.database.as_os_str().is_empty() {
            return Err(("storage.database".into(), "must name a file".into()));
        }
        if self.feeds.is_empty() {
            return Err(("feeds".into(), "add at least one [[feeds]] entry with a url".into()));
        }
        for (index, feed) in self.feeds.iter().enumerate() {
            check_http_url(&feed.url).map_err(|m| (format!("feeds[{index}].url"), m))?;
            if feed.interval.is_zero() || feed.interval > Duration::from_secs(24 * 3600) {
                return Err((format!("feeds[{index}].interval"), "must be between 1ms and 24h".into()));
            }
            if let Some(name) = &feed.name
                && name.trim().is_empty()
            {
                return Err((
                    format!("feeds[{index}].name"),
                    "must not be empty (remove it to use the feed's title)".into(),
                ));
            }
            if self.feeds[..index].iter().any(|other| other.url == feed.url) {
                return Err((format!("feeds[{index}].url"), format!("{} is listed twice", feed.url)));
            }
        }
        for (index, channel) in self.channels.iter().enumerate() {
            if self.channels[..index].iter().any(|other| other.chat == channel.chat) {
                return Err((format!("channels[{index}].chat"), format!("{} is listed twice", channel.chat)));
            }
            for (category, topic) in &channel.topics {
                if crate::domain::CategoryKey::new(category).is_empty() {
                    return Err((format!("channels[{index}].topics"), format!("{category:?} is not a category name")));
                }
                if *topic <= 0 {
                    return Err((
                        format!("channels[{index}].topics"),
                        format!("the topic of {category:?} must be a positive message_thread_id"),
                    ));
                }
            }
            if channel.default_topic.is_some_and(|topic| topic <= 0) {
                return Err((
                    format!("channels[{index}].default_topic"),
                    "must be a positive message_thread_id".into(),
                ));
            }
        }
        if self.newsroom.preview_expiry < Duration::from_secs(1)
            || self.newsroom.preview_expiry > Duration::from_secs(24 * 3600)
        {
            return Err(("newsroom.preview_expiry".into(), "must be between 1s and 24h".into()));
        }
        if self.newsroom.alert_check < Duration::from_millis(100)
            || self.newsroom.alert_check > Duration::from_secs(3600)
        {
            return Err(("newsroom.alert_check".into(), "must be between 100ms and 1h".into()));
        }
        if self.newsroom.unpin_after.is_some_and(|after| after.is_zero()) {
            return Err(("newsroom.unpin_after".into(), "must be more than 0s".into()));
        }
        if self.newsroom.silent_feed_after.is_zero() {
            return Err(("newsroom.silent_feed_after".into(), "must be more than 0s".into()));
        }
        if self.readers.command_burst == 0 {
            return Err(("readers.command_burst".into(), "must be at least 1".into()));
        }
        if self.readers.command_refill.is_zero() || self.readers.command_refill > Duration::from_secs(3600) {
            return Err(("readers.command_refill".into(), "must be between 1ms and 1h".into()));
        }
        if self.readers.flood_pause > Duration::from_secs(24 * 3600) {
            return Err(("readers.flood_pause".into(), "must be at most 24h".into()));
        }
        if let Some(index) = self.admins.user_ids.iter().position(|id| *id <= 0) {
            return Err((format!("admins.user_ids[{index}]"), "Telegram user ids are positive numbers".into()));
        }
        if !(40..=2000).contains(&self.format.excerpt_chars) {
            return Err(("format.excerpt_chars".into(), "must be between 40 and 2000".into()));
        }
        if let Some(template) = &self.format.template {
            crate::domain::Template::parse(template).map_err(|err| ("format.template".to_owned(), err.to_string()))?;
        }
        if self.format.max_hashtags > 20 {
            return Err(("format.max_hashtags".into(), "must be at most 20".into()));
        }
        if self.format.max_image_download > 10 * 1024 * 1024 {
            return Err(("format.max_image_download".into(), "Telegram takes photo uploads up to 10MiB".into()));
        }
        if self.delivery.max_attempts == 0 {
            return Err(("delivery.max_attempts".into(), "must be at least 1".into()));
        }
        if self.delivery.retry_initial.is_zero() || self.delivery.retry_initial > self.delivery.retry_max {
            return Err(("delivery.retry_initial".into(), "must be above zero and at most delivery.retry_max".into()));
        }
        if self.delivery.lease < Duration::from_secs(1) {
            return Err(("delivery.lease".into(), "must be at least 1s".into()));
        }
        let rates = [
            ("delivery.overall_per_second", self.delivery.overall_per_second),
            ("delivery.private_per_minute", self.delivery.private_per_minute),
            ("delivery.group_per_minute", self.delivery.group_per_minute),
            ("delivery.channel_per_minute", self.delivery.channel_per_minute),
            ("delivery.paid_per_second", self.delivery.paid_per_second),
        ];
        if let Some((key, _)) = rates.iter().find(|(_, rate)| *rate == 0) {
            return Err(((*key).to_owned(), "must be at least 1".into()));
        }
        if !(1..=512).contains(&self.delivery.concurrency) {
            return Err(("delivery.concurrency".into(), "must be between 1 and 512".into()));
        }
        if self.delivery.shutdown_grace > Duration::from_secs(8) {
            return Err(("delivery.shutdown_grace".into(), "must be at most 8s (Warta exits within 10s)".into()));
        }
        self.validate_fetch()?;
        self.validate_bounds()?;
        self.validate_ranges()?;
        for (index, feed) in self.feeds.iter().enumerate() {
            if let Some(max) = feed.max_interval
                && max < feed.interval
            {
                return Err((
                    format!("feeds[{index}].max_interval"),
                    "must not be shorter than the feed's interval".into(),
                ));
            }
        }
        if let Some(public_url) = &self.websub.public_url {
            check_http_url(public_url).map_err(|m| ("websub.public_url".to_owned(), m))?;
            if self.http.listen.is_none() {
                return Err((
                    "websub.public_url".into(),
                    "needs [http] listen: hubs call back on Warta's HTTP listener".into(),
                ));
            }
        }
        if self.websub.lease < Duration::from_secs(60) {
            return Err(("websub.lease".into(), "must be at least 1m".into()));
        }
        Ok(())
    }

    /// Upper bounds for every duration that reaches time arithmetic: a
    /// typo such as "300000y" is refused at start instead of overflowing a
    /// date later in a running task.
    fn validate_bounds(&self) -> Result<(), (String, String)> {
        const DAY: Duration = Duration::from_secs(24 * 3600);
        let mut bounded: Vec<(String, Duration, Duration, &str)> = vec![
            ("fetch.edit_window".into(), self.fetch.edit_window, 30 * DAY, "30 days"),
            ("newsroom.silent_feed_after".into(), self.newsroom.silent_feed_after, 30 * DAY, "30 days"),
            ("fetch.max_interval".into(), self.fetch.max_interval, 7 * DAY, "7 days"),
            ("fetch.backoff_max".into(), self.fetch.backoff_max, 7 * DAY, "7 days"),
            ("fetch.min_interval".into(), self.fetch.min_interval, DAY, "24h"),
            ("fetch.timeout".into(), self.fetch.timeout, Duration::from_secs(600), "10m"),
            ("fetch.connect_timeout".into(), self.fetch.connect_timeout, Duration::from_secs(300), "5m"),
            ("delivery.retry_max".into(), self.delivery.retry_max, 7 * DAY, "7 days"),
            ("delivery.lease".into(), self.delivery.lease, Duration::from_secs(3600), "1h"),
            ("websub.lease".into(), self.websub.lease, 30 * DAY, "30 days"),
        ];
        if let Some(after) = self.newsroom.unpin_after {
            bounded.push(("newsroom.unpin_after".into(), after, 30 * DAY, "30 days"));
        }
        for (index, feed) in self.feeds.iter().enumerate() {
            if let Some(max) = feed.max_interval {
                bounded.push((format!("feeds[{index}].max_interval"), max, 7 * DAY, "7 days"));
            }
        }
        match bounded.into_iter().find(|(_, value, max, _)| value > max) {
            Some((key, value, _, max)) => {
                Err((key, format!("must be at most {max}, not {}", humantime::format_duration(value))))
            }
            None => Ok(()),
        }
    }

    /// Sane lower and upper bounds for the numbers and durations the checks
    /// above leave open: a typo ("1ns", "100000000", a 35,000-character
    /// template) is refused at start with the bound, not run with.
    fn validate_ranges(&self) -> Result<(), (String, String)> {
        const MINUTE: Duration = Duration::from_secs(60);
        const HOUR: Duration = Duration::from_secs(3600);
        let ms = Duration::from_millis;
        let durations: Vec<(String, Duration, Duration, Duration)> = vec![
            ("telegram.poll_timeout".into(), self.telegram.poll_timeout, Duration::from_secs(1), Duration::MAX),
            ("fetch.timeout".into(), self.fetch.timeout, ms(100), Duration::MAX),
            ("fetch.connect_timeout".into(), self.fetch.connect_timeout, ms(100), Duration::MAX),
            ("fetch.min_interval".into(), self.fetch.min_interval, ms(10), Duration::MAX),
            ("fetch.edit_window".into(), self.fetch.edit_window, MINUTE, Duration::MAX),
            ("delivery.retry_initial".into(), self.delivery.retry_initial, ms(10), HOUR),
            (
                "newsroom.silent_feed_after".into(),
                self.newsroom.silent_feed_after,
                Duration::from_secs(1),
                Duration::MAX,
            ),
            ("readers.command_refill".into(), self.readers.command_refill, ms(1), HOUR),
        ];
        for (key, value, min, max) in durations {
            if value < min || value > max {
                let bound = if max == Duration::MAX {
                    format!("at least {}", humantime::format_duration(min))
                } else {
                    format!("between {} and {}", humantime::format_duration(min), humantime::format_duration(max))
                };
                return Err((key, format!("must be {bound}, not {}", humantime::format_duration(value))));
            }
        }
        let mib = 1024 * 1024;
        let counts: Vec<(String, u64, u64, u64)> = vec![
            ("delivery.max_attempts".into(), self.delivery.max_attempts.into(), 1, 100),
            ("delivery.overall_per_second".into(), self.delivery.overall_per_second.into(), 1, 1000),
            ("delivery.paid_per_second".into(), self.delivery.paid_per_second.into(), 1, 1000),
            ("delivery.private_per_minute".into(), self.delivery.private_per_minute.into(), 1, 600),
            ("delivery.group_per_minute".into(), self.delivery.group_per_minute.into(), 1, 600),
            ("delivery.channel_per_minute".into(), self.delivery.channel_per_minute.into(), 1, 6000),
            ("fetch.alert_after".into(), self.fetch.alert_after.into(), 1, 1000),
            ("fetch.flood_threshold".into(), self.fetch.flood_threshold.into(), 1, 10_000),
            ("fetch.max_body".into(), as_count(self.fetch.max_body), 1024, 100 * mib),
            ("fetch.max_decompressed".into(), as_count(self.fetch.max_decompressed), 1024, 500 * mib),
            ("format.max_image_download".into(), as_count(self.format.max_image_download), 1024, 10 * mib),
            ("format.sponsored_label".into(), as_count(self.format.sponsored_label.chars().count()), 0, 64),
            (
                "format.template".into(),
                as_count(self.format.template.as_ref().map_or(0, |t| t.chars().count())),
                0,
                2000,
            ),
            ("format.hidden_categories".into(), as_count(self.format.hidden_categories.len()), 0, 200),
            ("format.sponsored_categories".into(), as_count(self.format.sponsored_categories.len()), 0, 200),
            ("format.remove_paragraphs".into(), as_count(self.format.remove_paragraphs.len()), 0, 200),
            ("readers.command_burst".into(), self.readers.command_burst.into(), 1, 10_000),
            ("admins.user_ids".into(), as_count(self.admins.user_ids.len()), 0, 100),
            ("feeds".into(), as_count(self.feeds.len()), 1, 500),
            ("channels".into(), as_count(self.channels.len()), 0, 100),
        ];
        let mut counts = counts;
        for (index, feed) in self.feeds.iter().enumerate() {
            counts.push((format!("feeds[{index}].backfill"), feed.backfill.into(), 0, 100));
            let name = feed.name.as_ref().map_or(0, |n| n.chars().count());
            counts.push((format!("feeds[{index}].name"), as_count(name), 0, 100));
        }
        for (key, value, min, max) in counts {
            if !(min..=max).contains(&value) {
                let unit = match key.as_str() {
                    "format.template" | "format.sponsored_label" => " characters long",
                    k if k.ends_with(".name") => " characters long",
                    k if k.starts_with("fetch.max_") || k == "format.max_image_download" => " bytes",
                    "feeds" | "channels" | "admins.user_ids" => " entries",
                    k if k.ends_with("categories") || k.ends_with("paragraphs") => " entries",
                    _ => "",
                };
                return Err((key, format!("must be between {min} and {max}{unit}, not {value}")));
            }
        }
        for (index, channel) in self.channels.iter().enumerate() {
            // Channels and groups have negative ids (supergroups and channels -100…); a
            // positive id is a person, and small negative ones are typos.
            if let ChatRef::Id(id) = channel.chat
                && id > -1000
            {
                return Err((
                    format!("channels[{index}].chat"),
                    format!("{id} is not a channel or group id (those are negative, like -1001234567890)"),
                ));
            }
        }
        Ok(())
    }

    fn validate_fetch(&self) -> Result<(), (String, String)> {
        let fetch = &self.fetch;
        let positive = [
            ("fetch.timeout", fetch.timeout),
            ("fetch.connect_timeout", fetch.connect_timeout),
            ("fetch.min_interval", fetch.min_interval),
            ("fetch.backoff_max", fetch.backoff_max),
        ];
        if let Some((key, _)) = positive.iter().find(|(_, value)| value.is_zero()) {
            return Err(((*key).to_owned(), "must be above zero".into()));
        }
        if fetch.max_interval < fetch.min_interval {
            return Err(("fetch.max_interval".into(), "must not be shorter than fetch.min_interval".into()));
        }
        if fetch.max_body < 1024 {
            return Err(("fetch.max_body".into(), "must be at least 1KiB".into()));
        }
        if fetch.max_decompressed < fetch.max_body {
            return Err(("fetch.max_decompressed".into(), "must be at least fetch.max_body".into()));
        }
        if fetch.alert_after == 0 {
            return Err(("fetch.alert_after".into(), "must be at least 1".into()));
        }
        for (index, host) in fetch.allow_hosts.iter().enumerate() {
            let host_part = host.trim();
            let unbracketed = host_part.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host_part);
            let valid = unbracketed.parse::<std::net::IpAddr>().is_ok()
                || (!host_part.is_empty()
                    && !host_part.contains(['/', ':', '@', ' '])
                    && url::Host::parse(host_part).is_ok());
            if !valid {
                return Err((
                    format!("fetch.allow_hosts[{index}]"),
                    format!("{host:?} is not a host name or IP address (no scheme, port or path)"),
                ));
            }
        }
        if fetch.backfill_pages > 50 {
            return Err(("fetch.backfill_pages".into(), "must be at most 50".into()));
        }
        Ok(())
    }
}

/// A size or count, for the range checks.
fn as_count(value: usize) -> u64 {
    u64::try_from(value).unwrap_or(u64::MAX)
}

/// Reads the bot token from the environment.
/// The longest token secret accepted (Telegram's are 35 characters).
const TOKEN_SECRET_MAX: usize = 128;

pub fn bot_token_from_env<I>(env: I) -> Result<BotToken, ConfigError>
where
    I: IntoIterator<Item = (String, String)>,
{
    let token = env
        .into_iter()
        .find_map(|(name, value)| (name == TOKEN_VAR).then_some(value))
        .ok_or(ConfigError::MissingToken)?;
    let token = token.trim();
    if token.is_empty() {
        return Err(ConfigError::MissingToken);
    }
    // "<bot id>:<secret>": the id a positive 64-bit number, the secret (35
    // characters today) of a sane length, so an absurd value is a config error.
    let well_formed = token.split_once(':').is_some_and(|(id, secret)| {
        !id.is_empty()
            && id.bytes().all(|b| b.is_ascii_digit())
            && id.parse::<i64>().is_ok_and(|id| id > 0)
            && (1..=TOKEN_SECRET_MAX).contains(&secret.len())
            && secret.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    });
    if !well_formed {
        return Err(ConfigError::MalformedToken);
    }
    Ok(BotToken::new(token))
}

fn check_http_url(url: &Url) -> Result<(), String> {
    match url.scheme() {
        "http" | "https" if url.host_str().is_some_and(|h| !h.is_empty()) => Ok(()),
        "http" | "https" => Err(format!("{url} has no host")),
        other => Err(format!("{url}: only http and https URLs are supported, not {other}:")),
    }
}

fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// Applies `WARTA__SECTION__KEY=value` variables to the parsed document.
/// Returns which key each variable set, so errors can name the variable.
fn apply_env_overrides<I>(document: &mut toml::Table, env: I) -> Result<BTreeMap<String, String>, ConfigError>
where
    I: IntoIterator<Item = (String, String)>,
{
    let mut applied = BTreeMap::new();
    let mut vars: Vec<(String, String)> = env.into_iter().filter(|(name, _)| name.starts_with(ENV_PREFIX)).collect();
    // Deterministic order, so that creating feeds[1] after feeds[0] works.
    vars.sort();
    for (var, raw) in vars {
        let segments: Vec<String> = var[ENV_PREFIX.len()..].split("__").map(|s| s.to_ascii_lowercase()).collect();
        if segments.iter().any(|s| s.is_empty()) {
            return Err(ConfigError::Env { var, message: "expected WARTA__SECTION__KEY".into() });
        }
        let key =
            set_path(document, &segments, &raw).map_err(|message| ConfigError::Env { var: var.clone(), message })?;
        applied.insert(key, var);
    }
    Ok(applied)
}

/// Sets one value; returns the key path in the same form serde_path_to_error prints.
fn set_path(document: &mut toml::Table, segments: &[String], raw: &str) -> Result<String, String> {
    let mut key = String::new();
    let mut table = document;
    let (last, parents) = segments.split_last().ok_or("empty key")?;
    let mut index = 0;
    while index < parents.len() {
        let name = &parents[index];
        if !key.is_empty() {
            key.push('.');
        }
        key.push_str(name);
        let next_is_index = parents.get(index + 1).and_then(|s| s.parse::<usize>().ok());
        match next_is_index {
            Some(position) => {
                let entry = table.entry(name.clone()).or_insert_with(|| toml::Value::Array(Vec::new()));
                let array = entry.as_array_mut().ok_or_else(|| format!("{key} is not a list"))?;
                if position > array.len() {
                    return Err(format!("{key}[{position}] does not exist ({key} has {} entries)", array.len()));
                }
                if position == array.len() {
                    array.push(toml::Value::Table(toml::Table::new()));
                }
                key.push_str(&format!("[{position}]"));
                table = array[position].as_table_mut().ok_or_else(|| format!("{key} is not a table"))?;
                index += 2;
            }
            None => {
                let entry = table.entry(name.clone()).or_insert_with(|| toml::Value::Table(toml::Table::new()));
                table = entry.as_table_mut().ok_or_else(|| format!("{key} is not a section"))?;
                index += 1;
            }
        }
    }
    if !key.is_empty() {
        key.push('.');
    }
    key.push_str(last);
    let value = env_value(table.get(last.as_str()), raw);
    table.insert(last.clone(), value);
    Ok(key)
}

/// Interprets an environment value: a string stays a string where the file has
/// a string; otherwise it is read as a TOML value (`42`, `true`, `[1, 2]`),
/// with bare comma lists accepted for lists.
fn env_value(existing: Option<&toml::Value>, raw: &str) -> toml::Value {
    let trimmed = raw.trim();
    match existing {
        Some(toml::Value::String(_)) => return toml::Value::String(raw.to_owned()),
        Some(toml::Value::Array(_)) if !trimmed.starts_with('[') => {
            if let Some(value) = parse_toml_value(&format!("[{trimmed}]")) {
                return value;
            }
        }
        _ => {}
    }
    parse_toml_value(trimmed).unwrap_or_else(|| toml::Value::String(raw.to_owned()))
}

fn parse_toml_value(raw: &str) -> Option<toml::Value> {
    let mut table: toml::Table = toml::from_str(&format!("value = {raw}")).ok()?;
    table.remove("value")
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
[[feeds]]
url = "https://kaltimtoday.co/feed/"
"#;

    fn load(text: &str, env: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let env = env.iter().map(|(k, v)| (k.to_string(), v.to_string()));
        Config::from_toml(text, Path::new("bot.toml"), env)
    }

    fn error(text: &str, env: &[(&str, &str)]) -> String {
        match load(text, env) {
            Ok(config) => panic!("expected an error, got {config:?}"),
            Err(err) => err.to_string(),
        }
    }

    #[test]
    fn shipped_example_is_valid() {
        let text = include_str!("../bot.toml");
        let config = load(text, &[]).expect("bot.toml parses");
        assert_eq!(config.feeds[0].url.as_str(), "https://kaltimtoday.co/feed/");
        assert_eq!(config.feeds[0].interval, Duration::from_secs(120));
        assert_eq!(config.channels[0].chat, ChatRef::Username("@kaltimtodaydotco".into()));
        assert_eq!(config.storage.database, PathBuf::from("data/warta.db"));
        assert_eq!(config.telegram.api_url.as_str(), "https://api.telegram.org/");
        assert_eq!(config.admins.user_ids, vec![123456789]);
    }

    #[test]
    fn defaults_fill_what_the_file_leaves_out() {
        let config = load(MINIMAL, &[]).expect("minimal config");
        assert_eq!(config.feeds[0].interval, Duration::from_secs(120));
        assert_eq!(config.format.timezone, chrono_tz::Asia::Makassar);
        assert!(config.channels.is_empty());
        assert_eq!(config.telegram.poll_timeout, Duration::from_secs(10));
    }

    #[test]
    fn environment_wins_over_the_file() {
        let config = load(
            MINIMAL,
            &[
                ("WARTA__TELEGRAM__API_URL", "http://127.0.0.1:9999"),
                ("WARTA__STORAGE__DATABASE", "/tmp/x.db"),
                ("WARTA__FEEDS__0__INTERVAL", "30s"),
                ("WARTA__ADMINS__USER_IDS", "[1, 2]"),
                ("WARTA__CHANNELS__0__CHAT", "-1001234567890"),
                ("UNRELATED", "ignored"),
            ],
        )
        .expect("overrides apply");
        assert_eq!(config.telegram.api_url.as_str(), "http://127.0.0.1:9999/");
        assert_eq!(config.storage.database, PathBuf::from("/tmp/x.db"));
        assert_eq!(config.feeds[0].interval, Duration::from_secs(30));
        assert_eq!(config.admins.user_ids, vec![1, 2]);
        assert_eq!(config.channels[0].chat, ChatRef::Id(-1001234567890));
    }

    #[test]
    fn numeric_looking_env_value_stays_a_string_where_the_file_has_one() {
        let text = format!("{MINIMAL}\n[storage]\ndatabase = \"a.db\"\n");
        let config = load(&text, &[("WARTA__STORAGE__DATABASE", "2024")]).expect("string kept");
        assert_eq!(config.storage.database, PathBuf::from("2024"));
    }

    #[test]
    fn comma_list_is_accepted_for_lists() {
        let text = format!("{MINIMAL}\n[admins]\nuser_ids = [5]\n");
        let config = load(&text, &[("WARTA__ADMINS__USER_IDS", "7, 8")]).expect("comma list");
        assert_eq!(config.admins.user_ids, vec![7, 8]);
    }

    #[test]
    fn errors_name_the_key_and_the_source() {
        /// (config text, environment, parts the message must contain)
        type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a [&'a str]);
        let cases: &[Case] = &[
            (
                "[[feeds]]\nurl = \"https://a.id/feed\"\ninterval = \"2x\"\n",
                &[],
                &["bot.toml", "feeds[0].interval", "invalid duration \"2x\""],
            ),
            ("[[feeds]]\nurl = \"not a url\"\n", &[], &["bot.toml", "feeds[0].url"]),
            ("[[feeds]]\nurl = \"ftp://a.id/feed\"\n", &[], &["feeds[0].url", "only http and https"]),
            ("[[feeds]]\ninterval = \"2m\"\n", &[], &["feeds[0]", "missing field `url`"]),
            ("[telegram]\napi_url = \"https://api.telegram.org\"\n", &[], &["bot.toml", "missing field `feeds`"]),
            ("feeds = []\n", &[], &["feeds", "at least one"]),
            (
                MINIMAL,
                &[("WARTA__FEEDS__0__INTERVAL", "soon")],
                &["WARTA__FEEDS__0__INTERVAL", "feeds[0].interval", "invalid duration"],
            ),
            (
                MINIMAL,
                &[("WARTA__FEEDS__3__URL", "https://x.id")],
                &["WARTA__FEEDS__3__URL", "feeds[3] does not exist"],
            ),
            (
                MINIMAL,
                &[("WARTA__TELEGRAM__APIURL", "x")],
                &["WARTA__TELEGRAM__APIURL", "telegram.apiurl", "unknown field"],
            ),
            (
                "[[feeds]]\nurl = \"https://a.id/feed\"\nintervall = \"2m\"\n",
                &[],
                &["feeds[0].intervall", "unknown field"],
            ),
            (
                "[[feeds]]\nurl = \"https://a.id/feed\"\n[[channels]]\nchat = \"kaltim\"\n",
                &[],
                &["channels[0].chat", "is not a chat"],
            ),
            ("[[feeds]]\nurl = \"https://a.id/feed\"\n[admins]\nuser_ids = [\"x\"]\n", &[], &["admins.user_ids[0]"]),
            (
                "[[feeds]]\nurl = \"https://a.id/feed\"\n[admins]\nuser_ids = [-5]\n",
                &[],
                &["admins.user_ids[0]", "positive"],
            ),
            (
                "[[feeds]]\nurl = \"https://a.id/feed\"\n[[feeds]]\nurl = \"https://a.id/feed\"\n",
                &[],
                &["feeds[1].url", "listed twice"],
            ),
            (
                "[[feeds]]\nurl = \"https://a.id/feed\"\n[format]\ntimezone = \"Mars/Olympus\"\n",
                &[],
                &["format.timezone", "unknown time zone"],
            ),
            (
                "[[feeds]]\nurl = \"https://a.id/feed\"\n[telegram]\npoll_timeout = \"30s\"\n",
                &[],
                &["telegram.poll_timeout", "at most 15s"],
            ),
        ];
        for (text, env, expected) in cases {
            let message = error(text, env);
            for part in *expected {
                assert!(message.contains(part), "{message:?} should contain {part:?}");
            }
        }
    }

    #[test]
    fn sizes_take_units() {
        assert_eq!(parse_size("5MiB"), Ok(5 * 1024 * 1024));
        assert_eq!(parse_size("512 KiB"), Ok(512 * 1024));
        assert_eq!(parse_size("10MB"), Ok(10_000_000));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert!(parse_size("5 parsecs").is_err());
        assert!(parse_size("MiB").is_err());
        let text = format!("{MINIMAL}\n[fetch]\nmax_body = 2048\nmax_decompressed = \"1MiB\"\n");
        let config = load(&text, &[]).expect("sizes");
        assert_eq!((config.fetch.max_body, config.fetch.max_decompressed), (2048, 1024 * 1024));
    }

    #[test]
    fn format_and_channel_options_are_read_and_checked() {
        let text = format!(
            "{MINIMAL}\n[format]\ntemplate = \"{{title}}\\n{{excerpt}}\"\nremove_paragraphs = [\"Dapatkan update\"]\n\
             [[channels]]\nchat = \"@kaltimtodaydotco\"\nlink_preview = \"large\"\nsilent = true\nutm_source = \"telegram\"\n"
        );
        let config = load(&text, &[]).expect("format options");
        assert_eq!(config.format.template.as_deref(), Some("{title}\n{excerpt}"));
        assert_eq!(config.channels[0].link_preview, PreviewSetting::Large);
        assert!(config.channels[0].silent);
        let bad = format!("{MINIMAL}\n[format]\ntemplate = \"{{judul}}\"\n");
        assert!(error(&bad, &[]).contains("format.template: unknown placeholder {judul}"), "{}", error(&bad, &[]));
        let bad = format!("{MINIMAL}\n[[channels]]\nchat = \"@kaltimtodaydotco\"\nlink_preview = \"huge\"\n");
        assert!(error(&bad, &[]).contains("channels[0].link_preview"));
    }

    #[test]
    fn websub_needs_the_http_listener() {
        let text = format!("{MINIMAL}\n[websub]\npublic_url = \"https://bot.example.id\"\n");
        assert!(error(&text, &[]).contains("needs [http] listen"));
        let text = format!("{text}\n[http]\nlisten = \"127.0.0.1:8080\"\n");
        let config = load(&text, &[]).expect("websub config");
        assert_eq!(config.http.listen, Some("127.0.0.1:8080".parse().expect("addr")));
    }

    #[test]
    fn allowed_hosts_are_bare_hosts() {
        let text =
            format!("{MINIMAL}\n[fetch]\nallow_hosts = [\"wp.intranet\", \"10.0.0.5\", \"[fd00::5]\", \"fd00::6\"]\n");
        let config = load(&text, &[]).expect("allow_hosts");
        assert_eq!(config.fetch.allow_hosts.len(), 4);
        for bad in ["http://wp.intranet", "wp.intranet:8080", "", "wp.intranet/feed"] {
            let text = format!("{MINIMAL}\n[fetch]\nallow_hosts = [\"ok.example\", \"{bad}\"]\n");
            let message = error(&text, &[]);
            assert!(
                message.contains("fetch.allow_hosts[1]") && message.contains("not a host name"),
                "{bad}: {message}"
            );
        }
    }

    #[test]
    fn syntax_errors_give_line_and_column() {
        let message = error("[[feeds]]\nurl = \"https://a.id/feed\"\ninterval = 2m\n", &[]);
        assert!(message.starts_with("bot.toml: invalid TOML at line 3"), "{message}");
    }

    #[test]
    fn missing_file_is_named() {
        let err = Config::load(Path::new("/nonexistent/warta.toml"), Vec::new()).expect_err("missing");
        assert!(err.to_string().contains("/nonexistent/warta.toml not found"), "{err}");
    }

    #[test]
    fn token_comes_only_from_bot_token_and_is_validated() {
        let env =
            |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>();
        assert!(matches!(bot_token_from_env(env(&[])), Err(ConfigError::MissingToken)));
        assert!(matches!(bot_token_from_env(env(&[("BOT_TOKEN", "  ")])), Err(ConfigError::MissingToken)));
        assert!(matches!(bot_token_from_env(env(&[("BOT_TOKEN", "hello")])), Err(ConfigError::MalformedToken)));
        assert!(matches!(bot_token_from_env(env(&[("BOT_TOKEN", "12:ab cd")])), Err(ConfigError::MalformedToken)));
        let token = bot_token_from_env(env(&[("BOT_TOKEN", "123456:AAH-secret_x")])).expect("valid");
        assert_eq!(token.expose(), "123456:AAH-secret_x");
    }

    #[test]
    fn token_never_shows_in_debug_or_errors() {
        let token = BotToken::new("123456:AAH-very-secret");
        assert!(!format!("{token:?}").contains("very-secret"));
        let err = bot_token_from_env(vec![("BOT_TOKEN".into(), "12:oops XYZZY".into())]).expect_err("malformed");
        assert!(!err.to_string().contains("XYZZY"), "{err}");
    }

    #[test]
    fn newsroom_settings_parse_and_bad_ones_are_named() {
        let config = load(MINIMAL, &[]).expect("defaults");
        assert_eq!(config.newsroom.preview_expiry, Duration::from_secs(600));
        assert_eq!(config.newsroom.unpin_after, None);
        let at = |h, m| chrono::NaiveTime::from_hms_opt(h, m, 0).expect("time");
        assert!(config.newsroom.daytime.contains(at(7, 0)) && !config.newsroom.daytime.contains(at(21, 0)));
        let text = format!("{MINIMAL}\n[newsroom]\nunpin_after = \"6h\"\ndaytime = \"22:00-02:30\"\n");
        let config = load(&text, &[]).expect("night shift");
        assert_eq!(config.newsroom.unpin_after, Some(Duration::from_secs(6 * 3600)));
        assert!(config.newsroom.daytime.contains(at(23, 0)) && config.newsroom.daytime.contains(at(1, 0)));
        assert!(!config.newsroom.daytime.contains(at(12, 0)));
        let text = format!("{MINIMAL}\n[newsroom]\ndaytime = \"00:00-00:00\"\n");
        let all_day = load(&text, &[]).expect("all day").newsroom.daytime;
        assert!(all_day.contains(at(0, 0)) && all_day.contains(at(23, 59)));
        for (bad, key) in [
            ("daytime = \"7-21\"", "newsroom.daytime"),
            ("daytime = \"25:00-07:00\"", "newsroom.daytime"),
            ("preview_expiry = \"0s\"", "newsroom.preview_expiry"),
            ("alert_check = \"2h\"", "newsroom.alert_check"),
            ("unpin_after = \"0s\"", "newsroom.unpin_after"),
        ] {
            let message = error(&format!("{MINIMAL}\n[newsroom]\n{bad}\n"), &[]);
            assert!(message.contains(key), "{bad}: {message}");
        }
    }
}
