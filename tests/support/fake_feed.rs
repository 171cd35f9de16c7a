//! A fake publisher: serves feeds on 127.0.0.1 (or another loopback address) with ETag/Last-Modified and
//! answers conditional requests with 304, records every request, and can be
//! told to answer anything: a status, headers, compressed or endless bodies,
//! redirects, silence.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::sync::watch;

#[derive(Debug, Clone)]
pub struct FeedRequest {
    /// Path and query, without the leading slash.
    pub path: String,
    pub if_none_match: Option<String>,
    pub if_modified_since: Option<String>,
    pub user_agent: Option<String>,
    pub accept_encoding: Option<String>,
    pub status: u16,
    pub at: Instant,
}

/// A scripted answer.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Wait this long before answering.
    pub delay: Option<Duration>,
    /// Send the body in chunks without a Content-Length.
    pub chunked: bool,
    /// ETag for conditional requests (answered 304 on a match).
    pub etag: Option<String>,
}

impl Answer {
    pub fn status(status: u16) -> Self {
        Self { status, headers: Vec::new(), body: Vec::new(), delay: None, chunked: false, etag: None }
    }

    pub fn body(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Self { body: body.into(), ..Self::status(status) }
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn redirect(status: u16, location: &str) -> Self {
        Self::status(status).header("location", location)
    }

    pub fn delayed(mut self, delay: Duration) -> Self {
        self.delay = Some(delay);
        self
    }

    pub fn chunked(mut self) -> Self {
        self.chunked = true;
        self
    }
}

#[derive(Default)]
struct Inner {
    answers: HashMap<String, Answer>,
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

fn key(path: &str) -> String {
    path.trim_start_matches('/').to_owned()
}

impl FakeFeedServer {
    pub async fn start() -> Self {
        Self::start_on("127.0.0.1").await
    }

    /// A publisher on another loopback address (e.g. 127.0.0.2, to play a
    /// private host that is not a configured feed's).
    pub async fn start_on(ip: &str) -> Self {
        let (changed, _) = watch::channel(0);
        let shared = Shared { inner: Arc::new(Mutex::new(Inner::default())), changed: Arc::new(changed) };
        let app = Router::new().route("/{*path}", get(serve)).with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind((ip, 0)).await.expect("bind fake feed server");
        let addr = listener.local_addr().expect("local addr");
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { shared, base_url: format!("http://{addr}"), server }
    }

    /// The URL of `path` (which may carry a query, as in "feed.xml?paged=2").
    pub fn url(&self, path: &str) -> String {
        format!("{}/{}", self.base_url, key(path))
    }

    /// Serves `body` at `path` as an RSS feed with a fresh ETag and Last-Modified.
    pub fn set_feed(&self, path: &str, body: &str) {
        let mut inner = self.shared.lock();
        inner.version += 1;
        let version = inner.version;
        let answer = Answer::body(200, body.as_bytes().to_vec())
            .header("content-type", "application/rss+xml; charset=UTF-8")
            .header("last-modified", &httpdate(version));
        inner.answers.insert(key(path), Answer { etag: Some(format!("\"v{version}\"")), ..answer });
    }

    /// Serves the bytes of a fixture file at `path`.
    pub fn set_feed_file(&self, path: &str, file: &std::path::Path) {
        let body = std::fs::read_to_string(file).unwrap_or_else(|err| panic!("read {}: {err}", file.display()));
        self.set_feed(path, &body);
    }

    /// Answers `path` with exactly `answer` until told otherwise.
    pub fn set_answer(&self, path: &str, answer: Answer) {
        self.shared.lock().answers.insert(key(path), answer);
    }

    /// Makes `path` answer `status` until the feed is set again.
    pub fn fail_with(&self, path: &str, status: u16) {
        self.set_answer(path, Answer::body(status, "failure requested by the test"));
    }

    pub fn requests(&self, path: &str) -> Vec<FeedRequest> {
        let path = key(path);
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

async fn serve(State(shared): State<Shared>, uri: Uri, headers: HeaderMap) -> Response {
    let header_value = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let path = key(uri.path_and_query().map_or(uri.path(), |pq| pq.as_str()));
    let if_none_match = header_value(header::IF_NONE_MATCH);
    let answer = shared.lock().answers.get(&path).cloned();
    let (status, delay, response) = match answer {
        None => (404, None, (StatusCode::NOT_FOUND, "not found").into_response()),
        Some(answer) if answer.etag.is_some() && if_none_match == answer.etag => {
            let etag = answer.etag.clone().unwrap_or_default();
            (304, answer.delay, (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response())
        }
        Some(answer) => (answer.status, answer.delay, build(answer)),
    };
    shared.lock().requests.push(FeedRequest {
        path,
        if_none_match,
        if_modified_since: header_value(header::IF_MODIFIED_SINCE),
        user_agent: header_value(header::USER_AGENT),
        accept_encoding: header_value(header::ACCEPT_ENCODING),
        status,
        at: Instant::now(),
    });
    shared.changed.send_modify(|v| *v += 1);
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    response
}

fn build(answer: Answer) -> Response {
    let body = if answer.chunked {
        let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
            answer.body.chunks(64 * 1024).map(|c| Ok(c.to_vec())).collect();
        Body::from_stream(futures_util::stream::iter(chunks))
    } else {
        Body::from(answer.body)
    };
    let mut response = Response::new(body);
    *response.status_mut() = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in &answer.headers {
        if let (Ok(name), Ok(value)) = (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(value)) {
            response.headers_mut().append(name, value);
        }
    }
    if let Some(etag) = answer.etag.and_then(|e| HeaderValue::from_str(&e).ok()) {
        response.headers_mut().insert(header::ETAG, etag);
    }
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
    /// A media:content image.
    pub image: Option<String>,
}

impl Item {
    /// A Kaltimtoday-style article; higher `n` is newer (n < 24 keeps it on 1 Oct 2026).
    pub fn numbered(n: u32) -> Self {
        let hour = n % 24;
        Self {
            guid: format!("https://kaltimtoday.co/?p={}", 210_000 + n),
            title: format!("Berita nomor {n}: Pemkot Samarinda & DPRD bahas <APBD>"),
            link: format!("https://kaltimtoday.co/berita-nomor-{n}/"),
            description: format!(
                "<p>Ringkasan berita {n}. Rapat membahas anggaran&nbsp;2027 [&#8230;]</p>\
                 <p>The post <a href=\"https://kaltimtoday.co/berita-nomor-{n}/\">Berita {n}</a> appeared first on \
                 <a href=\"https://kaltimtoday.co\">Kaltimtoday.co</a>.</p>"
            ),
            pub_date: format!("Thu, 01 Oct 2026 {hour:02}:00:00 +0000"),
            categories: vec!["Samarinda".into()],
            image: None,
        }
    }

    pub fn with_image(mut self, url: &str) -> Self {
        self.image = Some(url.to_owned());
        self
    }
}

/// A WordPress-like RSS 2.0 document; items newest first, as feeds list them.
pub fn rss(items: &[Item]) -> String {
    rss_with_head(items, "")
}

/// As [`rss`], with extra elements in the channel head (hub links, ttl, …).
pub fn rss_with_head(items: &[Item], head: &str) -> String {
    let mut body = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" \
         xmlns:atom=\"http://www.w3.org/2005/Atom\" xmlns:media=\"http://search.yahoo.com/mrss/\">\n\
         <channel>\n<title>Kaltimtoday.co</title>\n<link>https://kaltimtoday.co</link>\n\
         <description>Berita Kalimantan Timur Terkini</description>\n",
    );
    body.push_str(head);
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
        if let Some(image) = &item.image {
            body.push_str(&format!(
                "<media:content url=\"{}\" medium=\"image\" type=\"image/jpeg\"/>\n",
                xml_escape(image)
            ));
        }
        body.push_str("</item>\n");
    }
    body.push_str("</channel>\n</rss>\n");
    body
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}
