//! JSON log lines name what they are about through their span: a poll its
//! feed (id and host), a button press its chat and what the button does.

use std::time::Duration;

use serde_json::Value;

use crate::support::app::FEED_PATH;
use crate::support::{FakeUser, TOKEN, TestEnv};

#[tokio::test]
async fn poll_and_button_press_lines_carry_their_feed_and_their_chat_and_command() {
    let env = TestEnv::start().await;
    let app = env.spawn_with(&[], &["--log-format", "json"]);
    env.feeds.wait_for_requests(FEED_PATH, 2).await;
    let budi = FakeUser::new(4001, "Budi", Some("id"));
    env.telegram.user_sends(&budi, budi.id, "/start");
    let welcome = env.telegram.wait_for_messages(budi.id, 1).await.remove(0);
    env.telegram.user_presses(&budi, budi.id, welcome.message_id, "sub");
    env.telegram.wait_until("the button flipped", Duration::from_secs(30), |t| t.messages_in(4001)[0].edits == 1).await;
    let (status, log) = app.stop().await;
    assert!(status.success(), "{log}");
    let lines: Vec<Value> = log.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();

    let polls: Vec<_> = lines.iter().filter(|l| l["span"]["name"] == "poll").collect();
    assert!(!polls.is_empty(), "no line inside a poll span:\n{log}");
    for line in &polls {
        assert!(line["span"]["feed_id"].is_number(), "{line}");
        assert_eq!(line["span"]["feed"], "127.0.0.1", "{line}");
    }

    let subscribed = lines.iter().find(|l| l["message"] == "reader subscribed").expect("the subscription's line");
    assert_eq!(subscribed["span"]["name"], "press", "{subscribed}");
    assert_eq!(subscribed["span"]["chat_id"], 4001, "{subscribed}");
    assert_eq!(subscribed["span"]["command"], "subscribe", "{subscribed}");
    assert!(!log.contains(TOKEN));
}
