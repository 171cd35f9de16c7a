//! A deleted database: noticed while Warta runs (ERROR, a copy saved, the
//! admins told directly), and a later start refuses to create an empty one
//! unless asked to start fresh.

use std::time::{Duration, Instant};

use crate::support::TestEnv;
use crate::support::app::FEED_PATH;

const ADMIN: i64 = 42;

fn marker(env: &TestEnv) -> std::path::PathBuf {
    let mut name = env.database().into_os_string();
    name.push(".initialized");
    name.into()
}

#[tokio::test]
async fn deleting_the_database_under_a_running_warta_alerts_the_admins_and_the_next_start_refuses() {
    let env = TestEnv::start().await;
    env.telegram.add_private_chat(ADMIN, "Redaktur");
    let app = env.spawn();
    env.feeds.wait_for_requests(FEED_PATH, 2).await;
    assert!(marker(&env).exists(), "the first start leaves its marker");

    std::fs::remove_file(env.database()).expect("delete the database");
    let deleted = Instant::now();
    env.telegram
        .wait_until("the admin alerted about the database", Duration::from_secs(10), |fake| {
            fake.messages_in(ADMIN).iter().any(|m| m.text.starts_with("🚨 Berkas database"))
        })
        .await;
    assert!(deleted.elapsed() < Duration::from_secs(6), "alerted {:?} after the deletion", deleted.elapsed());
    let alert = env.telegram.messages_in(ADMIN).into_iter().find(|m| m.text.starts_with("🚨")).expect("alert");
    assert!(alert.text.contains(&env.database().display().to_string()), "{}", alert.text);
    assert!(alert.text.contains(".rescued-"), "{}", alert.text);
    // The copy holds what the deleted file held: the feed's three articles.
    let rescued = std::fs::read_dir(env.database().parent().expect("folder"))
        .expect("list")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().contains(".rescued-"))
        .expect("a rescued copy");
    let (status, log) = app.stop().await;
    assert!(status.success(), "{log}");
    assert!(log.contains("ERROR") && log.contains("the database file was deleted"), "{log}");
    let store = warta::store::Store::open(&rescued).await.expect("the copy opens");
    let feed = store.feed(1).await.expect("read").expect("the feed is in the copy");
    assert_eq!(store.count_articles(feed.id).await.expect("count"), 3);
    store.close().await;

    // The next start would create an empty database: refused, exit 2.
    let (status, log) = env.spawn().wait(Duration::from_secs(20)).await;
    assert_eq!(status.code(), Some(2), "{log}");
    assert!(log.contains("is missing") && log.contains("--fresh-database"), "{log}");
    assert!(!env.database().exists(), "no empty database was created");
    assert!(!log.contains("panicked"), "{log}");

    // Asked to start fresh (the variable, then the flag): it starts.
    for (vars, args) in [(vec![("WARTA_FRESH_DATABASE", "1")], vec![]), (vec![], vec!["--fresh-database"])] {
        std::fs::remove_file(env.database()).ok();
        let requests = env.feeds.requests(FEED_PATH).len();
        let app = env.spawn_with(&vars, &args);
        let started =
            tokio::time::timeout(Duration::from_secs(20), env.feeds.wait_for_requests(FEED_PATH, requests + 2));
        assert!(started.await.is_ok(), "{vars:?} {args:?}: not polling; log:\n{}", app.log());
        let (status, log) = app.stop().await;
        assert!(status.success(), "{log}");
        assert!(env.database().exists(), "{log}");
    }
}
