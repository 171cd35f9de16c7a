//! Feed watching end to end: the `warta run` process against the fake
//! publisher — reorders, bursts, corrections, Retry-After and backoff, alerts,
//! moved feeds, feeds sharing stories, backfill, slow feeds.

use std::time::Duration;

use crate::support::app::FEED_PATH;
use crate::support::{Answer, CHANNEL_ID, Failure, FakeUser, Item, TestEnv, rss};

fn items(numbers: &[u32]) -> String {
    rss(&numbers.iter().map(|n| Item::numbered(*n)).collect::<Vec<_>>())
}

async fn wait_for_more_fetches(env: &TestEnv, path: &str, more: usize) {
    let seen = env.feeds.requests(path).len();
    env.feeds.wait_for_requests(path, seen + more).await;
}

fn titles(env: &TestEnv) -> Vec<String> {
    env.telegram
        .messages_in(CHANNEL_ID)
        .iter()
        .map(|m| m.text.split(':').next().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn reordered_dropped_and_readded_items_are_never_posted_again() {
    let env = TestEnv::start().await;
    let app = env.spawn();
    env.feeds.wait_for_requests(FEED_PATH, 2).await;
    env.feeds.set_feed(FEED_PATH, &items(&[4, 3, 2, 1]));
    env.telegram.wait_for_messages(CHANNEL_ID, 1).await;
    for shape in [&[1, 4, 2, 3][..], &[4, 3][..], &[4][..], &[2, 1, 4, 3][..], &[3, 4, 1][..]] {
        env.feeds.set_feed(FEED_PATH, &items(shape));
        wait_for_more_fetches(&env, FEED_PATH, 2).await;
    }
    assert_eq!(titles(&env), ["Berita nomor 4"]);
    app.stop().await;
}

#[tokio::test]
async fn a_burst_larger_than_the_feed_window_is_closed_from_older_pages_oldest_first() {
    let env = TestEnv::start().await;
    let app = env.spawn();
    env.feeds.wait_for_requests(FEED_PATH, 2).await;
    // Seven articles appear at once; the feed shows only the newest three.
    env.feeds.set_feed(&format!("{FEED_PATH}?paged=2"), &items(&[7, 6, 5]));
    env.feeds.set_feed(&format!("{FEED_PATH}?paged=3"), &items(&[4, 3, 2]));
    env.feeds.set_feed(FEED_PATH, &items(&[10, 9, 8]));
    let posts = env.telegram.wait_for_messages(CHANNEL_ID, 7).await;
    let got: Vec<_> = posts.iter().map(|m| m.text.split(':').next().unwrap_or_default().to_owned()).collect();
    assert_eq!(
        got,
        [
            "Berita nomor 4",
            "Berita nomor 5",
            "Berita nomor 6",
            "Berita nomor 7",
            "Berita nomor 8",
            "Berita nomor 9",
            "Berita nomor 10"
        ]
    );
    assert_eq!(env.feeds.requests(&format!("{FEED_PATH}?paged=3")).len(), 1, "paging stops at the first known article");
    assert!(env.feeds.requests(&format!("{FEED_PATH}?paged=4")).is_empty());
    wait_for_more_fetches(&env, FEED_PATH, 2).await;
    assert_eq!(env.telegram.messages_in(CHANNEL_ID).len(), 7);
    app.stop().await;
}

#[tokio::test]
async fn a_redated_story_on_top_does_not_stop_paging_so_no_new_article_is_lost() {
    let env = TestEnv::start().await;
    env.feeds.set_feed(FEED_PATH, &items(&[2, 1]));
    let app = env.spawn();
    wait_for_more_fetches(&env, FEED_PATH, 2).await;
    // Six new articles while the editors bump story 1 back to the top: the window
    // holds a known story and three new ones; three more are only on page 2.
    let mut bumped = Item::numbered(1);
    bumped.pub_date = "Thu, 01 Oct 2026 23:30:00 +0000".into();
    env.feeds.set_feed(&format!("{FEED_PATH}?paged=2"), &items(&[5, 4, 3]));
    env.feeds.set_feed(&format!("{FEED_PATH}?paged=3"), &items(&[2]));
    env.feeds.set_feed(FEED_PATH, &rss(&[bumped, Item::numbered(8), Item::numbered(7), Item::numbered(6)]));
    env.telegram.wait_for_messages(CHANNEL_ID, 6).await;
    wait_for_more_fetches(&env, FEED_PATH, 2).await;
    assert_eq!(
        titles(&env),
        ["Berita nomor 3", "Berita nomor 4", "Berita nomor 5", "Berita nomor 6", "Berita nomor 7", "Berita nomor 8"]
    );
    assert_eq!(env.feeds.requests(&format!("{FEED_PATH}?paged=3")).len(), 1, "page 2's oldest was new: page 3 read");
    assert!(env.feeds.requests(&format!("{FEED_PATH}?paged=4")).is_empty(), "page 3's oldest is known: done");
    app.stop().await;
}

#[tokio::test]
async fn a_long_maintenance_retry_after_is_cut_to_max_retry_after() {
    let env = TestEnv::start().await;
    env.write_config(&env.config_text_with_fetch("max_retry_after = \"1s\"", ""));
    // WordPress's maintenance mode: 503 with Retry-After: 600.
    env.feeds.set_answer(FEED_PATH, Answer::status(503).header("retry-after", "600"));
    let app = env.spawn();
    env.feeds.wait_for_requests(FEED_PATH, 1).await;
    env.feeds.set_feed(FEED_PATH, &items(&[1]));
    tokio::time::timeout(Duration::from_secs(5), env.feeds.wait_for_requests(FEED_PATH, 2))
        .await
        .expect("the feed is asked again within seconds, not after 10 minutes");
    let requests = env.feeds.requests(FEED_PATH);
    let waited = requests[1].at.duration_since(requests[0].at);
    assert!(waited >= Duration::from_millis(900), "came back after only {waited:?}");
    app.stop().await;
}

async fn a_corrected_article_edits_its_post_instead_of_posting_again() {
    let env = TestEnv::start().await;
    let app = env.spawn();
    env.feeds.wait_for_requests(FEED_PATH, 2).await;
    env.feeds.set_feed(FEED_PATH, &items(&[4, 3, 2, 1]));
    env.telegram.wait_for_messages(CHANNEL_ID, 1).await;

    let mut corrected = Item::numbered(4);
    corrected.title = "Berita nomor 4 (ralat): DPRD tunda pembahasan APBD".into();
    env.feeds.set_feed(FEED_PATH, &rss(&[corrected.clone(), Item::numbered(3), Item::numbered(2), Item::numbered(1)]));
    env.telegram
        .wait_until("the post edited", Duration::from_secs(30), |t| {
            t.messages_in(CHANNEL_ID).first().is_some_and(|m| m.edits == 1)
        })
        .await;
    let post = env.telegram.messages_in(CHANNEL_ID).remove(0);
    assert!(post.text.starts_with("Berita nomor 4 (ralat): DPRD tunda pembahasan APBD"), "{}", post.text);
    assert_eq!(post.button_urls(), ["https://kaltimtoday.co/berita-nomor-4/"], "the button survives the edit");

    // A second correction whose edit Telegram finds unchanged still counts as done.
    corrected.title = "Berita nomor 4 (ralat kedua)".into();
    env.telegram.fail_next(
        "editMessageText",
        None,
        Failure::Custom {
            status: 400,
            description: "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message".into(),
        },
        1,
    );
    env.feeds.set_feed(FEED_PATH, &rss(&[corrected, Item::numbered(3), Item::numbered(2), Item::numbered(1)]));
    env.telegram
        .wait_until("the second edit answered", Duration::from_secs(30), |t| t.calls_to("editMessageText").len() == 2)
        .await;
    wait_for_more_fetches(&env, FEED_PATH, 2).await;
    assert_eq!(env.telegram.messages_in(CHANNEL_ID).len(), 1, "corrections never post again");
    assert_eq!(env.telegram.calls_to("editMessageText").len(), 2, "a not-modified edit is not retried");
    let (_, log) = app.stop().await;
    assert!(!log.contains("Telegram refused the post"), "{log}");
}

#[tokio::test]
async fn retry_after_is_honoured_and_failures_back_off() {
    let env = TestEnv::start().await;
    env.feeds.set_answer(FEED_PATH, Answer::status(503).header("retry-after", "2"));
    let app = env.spawn();
    env.feeds.wait_for_requests(FEED_PATH, 2).await;
    let requests = env.feeds.requests(FEED_PATH);
    let waited = requests[1].at.duration_since(requests[0].at);
    assert!(waited >= Duration::from_millis(1900), "came back after only {waited:?}");

    // Plain failures: then about 600ms, 1.2s, 2.4s (±20%) — never hammering.
    env.feeds.set_answer(FEED_PATH, Answer::status(500));
    env.feeds.wait_for_requests(FEED_PATH, 5).await;
    let requests = env.feeds.requests(FEED_PATH);
    let gaps: Vec<Duration> = requests.windows(2).map(|w| w[1].at.duration_since(w[0].at)).collect();
    let (last, before) = (gaps[gaps.len() - 1], gaps[gaps.len() - 2]);
    assert!(last >= before.mul_f64(1.3), "backoff grows: {gaps:?}");
    app.stop().await;
}

#[tokio::test]
async fn a_failing_feed_alerts_the_admins_once_and_again_on_recovery() {
    let env = TestEnv::start().await;
    let admin = 42;
    env.telegram.add_private_chat(admin, "Redaktur");
    env.write_config(&env.config_text_with_fetch("alert_after = 2\nbackoff_max = \"400ms\"", ""));
    env.feeds.fail_with(FEED_PATH, 502);
    let app = env.spawn();
    let alert = env.telegram.wait_for_messages(admin, 1).await.remove(0);
    assert!(alert.text.starts_with("⚠️ Feed bermasalah"), "{}", alert.text);
    assert!(alert.text.contains(&env.feeds.url(FEED_PATH)) && alert.text.contains("HTTP 502"), "{}", alert.text);
    // More failures: no more alerts.
    wait_for_more_fetches(&env, FEED_PATH, 3).await;
    assert_eq!(env.telegram.messages_in(admin).len(), 1, "never spammed");

    env.feeds.set_feed(FEED_PATH, &items(&[2, 1]));
    let messages = env.telegram.wait_for_messages(admin, 2).await;
    assert!(messages[1].text.starts_with("✅ Feed pulih"), "{}", messages[1].text);
    wait_for_more_fetches(&env, FEED_PATH, 2).await;
    assert_eq!(env.telegram.messages_in(admin).len(), 2);
    app.stop().await;
}

#[tokio::test]
async fn a_permanently_moved_feed_is_fetched_at_its_new_address() {
    let env = TestEnv::start().await;
    env.feeds.set_answer(FEED_PATH, Answer::redirect(301, "/moved/feed.xml"));
    env.feeds.set_feed("moved/feed.xml", &items(&[2, 1]));
    let app = env.spawn();
    env.feeds.wait_for_requests("moved/feed.xml", 3).await;
    assert_eq!(env.feeds.requests(FEED_PATH).len(), 1, "the old address is asked once");
    env.feeds.set_feed("moved/feed.xml", &items(&[3, 2, 1]));
    let posts = env.telegram.wait_for_messages(CHANNEL_ID, 1).await;
    assert!(posts[0].text.starts_with("Berita nomor 3"));
    let (_, log) = app.stop().await;
    assert!(log.contains("feed moved permanently"), "{log}");
}

#[tokio::test]
async fn a_story_in_two_feeds_is_posted_once_and_backfill_posts_the_newest() {
    let env = TestEnv::start().await;
    let category = "category/samarinda/feed.xml";
    env.feeds.set_feed(category, &items(&[3, 2]));
    let extra = format!("\n[[feeds]]\nurl = \"{}\"\ninterval = \"300ms\"\nbackfill = 1\n", env.feeds.url(category));
    env.write_config(&env.config_text(&extra));
    let app = env.spawn();
    // The category feed backfills its newest article (3) on the first run.
    let posts = env.telegram.wait_for_messages(CHANNEL_ID, 1).await;
    assert!(posts[0].text.starts_with("Berita nomor 3"), "{}", posts[0].text);
    env.feeds.wait_for_requests(FEED_PATH, 2).await;
    env.feeds.wait_for_requests(category, 2).await;
    // Article 5 appears in both feeds.
    env.feeds.set_feed(FEED_PATH, &items(&[5, 3, 2, 1]));
    env.feeds.set_feed(category, &items(&[5, 3, 2]));
    env.telegram.wait_for_messages(CHANNEL_ID, 2).await;
    wait_for_more_fetches(&env, FEED_PATH, 2).await;
    wait_for_more_fetches(&env, category, 2).await;
    assert_eq!(titles(&env), ["Berita nomor 3", "Berita nomor 5"]);
    app.stop().await;
}

#[tokio::test]
async fn a_hanging_feed_delays_neither_other_feeds_nor_commands() {
    let env = TestEnv::start().await;
    let slow = "slow.xml";
    env.feeds.set_answer(slow, Answer::body(200, items(&[1])).delayed(Duration::from_secs(60)));
    let extra = format!("\n[[feeds]]\nurl = \"{}\"\ninterval = \"300ms\"\n", env.feeds.url(slow));
    env.write_config(&env.config_text(&extra));
    let app = env.spawn();
    env.feeds.wait_for_requests(slow, 1).await;
    env.feeds.wait_for_requests(FEED_PATH, 2).await;
    env.feeds.set_feed(FEED_PATH, &items(&[4, 3, 2, 1]));
    env.telegram.wait_for_messages(CHANNEL_ID, 1).await;
    let reader = FakeUser::new(3001, "Budi", Some("id"));
    env.telegram.user_sends(&reader, reader.id, "/latest 1");
    let reply = env.telegram.wait_for_messages(reader.id, 1).await.remove(0);
    assert!(reply.text.contains("Berita nomor 4"), "{}", reply.text);
    assert_eq!(env.feeds.requests(slow).len(), 1, "the slow feed is still hanging");
    let (_, log) = app.stop().await;
    assert!(!log.contains("panicked"), "{log}");
}

#[tokio::test]
async fn broken_answers_are_logged_once_each_and_nothing_stored_is_lost() {
    let env = TestEnv::start().await;
    env.write_config(&env.config_text_with_fetch("backoff_max = \"600ms\"", ""));
    let app = env.spawn();
    env.feeds.wait_for_requests(FEED_PATH, 2).await;
    let mut bomb = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut bomb, &vec![b' '; 64 * 1024 * 1024]).expect("compress");
    let broken = [
        Answer::body(200, "<rss version=\"2.0\"><channel><title>x</tit"),
        Answer::body(200, "<!DOCTYPE html><html><body>Maintenance</body></html>"),
        Answer::body(200, ""),
        Answer::redirect(302, &format!("/{FEED_PATH}")),
        Answer::body(200, bomb.finish().expect("bomb")).header("content-encoding", "gzip"),
        Answer::body(200, vec![b'x'; 50 * 1024 * 1024]).chunked(),
        Answer::body(200, items(&[1])).delayed(Duration::from_secs(8)),
    ];
    for answer in broken {
        env.feeds.set_answer(FEED_PATH, answer);
        wait_for_more_fetches(&env, FEED_PATH, 1).await;
    }
    env.feeds.set_feed(FEED_PATH, &items(&[4, 3, 2, 1]));
    let posts = env.telegram.wait_for_messages(CHANNEL_ID, 1).await;
    assert!(posts[0].text.starts_with("Berita nomor 4"), "the articles stored before the breakage were kept");
    let reader = FakeUser::new(3002, "Sari", Some("id"));
    env.telegram.user_sends(&reader, reader.id, "/latest 4");
    let reply = env.telegram.wait_for_messages(reader.id, 1).await.remove(0);
    assert_eq!(reply.links().len(), 4);
    let (_, log) = app.stop().await;
    for reason in [
        "malformed feed",
        "an HTML page",
        "empty body",
        "redirect loop",
        "bytes once decompressed",
        "body larger than 5242880 bytes",
        "timed out after 5s",
    ] {
        let lines = log.lines().filter(|l| l.contains("feed fetch failed") && l.contains(reason)).count();
        assert_eq!(lines, 1, "{reason:?} logged once:\n{log}");
    }
}

#[tokio::test]
async fn items_without_guid_or_link_are_recognised_by_their_content() {
    let env = TestEnv::start().await;
    let bare = |titles: &[&str]| {
        let items: String = titles
            .iter()
            .map(|t| format!("<item><title>{t}</title><description>Isi {t}</description></item>"))
            .collect();
        format!("<rss version=\"2.0\"><channel><title>Tanpa guid</title>{items}</channel></rss>")
    };
    env.feeds.set_feed(FEED_PATH, &bare(&["Satu", "Dua"]));
    let app = env.spawn();
    env.feeds.wait_for_requests(FEED_PATH, 2).await;
    env.feeds.set_feed(FEED_PATH, &bare(&["Tiga", "Satu", "Dua"]));
    env.telegram.wait_for_messages(CHANNEL_ID, 1).await;
    env.feeds.set_feed(FEED_PATH, &bare(&["Dua", "Tiga", "Satu"]));
    wait_for_more_fetches(&env, FEED_PATH, 2).await;
    let posts = env.telegram.messages_in(CHANNEL_ID);
    assert_eq!(posts.len(), 1);
    assert!(posts[0].text.starts_with("Tiga"), "{}", posts[0].text);
    assert!(posts[0].button_urls().is_empty(), "no link, no button");
    let (_, log) = app.stop().await;
    assert!(log.contains("keyed by their content"), "{log}");
}

/// An alert reaches each admin in their language: Indonesian for one, English
/// for an admin whose Telegram speaks English — and is raised once for both.
#[tokio::test]
async fn alerts_reach_each_admin_in_their_language() {
    let env = TestEnv::start().await;
    env.telegram.add_private_chat(42, "Redaktur");
    env.telegram.add_private_chat(43, "Editor");
    let config = env.config_text_with_fetch("alert_after = 2\nbackoff_max = \"400ms\"", "");
    env.write_config(&config.replace("user_ids = [42]", "user_ids = [42, 43]"));
    let app = env.spawn();
    env.feeds.wait_for_requests(FEED_PATH, 2).await;
    // The English-speaking admin has talked to the bot, so Warta knows their language.
    let editor = crate::support::FakeUser::new(43, "Editor", Some("en-GB"));
    env.telegram.user_sends(&editor, 43, "/help");
    env.telegram.wait_for_messages(43, 1).await;

    env.feeds.fail_with(FEED_PATH, 502);
    let indonesian = env.telegram.wait_for_messages(42, 1).await.remove(0);
    assert!(indonesian.text.starts_with("⚠️ Feed bermasalah"), "{}", indonesian.text);
    let english = env.telegram.wait_for_messages(43, 2).await.remove(1);
    assert!(english.text.starts_with("⚠️ Feed failing"), "{}", english.text);
    assert!(english.text.contains("HTTP 502"), "{}", english.text);
    wait_for_more_fetches(&env, FEED_PATH, 3).await;
    assert_eq!((env.telegram.messages_in(42).len(), env.telegram.messages_in(43).len()), (1, 2), "raised once");
    app.stop().await;
}

// The same flows with the store on PostgreSQL.
crate::on_both_backends!(a_corrected_article_edits_its_post_instead_of_posting_again,);
