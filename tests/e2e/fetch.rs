//! The fetcher against the fake publisher: every way an HTTP answer can go.

use std::io::Write;
use std::time::Duration;

use url::Url;
use warta::feed::{FetchLimits, FetchOutcome, FetchRequest, Fetcher};

use crate::support::{Answer, FakeFeedServer, Item, rss};

fn fetcher() -> Fetcher {
    Fetcher::new(FetchLimits {
        max_body: 256 * 1024,
        max_decompressed: 1024 * 1024,
        connect_timeout: Duration::from_secs(2),
        timeout: Duration::from_secs(2),
    })
    .expect("fetcher")
}

fn url(server: &FakeFeedServer, path: &str) -> Url {
    Url::parse(&server.url(path)).expect("url")
}

async fn fetch(server: &FakeFeedServer, path: &str) -> FetchOutcome {
    fetcher().fetch(FetchRequest::fresh(&url(server, path))).await
}

fn feed_body() -> String {
    rss(&[Item::numbered(2), Item::numbered(1)])
}

#[tokio::test]
async fn conditional_get_returns_not_modified_without_a_body() {
    let server = FakeFeedServer::start().await;
    server.set_feed("feed.xml", &feed_body());
    let first = fetch(&server, "feed.xml").await;
    let FetchOutcome::Modified(fetched) = first else { panic!("{first:?}") };
    assert_eq!(fetched.etag.as_deref(), Some("\"v1\""));
    assert!(fetched.last_modified.is_some());
    let feed_url = url(&server, "feed.xml");
    let request =
        FetchRequest { url: &feed_url, etag: fetched.etag.as_deref(), last_modified: fetched.last_modified.as_deref() };
    let second = fetcher().fetch(request).await;
    assert!(matches!(second, FetchOutcome::NotModified { .. }), "{second:?}");
    let requests = server.requests("feed.xml");
    assert_eq!(requests[1].if_none_match.as_deref(), Some("\"v1\""));
    assert!(requests[1].if_modified_since.is_some());
    assert_eq!(requests[0].accept_encoding.as_deref(), Some("gzip, deflate, br"));
    assert!(
        requests[0]
            .user_agent
            .as_deref()
            .is_some_and(|ua| ua.starts_with(concat!("Warta/", env!("CARGO_PKG_VERSION"))))
    );
}

#[tokio::test]
async fn status_codes_are_classified_with_their_hints() {
    let server = FakeFeedServer::start().await;
    server.set_answer("limited", Answer::status(429).header("retry-after", "120"));
    server.set_answer("busy", Answer::status(503).header("retry-after", "30"));
    server.set_answer("gone", Answer::status(410));
    server.set_answer("missing", Answer::status(404));
    server.set_answer("forbidden", Answer::status(403));
    server.set_answer("cached", Answer::body(200, feed_body()).header("cache-control", "public, max-age=600"));
    server.set_answer("empty", Answer::body(200, "  \n"));
    assert!(
        matches!(fetch(&server, "limited").await, FetchOutcome::RateLimited { retry_after: Some(d) } if d == Duration::from_secs(120))
    );
    assert!(
        matches!(fetch(&server, "busy").await, FetchOutcome::ServerError { status: 503, retry_after: Some(d) } if d == Duration::from_secs(30))
    );
    assert!(matches!(fetch(&server, "gone").await, FetchOutcome::Gone { status: 410 }));
    assert!(matches!(fetch(&server, "missing").await, FetchOutcome::Gone { status: 404 }));
    assert!(matches!(fetch(&server, "forbidden").await, FetchOutcome::Refused { status: 403 }));
    let cached = fetch(&server, "cached").await;
    assert!(matches!(&cached, FetchOutcome::Modified(f) if f.max_age == Some(Duration::from_secs(600))), "{cached:?}");
    let empty = fetch(&server, "empty").await;
    assert_eq!(empty.failure().as_deref(), Some("not a feed: empty body"));
}

#[tokio::test]
async fn redirects_are_followed_and_permanent_ones_remembered() {
    let server = FakeFeedServer::start().await;
    server.set_feed("new.xml", &feed_body());
    server.set_answer("old.xml", Answer::redirect(301, "/moved.xml"));
    server.set_answer("moved.xml", Answer::redirect(308, "/new.xml"));
    server.set_answer("temporary.xml", Answer::redirect(302, "/new.xml"));
    server.set_answer("mixed.xml", Answer::redirect(301, "/temporary.xml"));
    let permanent = fetch(&server, "old.xml").await;
    let FetchOutcome::Modified(fetched) = permanent else { panic!("{permanent:?}") };
    assert_eq!(fetched.moved_to, Some(url(&server, "new.xml")));
    assert_eq!(fetched.final_url, url(&server, "new.xml"));
    let FetchOutcome::Modified(fetched) = fetch(&server, "temporary.xml").await else { panic!("temporary") };
    assert_eq!(fetched.moved_to, None, "a temporary redirect is not remembered");
    let FetchOutcome::Modified(fetched) = fetch(&server, "mixed.xml").await else { panic!("mixed") };
    assert_eq!(fetched.moved_to, Some(url(&server, "temporary.xml")), "only the permanent part of the chain");
}

#[tokio::test]
async fn redirect_loops_and_long_chains_are_refused() {
    let server = FakeFeedServer::start().await;
    server.set_answer("a", Answer::redirect(302, "/b"));
    server.set_answer("b", Answer::redirect(302, "/a"));
    for hop in 0..7 {
        server.set_answer(&format!("hop{hop}"), Answer::redirect(301, &format!("/hop{}", hop + 1)));
    }
    server.set_feed("hop7", &feed_body());
    server.set_answer("nowhere", Answer::status(301));
    server.set_answer("ftp", Answer::redirect(301, "ftp://example.org/feed"));
    assert!(fetch(&server, "a").await.failure().is_some_and(|f| f.contains("redirect loop")));
    assert!(fetch(&server, "hop0").await.failure().is_some_and(|f| f.contains("more than 5 redirects")));
    assert!(fetch(&server, "hop2").await.failure().is_none(), "five redirects are fine");
    assert!(fetch(&server, "nowhere").await.failure().is_some_and(|f| f.contains("without a Location")));
    assert!(fetch(&server, "ftp").await.failure().is_some_and(|f| f.contains("unusable location")));
}

#[tokio::test]
async fn oversized_bodies_are_refused_while_streaming() {
    let server = FakeFeedServer::start().await;
    let huge = vec![b'x'; 50 * 1024 * 1024];
    server.set_answer("declared", Answer::body(200, huge.clone()));
    server.set_answer("streamed", Answer::body(200, huge).chunked());
    for path in ["declared", "streamed"] {
        let outcome = fetch(&server, path).await;
        assert!(
            matches!(outcome, FetchOutcome::TooLarge { limit: 262_144, decompressed: false }),
            "{path}: {outcome:?}"
        );
    }
}

#[tokio::test]
async fn a_gzip_bomb_is_refused_not_inflated() {
    let server = FakeFeedServer::start().await;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(&vec![b' '; 100 * 1024 * 1024]).expect("compress");
    let bomb = encoder.finish().expect("finish");
    assert!(bomb.len() < 256 * 1024, "the bomb fits under the wire cap: {} bytes", bomb.len());
    server.set_answer("bomb", Answer::body(200, bomb).header("content-encoding", "gzip"));
    let outcome = fetch(&server, "bomb").await;
    assert!(matches!(outcome, FetchOutcome::TooLarge { limit: 1_048_576, decompressed: true }), "{outcome:?}");
}

#[tokio::test]
async fn compressed_feeds_are_decoded() {
    let server = FakeFeedServer::start().await;
    let body = feed_body();
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gzip.write_all(body.as_bytes()).expect("gzip");
    let mut deflate = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    deflate.write_all(body.as_bytes()).expect("deflate");
    server.set_answer("gzip", Answer::body(200, gzip.finish().expect("gzip")).header("content-encoding", "gzip"));
    server.set_answer(
        "deflate",
        Answer::body(200, deflate.finish().expect("deflate")).header("content-encoding", "deflate"),
    );
    for path in ["gzip", "deflate"] {
        let FetchOutcome::Modified(fetched) = fetch(&server, path).await else { panic!("{path}") };
        assert_eq!(String::from_utf8_lossy(&fetched.body), body, "{path}");
    }
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let server = FakeFeedServer::start().await;
    server.set_answer("silent", Answer::body(200, feed_body()).delayed(Duration::from_secs(30)));
    let started = std::time::Instant::now();
    let outcome = fetch(&server, "silent").await;
    assert!(matches!(outcome, FetchOutcome::TimedOut { .. }), "{outcome:?}");
    assert!(started.elapsed() < Duration::from_secs(10), "gave up after {:?}", started.elapsed());
}

#[tokio::test]
async fn a_refused_connection_is_a_network_error() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = closed.local_addr().expect("addr");
    drop(closed);
    let url = Url::parse(&format!("http://{address}/feed.xml")).expect("url");
    let outcome = fetcher().fetch(FetchRequest::fresh(&url)).await;
    assert!(outcome.failure().is_some_and(|f| f.starts_with("network error")), "{outcome:?}");
}

#[tokio::test]
async fn websub_link_headers_and_charset_are_read() {
    let server = FakeFeedServer::start().await;
    server.set_answer(
        "feed.xml",
        Answer::body(200, feed_body())
            .header("content-type", "application/rss+xml; charset=\"ISO-8859-1\"")
            .header("link", "<https://hub.example.org/>; rel=\"hub\", <https://kaltimtoday.co/feed/>; rel=\"self\""),
    );
    let FetchOutcome::Modified(fetched) = fetch(&server, "feed.xml").await else { panic!("fetch") };
    assert_eq!(fetched.charset(), Some("ISO-8859-1"));
    assert_eq!(fetched.hub_links, [Url::parse("https://hub.example.org/").expect("url")]);
    assert_eq!(fetched.self_link.as_ref().map(Url::as_str), Some("https://kaltimtoday.co/feed/"));
}
