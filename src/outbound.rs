//! Outbound HTTP, one client for all of it: feeds (conditional GET,
//! redirects with permanent ones remembered, one outcome per response),
//! article images for the delivery worker, and WebSub requests. Wire and
//! decompressed size caps, timeouts, and an address policy (no private
//! addresses, see [`AddressPolicy`]) apply to every request. Built once by
//! `app.rs` and handed to the feed poller and the delivery worker.

use std::collections::HashSet;
use std::io::Read;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::{Client, StatusCode};
use url::Url;

/// Redirects followed before giving up.
pub const MAX_REDIRECTS: usize = 5;

/// Size and time limits of a fetch.
#[derive(Debug, Clone, Copy)]
pub struct FetchLimits {
    /// Largest body on the wire.
    pub max_body: usize,
    /// Largest body after decompression.
    pub max_decompressed: usize,
    pub connect_timeout: Duration,
    /// The whole fetch, redirects included.
    pub timeout: Duration,
}

impl Default for FetchLimits {
    fn default() -> Self {
        Self {
            max_body: 5 * 1024 * 1024,
            max_decompressed: 20 * 1024 * 1024,
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
        }
    }
}

/// What to fetch, with the validators of the last successful fetch.
#[derive(Debug, Clone, Copy)]
pub struct FetchRequest<'a> {
    pub url: &'a Url,
    pub etag: Option<&'a str>,
    pub last_modified: Option<&'a str>,
}

impl<'a> FetchRequest<'a> {
    /// An unconditional request.
    pub fn fresh(url: &'a Url) -> Self {
        Self { url, etag: None, last_modified: None }
    }
}

/// A successful fetch with a new body.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The body, decompressed.
    pub body: Vec<u8>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub content_type: Option<String>,
    /// Where the body came from after redirects.
    pub final_url: Url,
    /// Set when the feed answered with permanent redirects (301/308) from the start.
    pub moved_to: Option<Url>,
    /// `Cache-Control: max-age`.
    pub max_age: Option<Duration>,
    /// `Link: <…>; rel="hub"` headers (WebSub).
    pub hub_links: Vec<Url>,
    /// `Link: <…>; rel="self"` header (WebSub topic).
    pub self_link: Option<Url>,
    /// `Link: <…/wp-json/>; rel="https://api.w.org/"`: the site is WordPress, its REST API is there.
    pub wordpress_api: Option<Url>,
}

impl Fetched {
    /// The charset named by the Content-Type header, if any.
    pub fn charset(&self) -> Option<&str> {
        let content_type = self.content_type.as_deref()?;
        content_type.split(';').skip(1).find_map(|param| {
            let (name, value) = param.split_once('=')?;
            name.trim().eq_ignore_ascii_case("charset").then(|| value.trim().trim_matches('"'))
        })
    }
}

/// Every way a fetch can end.
#[derive(Debug, Clone)]
pub enum FetchOutcome {
    Modified(Box<Fetched>),
    /// 304: the stored copy is current.
    NotModified {
        max_age: Option<Duration>,
        moved_to: Option<Url>,
    },
    /// 429, possibly with Retry-After.
    RateLimited {
        retry_after: Option<Duration>,
    },
    /// 404 or 410.
    Gone {
        status: u16,
    },
    /// 5xx, possibly with Retry-After.
    ServerError {
        status: u16,
        retry_after: Option<Duration>,
    },
    /// Any other refusal (401, 403, 400, …).
    Refused {
        status: u16,
    },
    /// The body (or its decompressed form) is over the limit; not read further.
    TooLarge {
        limit: usize,
        decompressed: bool,
    },
    /// The answer is not a feed at all (empty, an HTML page, corrupt compression).
    NotAFeed {
        reason: String,
    },
    TimedOut {
        after: Duration,
    },
    /// Connection failures, redirect loops, bad redirects.
    Network(String),
    /// The address policy refused the host (or a redirect's): it is private.
    Blocked {
        reason: String,
    },
}

impl FetchOutcome {
    /// A short name for metrics.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Modified(_) => "modified",
            Self::NotModified { .. } => "not_modified",
            Self::RateLimited { .. } => "rate_limited",
            Self::Gone { .. } => "gone",
            Self::ServerError { .. } => "server_error",
            Self::Refused { .. } => "refused",
            Self::TooLarge { .. } => "too_large",
            Self::NotAFeed { .. } => "not_a_feed",
            Self::TimedOut { .. } => "timed_out",
            Self::Network(_) => "network_error",
            Self::Blocked { .. } => "blocked",
        }
    }

    /// Why the fetch failed, for logs and the feed's error state; `None` on success.
    pub fn failure(&self) -> Option<String> {
        match self {
            Self::Modified(_) | Self::NotModified { .. } => None,
            Self::RateLimited { retry_after } => Some(match retry_after {
                Some(wait) => format!("rate-limited (HTTP 429), retry after {}s", wait.as_secs()),
                None => "rate-limited (HTTP 429)".to_owned(),
            }),
            Self::Gone { status } => Some(format!("gone (HTTP {status})")),
            Self::ServerError { status, .. } => Some(format!("server error (HTTP {status})")),
            Self::Refused { status } => Some(format!("refused (HTTP {status})")),
            Self::TooLarge { limit, decompressed: false } => Some(format!("body larger than {limit} bytes")),
            Self::TooLarge { limit, decompressed: true } => {
                Some(format!("body larger than {limit} bytes once decompressed"))
            }
            Self::NotAFeed { reason } => Some(format!("not a feed: {reason}")),
            Self::TimedOut { after } => Some(format!("timed out after {}s", after.as_secs())),
            Self::Network(reason) => Some(format!("network error: {reason}")),
            Self::Blocked { reason } => Some(format!("refused by the address policy: {reason}")),
        }
    }

    /// The server's own word on when to come back.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { retry_after } | Self::ServerError { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// Which addresses outbound requests may reach. Everything a feed names —
/// its images, redirects, hubs — is fetched by Warta from inside the
/// newsroom's network, so by default only public addresses are allowed:
/// never loopback, private (RFC 1918, RFC 4193 ULA), link-local, CGNAT,
/// unspecified, multicast or reserved ones, nor cloud metadata endpoints.
/// Checked after DNS resolution (so a public name pointing inside is
/// refused too) and for every redirect hop. Hosts trusted by name — the
/// configured feeds' own and `fetch.allow_hosts` — may be anywhere.
#[derive(Debug, Clone, Default)]
pub struct AddressPolicy {
    /// Lower-case host names and IP literals (without brackets).
    trusted: Arc<HashSet<String>>,
}

impl AddressPolicy {
    /// Private addresses refused, except for `trusted_hosts`.
    pub fn new<S: AsRef<str>>(trusted_hosts: impl IntoIterator<Item = S>) -> Self {
        let trusted = trusted_hosts.into_iter().map(|host| normalize_host(host.as_ref())).collect();
        Self { trusted: Arc::new(trusted) }
    }

    /// Whether `host` is trusted by name.
    pub fn trusts(&self, host: &str) -> bool {
        self.trusted.contains(&normalize_host(host))
    }

    /// Refuses a URL whose host is a private IP literal (names are checked
    /// once resolved).
    pub fn check_url(&self, url: &Url) -> Result<(), AddressRefused> {
        let ip = match url.host() {
            Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip),
            Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip),
            Some(url::Host::Domain(_)) | None => return Ok(()),
        };
        if url.host_str().is_some_and(|host| self.trusts(host)) {
            return Ok(());
        }
        match refused_kind(ip) {
            Some(kind) => Err(AddressRefused(format!("{url} is on a {kind} address ({ip})"))),
            None => Ok(()),
        }
    }
}

fn normalize_host(host: &str) -> String {
    host.trim().trim_start_matches('[').trim_end_matches(']').trim_end_matches('.').to_ascii_lowercase()
}

/// A request the address policy refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct AddressRefused(String);

/// What kind of non-public address `ip` is; `None` for a public one.
pub fn refused_kind(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => refused_v4(v4),
        IpAddr::V6(v6) => refused_v6(v6),
    }
}

fn refused_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, _, _] = ip.octets();
    match (a, b) {
        (169, 254) if ip == Ipv4Addr::new(169, 254, 169, 254) => Some("cloud metadata"),
        _ if ip.is_loopback() => Some("loopback"),
        _ if ip.is_private() => Some("private"),
        _ if ip.is_link_local() => Some("link-local"),
        (100, 64..=127) => Some("shared (CGNAT)"),
        (0, _) => Some("unspecified"),
        _ if ip.is_multicast() => Some("multicast"),
        // 240.0.0.0/4 and the broadcast address; 192.0.0.0/24 (IETF protocol assignments).
        (240..=255, _) => Some("reserved"),
        (192, 0) if ip.octets()[2] == 0 => Some("reserved"),
        _ => None,
    }
}

fn refused_v6(ip: Ipv6Addr) -> Option<&'static str> {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return refused_v4(v4);
    }
    let segments = ip.segments();
    // NAT64 (64:ff9b::/96) reaches the IPv4 address inside.
    if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        let [a, b] = segments[6].to_be_bytes();
        let [c, d] = segments[7].to_be_bytes();
        return refused_v4(Ipv4Addr::new(a, b, c, d));
    }
    match segments[0] {
        _ if ip == Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254) => Some("cloud metadata"),
        _ if ip.is_loopback() => Some("loopback"),
        _ if ip.is_unspecified() => Some("unspecified"),
        // IPv4-compatible (::a.b.c.d, deprecated): nothing public lives there.
        0 if segments[1..6] == [0, 0, 0, 0, 0] => Some("reserved"),
        first if first & 0xfe00 == 0xfc00 => Some("private (unique local)"),
        first if first & 0xffc0 == 0xfe80 => Some("link-local"),
        first if first & 0xffc0 == 0xfec0 => Some("site-local"),
        first if first & 0xff00 == 0xff00 => Some("multicast"),
        _ => None,
    }
}

/// Resolves names for reqwest, keeping only the addresses the policy allows.
#[derive(Debug)]
struct PolicyResolver {
    policy: AddressPolicy,
}

impl reqwest::dns::Resolve for PolicyResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.policy.clone();
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let resolved: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if policy.trusts(&host) {
                return Ok(Box::new(resolved.into_iter()) as reqwest::dns::Addrs);
            }
            let (allowed, refused): (Vec<SocketAddr>, Vec<SocketAddr>) =
                resolved.into_iter().partition(|addr| refused_kind(addr.ip()).is_none());
            if allowed.is_empty()
                && let Some(first) = refused.first()
            {
                let kind = refused_kind(first.ip()).unwrap_or("private");
                let refusal = AddressRefused(format!("{host} resolves to a {kind} address ({})", first.ip()));
                return Err(Box::new(refusal) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(allowed.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// Fetches feeds over HTTP.
#[derive(Debug, Clone)]
pub struct Fetcher {
    client: Client,
    limits: FetchLimits,
    /// `None`: any address (operator tools: `warta preview`, tests).
    policy: Option<AddressPolicy>,
}

#[derive(Debug, thiserror::Error)]
#[error("cannot build the HTTP client: {0}")]
pub struct FetcherError(String);

impl Fetcher {
    /// A fetcher that may reach any address; see [`Self::with_policy`].
    pub fn new(limits: FetchLimits) -> Result<Self, FetcherError> {
        let client = Self::client_builder(limits).build().map_err(|err| FetcherError(err.to_string()))?;
        Ok(Self { client, limits, policy: None })
    }

    /// A fetcher that reaches only what `policy` allows (what `warta run` uses).
    pub fn with_policy(limits: FetchLimits, policy: AddressPolicy) -> Result<Self, FetcherError> {
        let resolver = Arc::new(PolicyResolver { policy: policy.clone() });
        let client = Self::client_builder(limits)
            .dns_resolver(resolver)
            // A proxy would resolve names itself, past the policy.
            .no_proxy()
            .build()
            .map_err(|err| FetcherError(err.to_string()))?;
        Ok(Self { client, limits, policy: Some(policy) })
    }

    fn client_builder(limits: FetchLimits) -> reqwest::ClientBuilder {
        Client::builder()
            .user_agent(concat!("Warta/", env!("CARGO_PKG_VERSION"), " (Telegram news bot; feed reader)"))
            .connect_timeout(limits.connect_timeout)
            .timeout(limits.timeout)
            // Redirects are followed by hand, to remember permanent ones (and check each hop).
            .redirect(reqwest::redirect::Policy::none())
    }

    /// Refuses `url` when its host is an IP literal the policy does not allow.
    fn check_address(&self, url: &Url) -> Result<(), FetchOutcome> {
        match &self.policy {
            Some(policy) => policy.check_url(url).map_err(|refused| FetchOutcome::Blocked { reason: refused.0 }),
            None => Ok(()),
        }
    }

    pub fn limits(&self) -> FetchLimits {
        self.limits
    }

    /// GETs the feed, conditionally when validators are given.
    pub async fn fetch(&self, request: FetchRequest<'_>) -> FetchOutcome {
        match tokio::time::timeout(self.limits.timeout, self.fetch_following_redirects(request)).await {
            Ok(outcome) => outcome,
            Err(_) => FetchOutcome::TimedOut { after: self.limits.timeout },
        }
    }

    /// Downloads an image (to upload it when Telegram cannot fetch it itself),
    /// at most `max_bytes`; refuses anything that is not an image.
    pub async fn fetch_image(&self, url: &Url, max_bytes: usize) -> Result<Vec<u8>, String> {
        let limited = Self {
            client: self.client.clone(),
            limits: FetchLimits { max_body: max_bytes, max_decompressed: max_bytes, ..self.limits },
            policy: self.policy.clone(),
        };
        match limited.fetch(FetchRequest::fresh(url)).await {
            FetchOutcome::Modified(fetched) => {
                let declared_image = fetched
                    .content_type
                    .as_deref()
                    .is_some_and(|t| t.trim().to_ascii_lowercase().starts_with("image/"));
                if declared_image || looks_like_image(&fetched.body) {
                    Ok(fetched.body)
                } else {
                    Err(format!(
                        "{url} is not an image ({})",
                        fetched.content_type.as_deref().unwrap_or("no content type")
                    ))
                }
            }
            other => Err(other.failure().unwrap_or_else(|| "not modified".to_owned())),
        }
    }

    /// The `<head>` of an HTML page (to read its `og:image`): at most
    /// `max_bytes`, uncompressed, reading stops at `</head>`. Redirects are
    /// followed (each hop checked against the address policy).
    pub async fn fetch_page_head(&self, url: &Url, max_bytes: usize) -> Result<(Url, String), String> {
        match tokio::time::timeout(self.limits.timeout, self.read_page_head(url, max_bytes)).await {
            Ok(result) => result,
            Err(_) => Err(format!("timed out after {}s", self.limits.timeout.as_secs())),
        }
    }

    async fn read_page_head(&self, url: &Url, max_bytes: usize) -> Result<(Url, String), String> {
        let mut url = url.clone();
        for _ in 0..=MAX_REDIRECTS {
            if let Err(refused) = self.check_address(&url) {
                return Err(refused.failure().unwrap_or_default());
            }
            let mut response = self
                .client
                .get(url.clone())
                .header(header::ACCEPT, "text/html,application/xhtml+xml")
                .header(header::ACCEPT_ENCODING, "identity")
                .send()
                .await
                .map_err(|err| classify_error(&err, self.limits.timeout).failure().unwrap_or_default())?;
            let status = response.status();
            if status.is_redirection() {
                let location = header_str(response.headers(), header::LOCATION).ok_or("redirect without Location")?;
                url = url.join(location.trim()).map_err(|err| err.to_string())?;
                if !matches!(url.scheme(), "http" | "https") {
                    return Err(format!("redirect to {url}"));
                }
                continue;
            }
            if !status.is_success() {
                return Err(format!("HTTP {}", status.as_u16()));
            }
            let html = header_str(response.headers(), header::CONTENT_TYPE)
                .is_none_or(|t| t.to_ascii_lowercase().contains("html"));
            let compressed = header_str(response.headers(), header::CONTENT_ENCODING)
                .is_some_and(|e| !e.trim().eq_ignore_ascii_case("identity"));
            if !html || compressed {
                return Err("not an uncompressed HTML page".to_owned());
            }
            let mut head = Vec::new();
            while let Some(chunk) = response
                .chunk()
                .await
                .map_err(|err| classify_error(&err, self.limits.timeout).failure().unwrap_or_default())?
            {
                head.extend_from_slice(&chunk[..chunk.len().min(max_bytes - head.len())]);
                if head.len() >= max_bytes || contains_ignore_case(&head, b"</head>") {
                    break;
                }
            }
            return Ok((url, String::from_utf8_lossy(&head).into_owned()));
        }
        Err(format!("more than {MAX_REDIRECTS} redirects"))
    }

    /// POSTs a form (a WebSub subscription request); returns the status code.
    pub async fn post_form(&self, url: &Url, form: &[(&str, &str)]) -> Result<u16, String> {
        if let Err(refused) = self.check_address(url) {
            return Err(refused.failure().unwrap_or_default());
        }
        let body: String = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
        let request = self
            .client
            .post(url.clone())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body)
            .send();
        match tokio::time::timeout(self.limits.timeout, request).await {
            Ok(Ok(response)) => Ok(response.status().as_u16()),
            Ok(Err(err)) => Err(classify_error(&err, self.limits.timeout).failure().unwrap_or_default()),
            Err(_) => Err(format!("timed out after {}s", self.limits.timeout.as_secs())),
        }
    }

    async fn fetch_following_redirects(&self, request: FetchRequest<'_>) -> FetchOutcome {
        let mut url = request.url.clone();
        let mut visited = HashSet::from([url.clone()]);
        let mut moved_to = None;
        let mut all_permanent = true;
        for hop in 0..=MAX_REDIRECTS {
            if let Err(refused) = self.check_address(&url) {
                return refused;
            }
            let response = match self.client.get(url.clone()).headers(request_headers(request)).send().await {
                Ok(response) => response,
                Err(err) => return classify_error(&err, self.limits.timeout),
            };
            let status = response.status();
            if !status.is_redirection() || status == StatusCode::NOT_MODIFIED {
                return self.read_response(response, moved_to).await;
            }
            let Some(location) = header_str(response.headers(), header::LOCATION) else {
                return FetchOutcome::Network(format!("HTTP {} without a Location header", status.as_u16()));
            };
            let next = match url.join(location.trim()) {
                Ok(next) if matches!(next.scheme(), "http" | "https") => next,
                _ => return FetchOutcome::Network(format!("redirect to an unusable location {location:?}")),
            };
            if hop == MAX_REDIRECTS {
                return FetchOutcome::Network(format!("more than {MAX_REDIRECTS} redirects"));
            }
            if !visited.insert(next.clone()) {
                return FetchOutcome::Network(format!("redirect loop at {next}"));
            }
            let permanent = matches!(status, StatusCode::MOVED_PERMANENTLY | StatusCode::PERMANENT_REDIRECT);
            all_permanent &= permanent;
            if all_permanent {
                moved_to = Some(next.clone());
            }
            url = next;
        }
        FetchOutcome::Network(format!("more than {MAX_REDIRECTS} redirects"))
    }

    async fn read_response(&self, mut response: reqwest::Response, moved_to: Option<Url>) -> FetchOutcome {
        let status = response.status();
        let headers = response.headers().clone();
        let retry_after = header_str(&headers, header::RETRY_AFTER).and_then(|v| parse_retry_after(&v));
        let max_age = header_str(&headers, header::CACHE_CONTROL).and_then(|v| parse_max_age(&v));
        match status.as_u16() {
            304 => return FetchOutcome::NotModified { max_age, moved_to },
            429 => return FetchOutcome::RateLimited { retry_after },
            404 | 410 => return FetchOutcome::Gone { status: status.as_u16() },
            500..=599 => return FetchOutcome::ServerError { status: status.as_u16(), retry_after },
            200..=299 => {}
            other => return FetchOutcome::Refused { status: other },
        }
        let limit = self.limits.max_body;
        if response.content_length().is_some_and(|len| len > limit as u64) {
            return FetchOutcome::TooLarge { limit, decompressed: false };
        }
        let final_url = response.url().clone();
        let mut raw = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if raw.len() + chunk.len() > limit {
                        return FetchOutcome::TooLarge { limit, decompressed: false };
                    }
                    raw.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(err) => return classify_error(&err, self.limits.timeout),
            }
        }
        let encoding = header_str(&headers, header::CONTENT_ENCODING);
        let body = match decode_body(raw, encoding.as_deref(), self.limits.max_decompressed) {
            Ok(body) => body,
            Err(DecodeError::TooLarge) => {
                return FetchOutcome::TooLarge { limit: self.limits.max_decompressed, decompressed: true };
            }
            Err(DecodeError::Corrupt(reason)) => return FetchOutcome::NotAFeed { reason },
        };
        if body.iter().all(u8::is_ascii_whitespace) {
            return FetchOutcome::NotAFeed { reason: "empty body".to_owned() };
        }
        let links = parse_link_headers(&headers, &final_url);
        FetchOutcome::Modified(Box::new(Fetched {
            body,
            etag: header_str(&headers, header::ETAG),
            last_modified: header_str(&headers, header::LAST_MODIFIED),
            content_type: header_str(&headers, header::CONTENT_TYPE),
            final_url,
            moved_to,
            max_age,
            hub_links: links.hubs,
            self_link: links.self_link,
            wordpress_api: links.wordpress_api,
        }))
    }
}

fn contains_ignore_case(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|window| window.eq_ignore_ascii_case(needle))
}

/// JPEG, PNG, GIF or WebP by their magic bytes.
fn looks_like_image(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0xFF, 0xD8, 0xFF])
        || bytes.starts_with(b"\x89PNG")
        || bytes.starts_with(b"GIF8")
        || (bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP")
}

fn request_headers(request: FetchRequest<'_>) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(
        header::ACCEPT,
        HeaderValue::from_static(
            "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, \
             application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5",
        ),
    );
    headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_static("gzip, deflate, br"));
    if let Some(value) = request.etag.and_then(|v| HeaderValue::from_str(&revalidation_etag(v)).ok()) {
        headers.insert(header::IF_NONE_MATCH, value);
    }
    if let Some(value) = request.last_modified.and_then(|v| HeaderValue::from_str(v).ok()) {
        headers.insert(header::IF_MODIFIED_SINCE, value);
    }
    headers
}

/// The ETag to send back. Apache's compression appends `-gzip` (mod_deflate)
/// or `-br` (mod_brotli) to the ETag of what it compresses, but what it hands
/// the application (WordPress, which answers 304 only when both validators
/// match) and compares itself for static files is the ETag without it.
pub fn revalidation_etag(etag: &str) -> String {
    let etag = etag.trim();
    for suffix in ["-gzip\"", "-br\""] {
        if let Some(stem) = etag.strip_suffix(suffix)
            && stem.contains('"')
        {
            return format!("{stem}\"");
        }
    }
    etag.to_owned()
}

fn header_str(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

fn classify_error(err: &reqwest::Error, timeout: Duration) -> FetchOutcome {
    if err.is_timeout() {
        return FetchOutcome::TimedOut { after: timeout };
    }
    // The root cause ("connection refused") hides behind "error sending request".
    let mut message = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        if let Some(refused) = cause.downcast_ref::<AddressRefused>() {
            return FetchOutcome::Blocked { reason: refused.0.clone() };
        }
        message = format!("{message}: {cause}");
        source = cause.source();
    }
    FetchOutcome::Network(message)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    TooLarge,
    Corrupt(String),
}

/// Undoes `Content-Encoding` (gzip, deflate, br), and gzip sent without saying
/// so, reading at most `max` bytes of output: a bomb is refused, not inflated.
pub fn decode_body(raw: Vec<u8>, content_encoding: Option<&str>, max: usize) -> Result<Vec<u8>, DecodeError> {
    let mut body = raw;
    let declared: Vec<String> = content_encoding
        .unwrap_or_default()
        .split(',')
        .map(|e| e.trim().to_ascii_lowercase())
        .filter(|e| !e.is_empty() && e != "identity")
        .collect();
    // Encodings apply in order; undo them in reverse.
    for encoding in declared.iter().rev() {
        body = match encoding.as_str() {
            "gzip" | "x-gzip" => inflate(flate2::read::MultiGzDecoder::new(&body[..]), max, "gzip")?,
            "deflate" => match inflate(flate2::read::ZlibDecoder::new(&body[..]), max, "deflate") {
                // Some servers send raw deflate under this name.
                Err(DecodeError::Corrupt(_)) => inflate(flate2::read::DeflateDecoder::new(&body[..]), max, "deflate")?,
                other => other?,
            },
            "br" => inflate(brotli_decompressor::Decompressor::new(&body[..], 8192), max, "brotli")?,
            other => return Err(DecodeError::Corrupt(format!("unsupported Content-Encoding {other:?}"))),
        };
    }
    if body.starts_with(&[0x1f, 0x8b]) {
        body = inflate(flate2::read::MultiGzDecoder::new(&body[..]), max, "gzip")?;
    }
    if body.len() > max {
        return Err(DecodeError::TooLarge);
    }
    Ok(body)
}

fn inflate(reader: impl Read, max: usize, name: &str) -> Result<Vec<u8>, DecodeError> {
    let mut out = Vec::new();
    let limit = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    reader
        .take(limit)
        .read_to_end(&mut out)
        .map_err(|err| DecodeError::Corrupt(format!("corrupt {name} body: {err}")))?;
    if out.len() > max {
        return Err(DecodeError::TooLarge);
    }
    Ok(out)
}

/// Retry-After: delay-seconds or an HTTP date.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    Some((at.with_timezone(&chrono::Utc) - chrono::Utc::now()).to_std().unwrap_or(Duration::ZERO))
}

/// `max-age` of a Cache-Control header (ignored under `no-cache`/`no-store`).
pub fn parse_max_age(value: &str) -> Option<Duration> {
    let directives: Vec<String> = value.split(',').map(|d| d.trim().to_ascii_lowercase()).collect();
    if directives.iter().any(|d| d == "no-cache" || d == "no-store") {
        return None;
    }
    directives.iter().find_map(|d| d.strip_prefix("max-age=")?.trim_matches('"').parse().ok().map(Duration::from_secs))
}

/// `Link: <https://hub.example/>; rel="hub", <https://site/feed>; rel="self"`.
/// What a response's `Link` headers name.
#[derive(Debug, Default)]
struct Links {
    hubs: Vec<Url>,
    self_link: Option<Url>,
    wordpress_api: Option<Url>,
}

fn parse_link_headers(headers: &HeaderMap, base: &Url) -> Links {
    let mut hubs = Vec::new();
    let mut self_link = None;
    let mut wordpress_api = None;
    for value in headers.get_all(header::LINK).iter().filter_map(|v| v.to_str().ok()) {
        for link in split_links(value) {
            let Some((target, params)) = link.trim().strip_prefix('<').and_then(|rest| rest.split_once('>')) else {
                continue;
            };
            let Ok(url) = base.join(target.trim()) else { continue };
            let rels: Vec<String> = params
                .split(';')
                .filter_map(|p| p.trim().strip_prefix("rel="))
                .flat_map(|r| r.trim_matches('"').split_whitespace().map(str::to_ascii_lowercase).collect::<Vec<_>>())
                .collect();
            if rels.iter().any(|r| r == "hub") {
                hubs.push(url.clone());
            }
            if rels.iter().any(|r| r == "https://api.w.org/") {
                wordpress_api = Some(url.clone());
            }
            if rels.iter().any(|r| r == "self") {
                self_link = Some(url);
            }
        }
    }
    Links { hubs, self_link, wordpress_api }
}

/// Splits a Link header at the commas between links (not those inside <…>).
fn split_links(value: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (index, ch) in value.char_indices() {
        match ch {
            '<' => depth += 1,
            '>' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                parts.push(&value[start..index]);
                start = index + 1;
            }
            _ => {}
        }
    }
    parts.push(&value[start..]);
    parts
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(data).expect("compress");
        encoder.finish().expect("finish")
    }

    #[test]
    fn decodes_declared_and_sniffed_gzip_and_deflate() {
        let feed = b"<rss version=\"2.0\"></rss>".to_vec();
        assert_eq!(decode_body(gzip(&feed), Some("gzip"), 1024), Ok(feed.clone()));
        assert_eq!(decode_body(gzip(&feed), None, 1024), Ok(feed.clone()), "gzip without Content-Encoding");
        let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        zlib.write_all(&feed).expect("compress");
        assert_eq!(decode_body(zlib.finish().expect("finish"), Some("deflate"), 1024), Ok(feed.clone()));
        let mut raw = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        raw.write_all(&feed).expect("compress");
        assert_eq!(decode_body(raw.finish().expect("finish"), Some("deflate"), 1024), Ok(feed.clone()));
        assert_eq!(decode_body(feed.clone(), Some("identity"), 1024), Ok(feed));
    }

    #[test]
    fn a_bomb_is_refused_at_the_cap() {
        let bomb = gzip(&vec![b' '; 50 * 1024 * 1024]);
        assert!(bomb.len() < 100 * 1024, "50 MiB of spaces compress to {} bytes", bomb.len());
        assert_eq!(decode_body(bomb, Some("gzip"), 1024 * 1024), Err(DecodeError::TooLarge));
    }

    #[test]
    fn corrupt_compression_is_reported() {
        let result = decode_body(vec![0x1f, 0x8b, 1, 2, 3], Some("gzip"), 1024);
        assert!(matches!(result, Err(DecodeError::Corrupt(_))), "{result:?}");
        assert!(matches!(decode_body(b"x".to_vec(), Some("zstd"), 1024), Err(DecodeError::Corrupt(_))));
    }

    #[test]
    fn reads_cache_and_retry_hints() {
        assert_eq!(parse_max_age("public, max-age=600"), Some(Duration::from_secs(600)));
        assert_eq!(parse_max_age("max-age=600, no-cache"), None);
        assert_eq!(parse_retry_after(" 120 "), Some(Duration::from_secs(120)));
        let soon = (chrono::Utc::now() + chrono::Duration::seconds(90)).to_rfc2822();
        let wait = parse_retry_after(&soon).expect("http date");
        assert!(wait > Duration::from_secs(80) && wait <= Duration::from_secs(90), "{wait:?}");
        assert_eq!(parse_retry_after("Mon, 01 Jan 2001 00:00:00 GMT"), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon"), None);
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("ip")
    }

    #[test]
    fn private_and_special_addresses_are_refused() {
        let table = [
            ("127.0.0.1", Some("loopback")),
            ("127.0.0.2", Some("loopback")),
            ("10.1.2.3", Some("private")),
            ("172.16.0.1", Some("private")),
            ("172.31.255.255", Some("private")),
            ("192.168.1.10", Some("private")),
            ("169.254.169.254", Some("cloud metadata")),
            ("169.254.1.1", Some("link-local")),
            ("100.64.0.1", Some("shared (CGNAT)")),
            ("100.127.255.254", Some("shared (CGNAT)")),
            ("0.0.0.0", Some("unspecified")),
            ("224.0.0.1", Some("multicast")),
            ("255.255.255.255", Some("reserved")),
            ("::1", Some("loopback")),
            ("::", Some("unspecified")),
            ("fe80::1", Some("link-local")),
            ("fc00::1", Some("private (unique local)")),
            ("fd12:3456::1", Some("private (unique local)")),
            ("fd00:ec2::254", Some("cloud metadata")),
            ("ff02::1", Some("multicast")),
            ("::ffff:127.0.0.2", Some("loopback")),
            ("::ffff:10.0.0.1", Some("private")),
            ("::ffff:169.254.169.254", Some("cloud metadata")),
            ("64:ff9b::a00:1", Some("private")),
            ("::127.0.0.1", Some("reserved")),
        ];
        for (address, expected) in table {
            assert_eq!(refused_kind(ip(address)), expected, "{address}");
        }
    }

    #[test]
    fn public_addresses_are_allowed() {
        for address in
            ["1.1.1.1", "103.10.20.30", "172.32.0.1", "100.128.0.1", "192.0.2.1", "2606:4700::1111", "::ffff:8.8.8.8"]
        {
            assert_eq!(refused_kind(ip(address)), None, "{address}");
        }
    }

    #[test]
    fn literal_urls_are_checked_unless_their_host_is_trusted() {
        let policy = AddressPolicy::new(["127.0.0.1", "Intranet.Example", "[fd00::5]"]);
        let url = |text: &str| Url::parse(text).expect("url");
        assert_eq!(policy.check_url(&url("http://127.0.0.1:8080/feed")), Ok(()));
        assert_eq!(policy.check_url(&url("http://[fd00::5]/feed")), Ok(()));
        assert_eq!(policy.check_url(&url("https://kaltimtoday.co/img.jpg")), Ok(()), "names wait for resolution");
        let refused = policy.check_url(&url("http://127.0.0.2:8080/img.jpg")).expect_err("another loopback host");
        assert!(refused.to_string().contains("loopback address (127.0.0.2)"), "{refused}");
        assert!(policy.check_url(&url("http://[::ffff:169.254.169.254]/latest/meta-data/")).is_err());
        assert!(policy.trusts("intranet.example."));
    }

    #[tokio::test]
    async fn names_resolving_to_private_addresses_are_refused() {
        use reqwest::dns::Resolve;
        let resolver = PolicyResolver { policy: AddressPolicy::new(["trusted.localhost"]) };
        let name = |text: &str| text.parse::<reqwest::dns::Name>().expect("name");
        let refused = resolver.resolve(name("localhost")).await.err().expect("localhost is loopback");
        assert!(refused.to_string().contains("localhost resolves to a loopback address"), "{refused}");
        let policy = AddressPolicy::new(["localhost"]);
        let trusted = PolicyResolver { policy };
        let addrs: Vec<SocketAddr> = trusted.resolve(name("localhost")).await.expect("trusted").collect();
        assert!(!addrs.is_empty());
    }

    #[test]
    fn reads_websub_link_headers() {
        let mut headers = HeaderMap::new();
        headers.append(
            header::LINK,
            HeaderValue::from_static("<https://hub.example/>; rel=\"hub\", </feed/>; rel=\"self\""),
        );
        headers.append(
            header::LINK,
            HeaderValue::from_static("<https://kaltimtoday.co/wp-json/>; rel=\"https://api.w.org/\""),
        );
        let base = Url::parse("https://kaltimtoday.co/feed/").expect("url");
        let links = parse_link_headers(&headers, &base);
        assert_eq!(links.hubs, [Url::parse("https://hub.example/").expect("url")]);
        assert_eq!(links.self_link.as_ref().map(Url::as_str), Some("https://kaltimtoday.co/feed/"));
        assert_eq!(links.wordpress_api.as_ref().map(Url::as_str), Some("https://kaltimtoday.co/wp-json/"));
    }
}
