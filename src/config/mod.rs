//! Typed settings: defaults, then `bot.toml`, then `WARTA__SECTION__KEY`
//! environment variables (env wins). Validated once at start — types by
//! serde, ranges by each section's own `validate`; every error names the
//! file, key or variable at fault.
//!
//! One file per section of bot.toml, each with its struct, its defaults
//! (written once, in its `Default`) and its bounds.

mod admins;
mod channels;
mod check;
mod delivery;
mod digest;
mod env;
mod error;
mod feeds;
mod fetch;
mod format;
mod http;
mod newsroom;
mod readers;
mod secrets;
mod storage;
mod telegram;
mod value;
mod websub;

use std::path::Path;
#[cfg(test)]
use std::path::PathBuf;

use serde::Deserialize;

#[cfg(test)]
use crate::domain::ChatRef;
pub use admins::AdminsConfig;
pub use channels::{ChannelConfig, ChannelMode, PreviewSetting};
pub use delivery::DeliveryConfig;
pub use digest::DigestConfig;
pub use env::ENV_PREFIX;
pub use error::ConfigError;
pub use feeds::FeedConfig;
pub use fetch::FetchConfig;
pub use format::{FormatConfig, LayoutText};
pub use http::HttpConfig;
pub use newsroom::{Daytime, NewsroomConfig};
pub use readers::ReadersConfig;
pub use secrets::{
    BotToken, FETCH_SECRET_VAR, FetchSecret, TOKEN_VAR, WebhookSecret, bot_token_from_env, fetch_secret_from_env,
    webhook_secret_from_env,
};
pub use storage::StorageConfig;
pub use telegram::{TelegramConfig, UpdateMode};
pub use value::{parse_duration, parse_size};
pub use websub::WebSubConfig;

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
    #[serde(default)]
    pub digest: DigestConfig,
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
        let overrides = env::apply_env_overrides(&mut document, env)?;
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

    /// Checks what types alone cannot, section by section; returns the
    /// offending key and why.
    fn validate(&self) -> Result<(), check::Invalid> {
        self.telegram.validate(&self.http)?;
        self.storage.validate()?;
        feeds::validate(&self.feeds)?;
        channels::validate(&self.channels)?;
        self.newsroom.validate()?;
        self.readers.validate()?;
        self.digest.validate()?;
        self.admins.validate()?;
        self.format.validate()?;
        self.delivery.validate()?;
        self.fetch.validate()?;
        self.websub.validate(&self.http)
    }
}

fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::domain::DatabaseLocation;

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
        assert_eq!(config.storage.database, DatabaseLocation::File(PathBuf::from("data/warta.db")));
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
        assert_eq!(config.storage.database, DatabaseLocation::File(PathBuf::from("/tmp/x.db")));
        assert_eq!(config.feeds[0].interval, Duration::from_secs(30));
        assert_eq!(config.admins.user_ids, vec![1, 2]);
        assert_eq!(config.channels[0].chat, ChatRef::Id(-1001234567890));
    }

    #[test]
    fn numeric_looking_env_value_stays_a_string_where_the_file_has_one() {
        let text = format!("{MINIMAL}\n[storage]\ndatabase = \"a.db\"\n");
        let config = load(&text, &[("WARTA__STORAGE__DATABASE", "2024")]).expect("string kept");
        assert_eq!(config.storage.database, DatabaseLocation::File(PathBuf::from("2024")));
    }

    #[test]
    fn a_postgres_url_selects_postgresql_and_database_url_sets_it() {
        let url = "postgres://warta:pw@db.example/warta";
        let text = format!("{MINIMAL}\n[storage]\ndatabase = \"{url}\"\n");
        assert_eq!(load(&text, &[]).expect("url").storage.database, DatabaseLocation::Postgres(url.into()));
        let from_env = load(MINIMAL, &[("DATABASE_URL", url)]).expect("DATABASE_URL");
        assert_eq!(from_env.storage.database, DatabaseLocation::Postgres(url.into()));
        let both = load(MINIMAL, &[("DATABASE_URL", url), ("WARTA__STORAGE__DATABASE", "b.db")]).expect("both");
        assert_eq!(both.storage.database, DatabaseLocation::File(PathBuf::from("b.db")));
        let empty = load(MINIMAL, &[("DATABASE_URL", "")]).expect("empty ignored");
        assert_eq!(empty.storage.database, DatabaseLocation::File(PathBuf::from("data/warta.db")));
        let bad = load(MINIMAL, &[("DATABASE_URL", "postgres://[::1")]).map(|_| ()).expect_err("bad url");
        assert!(bad.to_string().contains("DATABASE_URL"), "{bad}");
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
