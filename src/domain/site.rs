//! Which site a URL is on: a newsroom's main feed and its category feeds are
//! one site (one name under posts, one publish ping).

use url::Url;

/// A site as configured feeds name it: host (lowercase, without `www.`) and any explicit port.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SiteKey {
    host: String,
    port: Option<u16>,
}

impl SiteKey {
    pub fn of(url: &Url) -> Option<Self> {
        let host = url.host_str()?.to_ascii_lowercase();
        let host = host.strip_prefix("www.").unwrap_or(&host).trim_end_matches('.').to_owned();
        // The scheme's default port is left out: a site pings as http and is fetched as https.
        Some(Self { host, port: url.port() })
    }

    /// Reads a site URL from a ping (a bare host gets `http://`).
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let url = Url::parse(text).ok().or_else(|| Url::parse(&format!("http://{text}")).ok())?;
        matches!(url.scheme(), "http" | "https").then_some(())?;
        Self::of(&url)
    }
}

impl std::fmt::Display for SiteKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.port {
            None => f.write_str(&self.host),
            Some(port) => write!(f, "{}:{port}", self.host),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sites_compare_by_host_and_port() {
        assert_eq!(SiteKey::parse("https://www.Kaltimtoday.co/"), SiteKey::parse("https://kaltimtoday.co/feed/"));
        assert_ne!(SiteKey::parse("http://127.0.0.1:8080/"), SiteKey::parse("http://127.0.0.1:9090/"));
        assert_eq!(SiteKey::parse("javascript:alert(1)"), None);
    }
}
