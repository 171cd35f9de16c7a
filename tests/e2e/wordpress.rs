//! Against a real WordPress (Debian's packages, started by
//! `scripts/wordpress.sh`; `.ci/run` does that): publish → ping → post with
//! the featured image, never an emoji; categories not tags; the Advertorial
//! lead; protected posts and shortcodes; one story once in /latest; the
//! site's name on category feeds; after a restart a burst with a re-dated
//! story, all posted in order; 304s from Apache; a trashed story put to the
//! admins with Tarik. One test: the scenarios share the one site.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::support::app::free_port;
use crate::support::fake_telegram::SentMessage;
use crate::support::wordpress::WordPress;
use crate::support::{CHANNEL_ID, FakeUser, TestEnv};

const ADMIN: i64 = 42;
const WAIT: Duration = Duration::from_secs(30);
/// WordPress answers 304 after a trash (its validators follow the newest
/// published post): the periodic unconditional fetch sees the change.
const FETCH: &str = "unconditional_every = \"2s\"";

fn channel_posts(env: &TestEnv) -> Vec<SentMessage> {
    env.telegram.messages_in(CHANNEL_ID)
}

async fn wait_for_post(env: &TestEnv, title: &str) -> SentMessage {
    env.telegram
        .wait_until(&format!("{title:?} posted"), WAIT, |t| {
            t.messages_in(CHANNEL_ID).iter().any(|m| m.text.contains(title))
        })
        .await;
    channel_posts(env).into_iter().find(|m| m.text.contains(title)).expect("post")
}

fn unique(label: &str) -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    format!("{label} {}", nanos % 1_000_000_000)
}

#[tokio::test]
async fn a_real_wordpress_newsroom_end_to_end() {
    let Some(wp) = WordPress::from_env("wordpress::a_real_wordpress_newsroom_end_to_end") else { return };
    let env = TestEnv::start().await;
    env.telegram.add_private_chat(ADMIN, "Redaktur");
    let port = free_port();
    wp.php("pings", &format!("http://127.0.0.1:{port}/ping"));

    // Phase 1: polled hourly, so only the publish ping brings a post at once.
    env.write_config(&wp.warta_config(&env, port, "1h", FETCH));
    let app = env.spawn();
    wp.wait_for_fetches("/category/samarinda/feed/", 1, WAIT).await;
    wp.wait_for_fetches("/feed/", 0, WAIT).await;
    tokio::time::sleep(Duration::from_secs(1)).await;

    // Emoji title, featured image only, a category and two tags.
    let flash = unique("⚡ Listrik padam di Samarinda");
    wp.publish(json!({
        "title": flash, "content": "<p>⚡ Listrik padam sejak pagi di tiga kecamatan.</p>",
        "categories": ["samarinda"], "tags": ["PLN", "Banjir"], "featured": true,
    }));
    let published = Instant::now();
    wp.visit().await;
    let post = wait_for_post(&env, &flash).await;
    let latency = published.elapsed();
    let photo = post.photo.clone().expect("posted as a photo");
    assert!(photo.contains("/wp-content/uploads/") && photo.contains("featured-"), "the featured image: {photo}");
    assert!(!photo.contains("s.w.org"), "never the emoji: {photo}");
    assert!(post.text.contains("#Samarinda") && !post.text.contains("#PLN"), "categories, not tags: {}", post.text);
    assert!(post.text.contains("Kaltimtoday.co"), "the site's name: {}", post.text);
    assert!(latency < Duration::from_secs(15), "publish → post took {latency:?}");

    // The Advertorial credit and the promotion in the one-paragraph excerpt.
    let adv = unique("Pemkab Kukar resmikan jembatan");
    wp.publish(json!({
        "title": adv, "categories": ["advertorial", "kutai-kartanegara"],
        "content": "<p>[RWT | ADV DISKOMINFO KUKAR] TENGGARONG – Pemkab Kukar meresmikan jembatan baru.</p>\
                    <p>Dapatkan update berita pilihan dan breaking news setiap hari</p>",
    }));
    // A protected post, and one with a disabled plugin's shortcode.
    let secret = unique("Rahasia redaksi");
    wp.publish(json!({"title": secret, "content": "<p>Isi rahasia.</p>", "password": "sandi"}));
    let gallery = unique("Warga padati lapangan");
    wp.publish(json!({
        "title": gallery, "categories": ["balikpapan"],
        "content": "[gallery ids=\"1,2,3\"]<p>Warga memadati lapangan Merdeka.</p>",
    }));
    wp.visit().await;
    let adv_post = wait_for_post(&env, &adv).await;
    assert!(adv_post.text.contains("Pemkab Kukar meresmikan jembatan baru."), "the lead: {}", adv_post.text);
    assert!(adv_post.text.contains("Advertorial"), "{}", adv_post.text);
    assert!(!adv_post.text.contains("Dapatkan update"), "{}", adv_post.text);
    let gallery_post = wait_for_post(&env, &gallery).await;
    assert!(!gallery_post.text.contains("[gallery"), "{}", gallery_post.text);
    assert!(channel_posts(&env).iter().all(|m| !m.text.contains(&secret)), "a protected post is not for readers");

    // One story once in /latest, though both feeds carry the Samarinda one; no tag in /kategori.
    let reader = FakeUser::new(777, "Pembaca", Some("id"));
    env.telegram.add_private_chat(reader.id, "Pembaca");
    env.telegram.user_sends(&reader, reader.id, "/latest 10");
    let latest = env.telegram.wait_for_messages(reader.id, 1).await.remove(0);
    assert_eq!(latest.text.matches(&flash).count(), 1, "{}", latest.text);
    env.telegram.user_sends(&reader, reader.id, "/kategori");
    let picker = env.telegram.wait_for_messages(reader.id, 2).await.remove(1);
    let offered = picker.button_texts().join(" | ");
    assert!(offered.contains("Samarinda") && !offered.contains("PLN"), "{offered}");
    let (_, log) = app.stop().await;
    assert!(!log.contains("panicked"), "{log}");

    // While Warta is down: a story re-dated to the top and a burst of 12.
    let first_known = wp.publish(json!({"title": unique("Berita lama"), "content": "<p>Lama.</p>"}));
    let burst: Vec<String> = (1..=12).map(|n| unique(&format!("Berita beruntun {n:02}"))).collect();
    // Phase 2 first records what is there now: the known story, then the burst.
    env.write_config(&wp.warta_config(&env, port, "300ms", FETCH));
    let app = env.spawn();
    wp.wait_for_fetches("/feed/", 2, WAIT).await;
    let _ = app.stop().await;
    wp.php("redate", &first_known.id.to_string());
    let mut burst_posts = Vec::new();
    for title in &burst {
        burst_posts.push(wp.publish(json!({"title": title, "content": "<p>Isi berita beruntun.</p>"})));
    }
    let app = env.spawn();
    env.telegram
        .wait_until("the whole burst posted", WAIT, |t| {
            burst.iter().all(|title| t.messages_in(CHANNEL_ID).iter().any(|m| m.text.starts_with(title.as_str())))
        })
        .await;
    let order: Vec<usize> = channel_posts(&env)
        .iter()
        .filter_map(|m| burst.iter().position(|title| m.text.starts_with(title.as_str())))
        .collect();
    assert_eq!(order, (0..12).collect::<Vec<_>>(), "each once, oldest first");
    assert!(!wp.statuses("/feed/?paged=2").is_empty(), "page 2 was read");

    // Unchanged: Apache and WordPress answer 304.
    let before = wp.statuses("/feed/").len();
    wp.wait_for_fetches("/feed/", 3, WAIT).await;
    let later: Vec<u16> = wp.statuses("/feed/").into_iter().skip(before).collect();
    assert!(later.iter().filter(|s| **s == 304).count() >= 2, "conditional fetches get 304: {later:?}");

    // A posted story trashed: the admins are asked once, with Tarik; a press retracts it.
    let trashed = &burst_posts[11];
    wp.php("trash", &trashed.id.to_string());
    env.telegram
        .wait_until("the admins told", WAIT, |t| t.messages_in(ADMIN).iter().any(|m| m.text.contains("hilang")))
        .await;
    let notice = env.telegram.messages_in(ADMIN).into_iter().find(|m| m.text.contains("hilang")).expect("notice");
    assert!(notice.text.contains(&burst[11]), "{}", notice.text);
    let data = notice.callback_data().into_iter().find(|d| d.starts_with("g:tarik:")).expect("Tarik button");
    assert!(channel_posts(&env).iter().any(|m| m.text.starts_with(burst[11].as_str())), "nothing retracted by itself");
    let admin = FakeUser::new(ADMIN, "Redaktur", Some("id"));
    let update = env.telegram.user_presses(&admin, ADMIN, notice.message_id, &data);
    env.telegram.wait_until("Tarik answered", WAIT, |t| t.callback_answer(update).is_some()).await;
    env.telegram
        .wait_until("the post deleted", WAIT, |t| {
            t.all_messages()
                .iter()
                .any(|m| m.chat_id == CHANNEL_ID && m.text.starts_with(burst[11].as_str()) && m.deleted)
        })
        .await;
    // Republishing sends nothing new, and the admins are not asked again.
    wp.php("republish", &trashed.id.to_string());
    wp.wait_for_fetches("/feed/", 4, WAIT).await;
    let posted = env
        .telegram
        .all_messages()
        .iter()
        .filter(|m| m.chat_id == CHANNEL_ID && m.text.starts_with(burst[11].as_str()))
        .count();
    assert_eq!(posted, 1);
    assert_eq!(env.telegram.messages_in(ADMIN).iter().filter(|m| m.text.contains("hilang")).count(), 1);
    let (_, log) = app.stop().await;
    assert!(!log.contains("panicked"), "{log}");
    eprintln!("publish → post with the ping: {latency:?}");
}
