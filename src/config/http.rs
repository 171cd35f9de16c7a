//! `[http]`: Warta's own HTTP listener (health, metrics, WebSub callbacks, the webhook).

use serde::Deserialize;

/// Warta's own HTTP listener.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpConfig {
    /// Address to listen on, e.g. "0.0.0.0:8080"; unset: no listener.
    #[serde(default)]
    pub listen: Option<std::net::SocketAddr>,
}
