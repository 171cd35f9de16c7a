//! A storm of readers during a fan-out: the real `warta` binary fans one new
//! article out to 2,000 subscribers against the fake Bot API enforcing
//! Telegram's limits (30 messages/s overall, about 1/s per chat, with 429s),
//! and 10 s in, 1,000 new readers send /subscribe within 2 s.
//!
//!     cargo bench --bench reply_storm
//!     cargo bench --bench reply_storm -- --subscribers 1000 --storm 500
//!
//! Reports how long the readers waited for their answer (at the fake: from
//! the update queued to the answer arriving), answers lost, and the fan-out's
//! pace before and during the storm. Replies and routine posts share the
//! 30/s: replies take two turns for each routine post while both wait.

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use support::app::FEED_PATH;
use support::bench::count_arg;
use support::{FakeUser, FloodLimits, Item, TestEnv, rss};

fn main() {
    let subscribers = count_arg("--subscribers", 2_000);
    let storm = count_arg("--storm", 1_000);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    runtime.block_on(run(subscribers, storm));
}

async fn run(subscribers: usize, storm: usize) {
    let env = TestEnv::start().await;
    let readers: Vec<i64> = (1_000_000..1_000_000 + subscribers as i64).collect();
    env.seed_subscribers(&readers).await;
    let newcomers: Vec<FakeUser> =
        (0..storm).map(|n| FakeUser::new(2_000_000 + n as i64, "Pembaca baru", Some("id"))).collect();
    for user in &newcomers {
        env.telegram.add_private_chat(user.id, "Pembaca baru");
    }
    env.telegram.enforce_limits(FloodLimits::default());
    let app = env.spawn();
    env.feeds.wait_for_requests(FEED_PATH, 2).await;
    println!(
        "reply storm: 1 article to {subscribers} subscribers at 30/s; {storm} newcomers send /subscribe within 2 s, 10 s in"
    );

    let delivered = |env: &TestEnv| {
        env.telegram.all_messages().iter().filter(|m| (1_000_000..2_000_000).contains(&m.chat_id)).count()
    };
    env.feeds.set_feed(FEED_PATH, &rss(&[Item::numbered(4), Item::numbered(3), Item::numbered(2), Item::numbered(1)]));
    env.telegram
        .wait_until("the fan-out under way", Duration::from_secs(30), |t| {
            t.all_messages().iter().any(|m| (1_000_000..2_000_000).contains(&m.chat_id))
        })
        .await;
    let fan_out_start = Instant::now();
    tokio::time::sleep(Duration::from_secs(10)).await;
    let before = delivered(&env) as f64 / fan_out_start.elapsed().as_secs_f64();

    let storm_start = Instant::now();
    let mut asked = Vec::with_capacity(storm);
    for (n, user) in newcomers.iter().enumerate() {
        env.telegram.user_sends(user, user.id, "/subscribe");
        asked.push(Instant::now());
        if n % 50 == 49 {
            tokio::time::sleep(Duration::from_millis(2_000 / (storm as u64 / 50).max(1))).await;
        }
    }
    let sent_at_storm = delivered(&env);
    let mut waited: Vec<Option<Duration>> = vec![None; storm];
    let deadline = storm_start + Duration::from_secs(120);
    let mut seen = 0;
    while waited.iter().any(Option::is_none) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let all = env.telegram.all_messages();
        for message in &all[seen.min(all.len())..] {
            if let Some(n) = usize::try_from(message.chat_id - 2_000_000).ok().filter(|n| *n < storm)
                && waited[n].is_none()
            {
                waited[n] = Some(asked[n].elapsed());
            }
        }
        seen = all.len();
    }
    let storm_took = storm_start.elapsed();
    let during = (delivered(&env) - sent_at_storm) as f64 / storm_took.as_secs_f64();
    let mut answered: Vec<Duration> = waited.iter().flatten().copied().collect();
    answered.sort();
    let at = |q: f64| answered[((answered.len() as f64 * q) as usize).min(answered.len() - 1)].as_secs_f64();
    println!("  fan-out before the storm: {before:.1} msg/s");
    if answered.is_empty() {
        println!("  no newcomer was answered within 120 s");
    } else {
        println!(
            "  {} of {storm} answered (lost: {}); waited p50 {:.1} s, p90 {:.1} s, p99 {:.1} s, max {:.1} s",
            answered.len(),
            storm - answered.len(),
            at(0.5),
            at(0.9),
            at(0.99),
            at(1.0)
        );
    }
    println!(
        "  fan-out while the answers went out ({:.1} s): {during:.1} msg/s = {:.0} % of its pace before",
        storm_took.as_secs_f64(),
        during / before * 100.0
    );
    println!("  429s: {}", env.telegram.flood_refusals());
    let (_, log) = app.stop().await;
    assert!(!log.contains("panicked"), "{log}");
}
