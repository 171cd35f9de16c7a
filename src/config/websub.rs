//! `[websub]`: push subscriptions.

use std::time::Duration;

use serde::Deserialize;
use url::Url;

use super::values::duration;

/// WebSub (PubSubHubbub) push subscriptions.
// Every key is optional: what is left out takes its value from `Default`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebSubConfig {
    /// Public base URL at which hubs reach `[http] listen`; unset: WebSub off.
    pub public_url: Option<Url>,
    /// Subscription lease asked of hubs; renewed before it runs out.
    #[serde(deserialize_with = "duration")]
    pub lease: Duration,
}

impl Default for WebSubConfig {
    fn default() -> Self {
        Self { public_url: None, lease: Duration::from_secs(7 * 24 * 3600) }
    }
}
