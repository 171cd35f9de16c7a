//! HTTP fetching of feeds: conditional GET, a body-size cap, timeouts,
//! and one outcome per response. The only reqwest user.

use std::time::Duration;

use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::{Client, StatusCode};
use url::Url;

/// Largest feed body accepted by default.
pub const DEFAULT_MAX_BODY: usize = 5 * 1024 * 1024;

/// A successful fetch with a new body.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub body: Vec<u8>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub content_type: Option<String>,
    /// Where the body came from after redirects.
    pub final_url: Url,
}

#[derive(Debug, Clone)]
pub enum FetchOutcome {
    Modified(Fetched),
    /// 304: the stored copy is current.
    NotModified,
}

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum FetchError {
    #[error("HTTP {status}")]
    Status { status: u16 },
    #[error("rate-limited (HTTP 429)")]
    RateLimited { retry_after: Option<Duration> },
    #[error("feed is larger than {limit} bytes")]
    TooLarge { limit: usize },
    #[error("timed out")]
    Timeout,
    #[error("network error: {0}")]
    Network(String),
}

/// Fetches feeds over HTTP.
#[derive(Debug, Clone)]
pub struct Fetcher {
    client: Client,
    max_body: usize,
}

impl Fetcher {
    pub fn new(max_body: usize) -> Result<Self, FetchError> {
        let client = Client::builder()
            .user_agent(concat!("Warta/", env!("CARGO_PKG_VERSION"), " (Telegram news bot; feed reader)"))
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(30))
            .redirect(reqwest::redirect::Policy::limited(5))
            .build()
            .map_err(|err| FetchError::Network(err.to_string()))?;
        Ok(Self { client, max_body })
    }

    /// GETs `url`, conditionally when validators from the last fetch are given.
    pub async fn fetch(
        &self,
        url: &Url,
        etag: Option<&str>,
        last_modified: Option<&str>,
    ) -> Result<FetchOutcome, FetchError> {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT,
            HeaderValue::from_static(
                "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, \
                 application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5",
            ),
        );
        if let Some(value) = etag.and_then(|v| HeaderValue::from_str(v).ok()) {
            headers.insert(header::IF_NONE_MATCH, value);
        }
        if let Some(value) = last_modified.and_then(|v| HeaderValue::from_str(v).ok()) {
            headers.insert(header::IF_MODIFIED_SINCE, value);
        }
        let mut response = self.client.get(url.clone()).headers(headers).send().await.map_err(classify)?;
        let status = response.status();
        if status == StatusCode::NOT_MODIFIED {
            return Ok(FetchOutcome::NotModified);
        }
        if status == StatusCode::TOO_MANY_REQUESTS {
            let retry_after = header_str(response.headers(), header::RETRY_AFTER)
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            return Err(FetchError::RateLimited { retry_after });
        }
        if !status.is_success() {
            return Err(FetchError::Status { status: status.as_u16() });
        }
        if response.content_length().is_some_and(|len| len > self.max_body as u64) {
            return Err(FetchError::TooLarge { limit: self.max_body });
        }
        let etag = header_str(response.headers(), header::ETAG);
        let last_modified = header_str(response.headers(), header::LAST_MODIFIED);
        let content_type = header_str(response.headers(), header::CONTENT_TYPE);
        let final_url = response.url().clone();
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(classify)? {
            if body.len() + chunk.len() > self.max_body {
                return Err(FetchError::TooLarge { limit: self.max_body });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(FetchOutcome::Modified(Fetched { body, etag, last_modified, content_type, final_url }))
    }
}

fn header_str(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

fn classify(err: reqwest::Error) -> FetchError {
    if err.is_timeout() {
        return FetchError::Timeout;
    }
    // Walk the source chain for the root cause ("connection refused"), which
    // reqwest's own message hides behind "error sending request".
    let mut message = err.to_string();
    let mut source = std::error::Error::source(&err);
    while let Some(cause) = source {
        message = format!("{message}: {cause}");
        source = cause.source();
    }
    FetchError::Network(message)
}
