//! `[websub]`: WebSub (PubSubHubbub) push subscriptions.

use std::time::Duration;

use serde::Deserialize;
use url::Url;

use super::check::{self, Invalid, within};
use super::http::HttpConfig;
use super::value;

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebSubConfig {
    /// Public base URL at which hubs reach `[http] listen`; unset: WebSub off.
    pub public_url: Option<Url>,
    /// Subscription lease asked of hubs; renewed before it runs out.
    #[serde(deserialize_with = "value::duration")]
    pub lease: Duration,
}

impl Default for WebSubConfig {
    fn default() -> Self {
        Self { public_url: None, lease: Duration::from_secs(7 * 24 * 3600) }
    }
}

/// Bounds of `lease`.
pub(super) const LEASE: (Duration, Duration) = (Duration::from_secs(60), Duration::from_secs(30 * 24 * 3600));

impl WebSubConfig {
    /// Hubs call back on `[http] listen`, so that section is passed in.
    pub(super) fn validate(&self, http: &HttpConfig) -> Result<(), Invalid> {
        if let Some(public_url) = &self.public_url {
            check::http_url("websub.public_url", public_url)?;
            if http.listen.is_none() {
                return Err((
                    "websub.public_url".into(),
                    "needs [http] listen: hubs call back on Warta's HTTP listener".into(),
                ));
            }
        }
        within("websub.lease", self.lease, LEASE.0, LEASE.1, check::duration)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lease_bounds() {
        let http = HttpConfig::default();
        let with = |lease| WebSubConfig { lease, ..WebSubConfig::default() }.validate(&http);
        assert!(with(LEASE.0).is_ok() && with(LEASE.1).is_ok());
        let tick = Duration::from_millis(1);
        assert!(with(LEASE.0 - tick).expect_err("short").1.contains("at least 1m"));
        assert!(with(LEASE.1 + tick).expect_err("long").1.contains("at most 30 days"));
    }
}
