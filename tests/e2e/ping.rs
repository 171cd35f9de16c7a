//! Instant publish: WordPress's Update Services ping (XML-RPC) and the
//! secret-protected "fetch now" endpoint, against a feed polled only hourly.

use std::time::{Duration, Instant};

use crate::support::app::{FEED_PATH, free_port, ping_body, post};
use crate::support::{CHANNEL_ID, FakeFeedServer, Item, TestEnv, rss};

/// The test config with the feed polled hourly and the listener on `port`.
fn hourly_config(env: &TestEnv, port: u16) -> String {
    env.config_text(&format!("[http]\nlisten = \"127.0.0.1:{port}\"\n"))
        .replace("interval = \"300ms\"", "interval = \"1h\"\nmax_interval = \"1h\"")
        .replace("max_interval = \"1s\"", "max_interval = \"1h\"")
}

fn site_of(env: &TestEnv) -> String {
    env.feeds.url("")
}

#[tokio::test]
async fn a_publish_ping_posts_the_new_article_at_once() {
    let env = TestEnv::start().await;
    let port = free_port();
    env.write_config(&hourly_config(&env, port));
    env.feeds.set_feed(FEED_PATH, &rss(&[Item::numbered(1)]));
    let app = env.spawn();
    env.feeds.wait_for_requests(FEED_PATH, 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    env.feeds.set_feed(FEED_PATH, &rss(&[Item::numbered(2), Item::numbered(1)]));
    let pinged = Instant::now();
    let (status, answer) =
        post(port, "/ping", &[("content-type", "text/xml")], ping_body(&site_of(&env), &env.feeds.url(FEED_PATH)))
            .await;
    assert_eq!(status, 200);
    assert!(answer.contains("<boolean>0</boolean>") && !answer.contains("fault"), "{answer}");
    let posts = env.telegram.wait_for_messages(CHANNEL_ID, 1).await;
    assert!(posts[0].text.starts_with("Berita nomor 2"), "{}", posts[0].text);
    assert!(pinged.elapsed() < Duration::from_secs(5), "posted {:?} after the ping", pinged.elapsed());
    let fetch = env.feeds.requests(FEED_PATH).pop().expect("the ping's fetch");
    assert!(fetch.if_none_match.is_none(), "a ping's fetch is unconditional: {fetch:?}");
    app.stop().await;
}

#[tokio::test]
async fn hostile_pings_get_faults_or_are_ignored_and_fetch_nothing_else() {
    let env = TestEnv::start().await;
    let elsewhere = FakeFeedServer::start().await;
    elsewhere.set_feed("evil/feed", &rss(&[Item::numbered(9)]));
    let port = free_port();
    env.write_config(&hourly_config(&env, port));
    env.feeds.set_feed(FEED_PATH, &rss(&[Item::numbered(1)]));
    let app = env.spawn();
    env.feeds.wait_for_requests(FEED_PATH, 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = env.feeds.requests(FEED_PATH).len();

    for (body, code) in [
        ("not xml at all <<<".as_bytes().to_vec(), "-32700"),
        (Vec::new(), "-32700"),
        (b"<methodCall><methodName>system.multicall</methodName></methodCall>".to_vec(), "-32601"),
        (b"<methodCall><methodName>weblogUpdates.ping</methodName><params/></methodCall>".to_vec(), "-32602"),
    ] {
        let (status, answer) = post(port, "/ping", &[], body).await;
        assert_eq!(status, 200, "{answer}");
        assert!(answer.contains("<fault>") && answer.contains(code), "{answer}");
    }
    // 10 MB: a fault as soon as the length is over the limit; the rest is not read (so the
    // client may see the connection closed while it still sends).
    let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().expect("client");
    match client.post(format!("http://127.0.0.1:{port}/ping")).body(vec![b'<'; 10 * 1024 * 1024]).send().await {
        Ok(response) => {
            let answer = response.text().await.unwrap_or_default();
            assert!(answer.contains("<fault>") && answer.contains("-32700"), "{answer}");
        }
        Err(err) => assert!(!err.is_timeout(), "the oversized ping was not refused at once: {err}"),
    }
    // An unknown site: acknowledged, nothing fetched.
    let (_, answer) =
        post(port, "/ping", &[], ping_body("https://unknown.example/", "https://unknown.example/feed/")).await;
    assert!(answer.contains("<boolean>0</boolean>"), "{answer}");
    // The configured site's name with a feed URL pointing elsewhere: only the configured feed.
    let (_, answer) = post(port, "/ping", &[], ping_body(&site_of(&env), &elsewhere.url("evil/feed"))).await;
    assert!(answer.contains("<boolean>0</boolean>"), "{answer}");
    // Thousands of pings for a few seconds.
    let started = Instant::now();
    let mut sent = 0;
    while started.elapsed() < Duration::from_secs(3) {
        let pings = (0..50).map(|_| post(port, "/ping", &[], ping_body(&site_of(&env), "")));
        for (status, _) in futures_util::future::join_all(pings).await {
            assert_eq!(status, 200);
            sent += 1;
        }
    }
    tokio::time::sleep(Duration::from_secs(6)).await;
    let fetches = env.feeds.requests(FEED_PATH).len() - before;
    assert!(sent >= 1000, "only {sent} pings sent");
    // One fetch per 5 s debounce window, plus the one at the end of the last window.
    assert!((1..=3).contains(&fetches), "{sent} pings cost {fetches} fetches");
    assert!(elsewhere.requests("evil/feed").is_empty(), "a URL from a ping is never fetched");
    let (_, log) = app.stop().await;
    assert!(log.contains("ping from a site no configured feed is on"), "{log}");
}

#[tokio::test]
async fn fetch_now_needs_the_secret() {
    let env = TestEnv::start().await;
    let port = free_port();
    env.write_config(&hourly_config(&env, port));
    env.feeds.set_feed(FEED_PATH, &rss(&[Item::numbered(1)]));
    let secret = "s3cret-fetch-now-token";
    let app = env.spawn_with(&[("FETCH_SECRET", secret)], &[]);
    env.feeds.wait_for_requests(FEED_PATH, 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    env.feeds.set_feed(FEED_PATH, &rss(&[Item::numbered(2), Item::numbered(1)]));

    let (status, _) = post(port, "/fetch", &[], "").await;
    assert_eq!(status, 401);
    let (status, _) = post(port, "/fetch", &[("authorization", "Bearer wrong-secret-of-length")], "").await;
    assert_eq!(status, 401);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(env.telegram.messages_in(CHANNEL_ID).is_empty(), "nothing fetched without the secret");
    let bearer = format!("Bearer {secret}");
    let (status, _) = post(port, "/fetch?site=unknown.example", &[("authorization", &bearer)], "").await;
    assert_eq!(status, 404);
    let site = format!("/fetch?site={}", site_of(&env));
    let (status, body) = post(port, &site, &[("authorization", &bearer)], "").await;
    assert_eq!(status, 202, "{body}");
    let posts = env.telegram.wait_for_messages(CHANNEL_ID, 1).await;
    assert!(posts[0].text.starts_with("Berita nomor 2"), "{}", posts[0].text);
    let (_, log) = app.stop().await;
    assert!(!log.contains(secret), "the secret never appears in the log");
}
