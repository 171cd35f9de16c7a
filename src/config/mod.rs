//! Typed settings: defaults, then `bot.toml`, then `WARTA__SECTION__KEY`
//! environment variables (env wins). Validated once at start; every error
//! names the file, key or variable at fault.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use url::Url;

use crate::domain::ChatRef;

mod delivery;
mod feeds;
mod fetch;
mod format;
mod http;
mod newsroom;
mod readers;
mod secrets;
mod storage;
mod telegram;
mod validate;
mod values;
mod websub;

pub use delivery::DeliveryConfig;
pub use feeds::{AdminsConfig, ChannelConfig, FeedConfig, PreviewSetting};
pub use fetch::FetchConfig;
pub use format::FormatConfig;
pub use http::HttpConfig;
pub use newsroom::{Daytime, NewsroomConfig};
pub use readers::ReadersConfig;
pub use secrets::{BotToken, WebhookSecret, bot_token_from_env, webhook_secret_from_env};
pub use storage::StorageConfig;
pub use telegram::{TelegramConfig, UpdateMode};
pub use values::{parse_duration, parse_size};
pub use websub::WebSubConfig;

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
    use std::time::Duration;

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
        let text = include_str!("../../bot.toml");
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
