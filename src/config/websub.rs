//! `[websub]`: push subscriptions.

use std::time::Duration;

use serde::Deserialize;
use url::Url;

use super::values::duration;

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
