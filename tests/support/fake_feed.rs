//! A fake publisher: serves feeds on 127.0.0.1 with ETag/Last-Modified and
//! answers conditional requests with 304, records every request, and can be
//! told to fail.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::sync::watch;

#[derive(Debug, Clone)]
pub struct FeedRequest {
    pub path: String,
    pub if_none_match: Option<String>,
    pub if_modified_since: Option<String>,
    pub user_agent: Option<String>,
    pub status: u16,
}

#[derive(Debug, Clone)]
struct Served {
    body: String,
    etag: String,
    last_modified: String,
    content_type: String,
    /// Answer this status instead of the feed (e.g. 500, 404).
    status: Option<u16>,
}

#[derive(Default)]
struct Inner {
    feeds: HashMap<String, Served>,
    requests: Vec<FeedRequest>,
    version: u64,
}

#[derive(Clone)]
struct Shared {
    inner: Arc<Mutex<Inner>>,
    changed: Arc<watch::Sender<u64>>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

pub struct FakeFeedServer {
    shared: Shared,
    base_url: String,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for FakeFeedServer {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl FakeFeedServer {
    pub async fn start() -> Self {
        let (changed, _) = watch::channel(0);
        let shared = Shared { inner: Arc::new(Mutex::new(Inner::default())), changed: Arc::new(changed) };
        let app = Router::new().route("/{*path}", get(serve)).with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind fake feed server");
        let addr = listener.local_addr().expect("local addr");
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { shared, base_url: format!("http://{addr}"), server }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}/{}", self.base_url, path.trim_start_matches('/'))
    }

    /// Serves `body` at `path` with a fresh ETag and Last-Modified.
    pub fn set_feed(&self, path: &str, body: &str) {
        let mut inner = self.shared.lock();
        inner.version += 1;
        let version = inner.version;
        inner.feeds.insert(
            path.trim_start_matches('/').to_owned(),
            Served {
                body: body.to_owned(),
                etag: format!("\"v{version}\""),
                last_modified: httpdate(version),
                content_type: "application/rss+xml; charset=UTF-8".to_owned(),
                status: None,
            },
        );
    }

    /// Serves the bytes of a fixture file at `path`.
    pub fn set_feed_file(&self, path: &str, file: &std::path::Path) {
        let body = std::fs::read_to_string(file).unwrap_or_else(|err| panic!("read {}: {err}", file.display()));
        self.set_feed(path, &body);
    }

    /// Makes `path` answer `status` until the feed is set again.
    pub fn fail_with(&self, path: &str, status: u16) {
        let mut inner = self.shared.lock();
        let served = inner.feeds.entry(path.trim_start_matches('/').to_owned()).or_insert_with(|| Served {
            body: String::new(),
            etag: "\"none\"".into(),
            last_modified: httpdate(0),
            content_type: "text/plain".into(),
            status: None,
        });
        served.status = Some(status);
    }

    pub fn requests(&self, path: &str) -> Vec<FeedRequest> {
        let path = path.trim_start_matches('/');
        self.shared.lock().requests.iter().filter(|r| r.path == path).cloned().collect()
    }

    /// Waits until `path` has been requested at least `count` times in all.
    pub async fn wait_for_requests(&self, path: &str, count: usize) {
        let mut changes = self.shared.changed.subscribe();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        while self.requests(path).len() < count {
            if tokio::time::timeout_at(deadline, changes.changed()).await.is_err() {
                panic!("timed out waiting for {count} request(s) of {path}; got {}", self.requests(path).len());
            }
        }
    }
}

/// A fixed, valid HTTP date that differs per version.
fn httpdate(version: u64) -> String {
    let seconds = version % 60;
    format!("Fri, 27 Nov 2026 00:00:{seconds:02} GMT")
}

async fn serve(State(shared): State<Shared>, Path(path): Path<String>, headers: HeaderMap) -> Response {
    let header_value = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let if_none_match = header_value(header::IF_NONE_MATCH);
    let if_modified_since = header_value(header::IF_MODIFIED_SINCE);
    let served = shared.lock().feeds.get(&path).cloned();
    let (status, response) = match served {
        None => (404, (StatusCode::NOT_FOUND, "not found").into_response()),
        Some(Served { status: Some(code), .. }) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            (code, (status, "failure requested by the test").into_response())
        }
        Some(served) if if_none_match.as_deref() == Some(served.etag.as_str()) => {
            (304, (StatusCode::NOT_MODIFIED, [(header::ETAG, served.etag)]).into_response())
        }
        Some(served) => (
            200,
            (
                StatusCode::OK,
                [
                    (header::CONTENT_TYPE, served.content_type),
                    (header::ETAG, served.etag),
                    (header::LAST_MODIFIED, served.last_modified),
                ],
                served.body,
            )
                .into_response(),
        ),
    };
    shared.lock().requests.push(FeedRequest {
        path,
        if_none_match,
        if_modified_since,
        user_agent: header_value(header::USER_AGENT),
        status,
    });
    shared.changed.send_modify(|v| *v += 1);
    response
}

/// An RSS item for test feeds.
#[derive(Debug, Clone)]
pub struct Item {
    pub guid: String,
    pub title: String,
    pub link: String,
    pub description: String,
    /// RFC 2822.
    pub pub_date: String,
    pub categories: Vec<String>,
}

impl Item {
    /// A Kaltimtoday-style article; higher `n` is newer.
    pub fn numbered(n: u32) -> Self {
        let hour = n % 24;
        let day = 1 + (n / 24) % 28;
        Self {
            guid: format!("https://kaltimtoday.co/?p={}", 210_000 + n),
            title: format!("Berita nomor {n}: Pemkot Samarinda & DPRD bahas <APBD>"),
            link: format!("https://kaltimtoday.co/berita-nomor-{n}/"),
            description: format!(
                "<p>Ringkasan berita {n}. Rapat membahas anggaran&nbsp;2027 [&#8230;]</p>\
                 <p>The post <a href=\"https://kaltimtoday.co/berita-nomor-{n}/\">Berita {n}</a> appeared first on \
                 <a href=\"https://kaltimtoday.co\">Kaltimtoday.co</a>.</p>"
            ),
            pub_date: format!("Thu, {day:02} Oct 2026 {hour:02}:00:00 +0000"),
            categories: vec!["Samarinda".into()],
        }
    }
}

/// A WordPress-like RSS 2.0 document; items newest first, as feeds list them.
pub fn rss(items: &[Item]) -> String {
    let mut body = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n\
         <channel>\n<title>Kaltimtoday.co</title>\n<link>https://kaltimtoday.co</link>\n\
         <description>Berita Kalimantan Timur Terkini</description>\n",
    );
    for item in items {
        body.push_str("<item>\n");
        body.push_str(&format!("<title>{}</title>\n", xml_escape(&item.title)));
        body.push_str(&format!("<link>{}</link>\n", xml_escape(&item.link)));
        body.push_str(&format!("<guid isPermaLink=\"false\">{}</guid>\n", xml_escape(&item.guid)));
        body.push_str("<dc:creator><![CDATA[Redaksi]]></dc:creator>\n");
        body.push_str(&format!("<pubDate>{}</pubDate>\n", item.pub_date));
        for category in &item.categories {
            body.push_str(&format!("<category><![CDATA[{category}]]></category>\n"));
        }
        body.push_str(&format!("<description><![CDATA[{}]]></description>\n", item.description));
        body.push_str("</item>\n");
    }
    body.push_str("</channel>\n</rss>\n");
    body
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}
