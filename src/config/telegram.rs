//! `[telegram]`: where the Bot API is and how updates arrive.

use std::time::Duration;

use serde::Deserialize;
use url::Url;

use super::check::{self, Invalid, within_because};
use super::http::HttpConfig;
use super::value;

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TelegramConfig {
    /// Bot API base URL.
    pub api_url: Url,
    /// Long-polling timeout for getUpdates; below the HTTP client's 17 s timeout.
    #[serde(deserialize_with = "value::duration")]
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

/// Bounds of `poll_timeout`.
pub(super) const POLL_TIMEOUT: (Duration, Duration) = (Duration::from_secs(1), Duration::from_secs(15));

impl TelegramConfig {
    /// The webhook also needs `[http] listen`, so that section is passed in.
    pub(super) fn validate(&self, http: &HttpConfig) -> Result<(), Invalid> {
        check::http_url("telegram.api_url", &self.api_url)?;
        if self.mode == UpdateMode::Webhook {
            let Some(url) = &self.webhook_url else {
                return Err((
                    "telegram.webhook_url".into(),
                    "webhook mode needs the public URL Telegram posts to".into(),
                ));
            };
            check::http_url("telegram.webhook_url", url)?;
            if http.listen.is_none() {
                return Err(("http.listen".into(), "webhook mode needs the HTTP listener's address".into()));
            }
        }
        within_because(
            "telegram.poll_timeout",
            self.poll_timeout,
            POLL_TIMEOUT,
            check::duration,
            "the HTTP client gives up after 17s",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poll_timeout_bounds() {
        let http = HttpConfig::default();
        let with = |poll_timeout| TelegramConfig { poll_timeout, ..TelegramConfig::default() }.validate(&http);
        assert!(with(POLL_TIMEOUT.0).is_ok() && with(POLL_TIMEOUT.1).is_ok());
        let low = with(POLL_TIMEOUT.0 - Duration::from_millis(1)).expect_err("below");
        assert_eq!(low.0, "telegram.poll_timeout");
        assert!(low.1.contains("at least 1s"), "{}", low.1);
        let high = with(POLL_TIMEOUT.1 + Duration::from_millis(1)).expect_err("above");
        assert!(high.1.contains("at most 15s"), "{}", high.1);
    }
}
