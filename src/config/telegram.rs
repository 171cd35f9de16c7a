//! `[telegram]`: where the Bot API is and how updates arrive.

use std::time::Duration;

use serde::Deserialize;
use url::Url;

use super::values::duration;

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
