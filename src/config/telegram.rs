//! `[telegram]`: where the Bot API is and how updates arrive.

use std::time::Duration;

use serde::Deserialize;
use url::Url;

use super::values::duration;

// Every key is optional: what is left out takes its value from `Default`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TelegramConfig {
    /// Bot API base URL.
    pub api_url: Url,
    /// Long-polling timeout for getUpdates; below the HTTP client's 17 s timeout.
    #[serde(deserialize_with = "duration")]
    pub poll_timeout: Duration,
    /// How updates arrive: long polling (default) or a webhook on `[http] listen`.
    pub mode: UpdateMode,
    /// Webhook mode: the public HTTPS URL Telegram posts updates to (its path is served).
    pub webhook_url: Option<Url>,
}

impl Default for TelegramConfig {
    fn default() -> Self {
        Self {
            api_url: Url::parse("https://api.telegram.org").expect("constant URL parses"),
            poll_timeout: Duration::from_secs(10),
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
