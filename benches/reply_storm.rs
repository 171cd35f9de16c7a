//! A storm of readers during a fan-out: the real `warta` binary fans one new
//! article out to 2,000 subscribers against the fake Bot API enforcing
//! Telegram's limits (30 messages/s overall, about 1/s per chat, with 429s),
//! and 10 s in, 1,000 new readers send /subscribe within 2 s.
//!
//!     cargo bench --bench reply_storm
//!     cargo bench --bench reply_storm -- --subscribers 1000 --storm 500
//!     cargo bench --bench reply_storm -- --paid    # paid broadcast, 100,000 subscribers
//!
//! Reports how long the readers waited for their answer (at the fake: from
//! the update queued to the answer arriving), answers lost, and the fan-out's
//! pace before and during the storm. Replies and routine posts share the
//! 30/s (with `--paid`, the 1000/s): replies take two turns for each routine
//! post while both wait.

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use support::app::FEED_PATH;
use support::bench::count_arg;
use support::{FakeUser, FloodLimits, Item, TestEnv, rss};

fn main() {
    let paid = std::env::args().any(|a| a == "--paid");
    // Enough readers for the fan-out to outlast the storm at either rate.
    let subscribers = count_arg("--subscribers", if paid { 100_000 } else { 2_000 });
    let storm = count_arg("--storm", 1_000);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    runtime.block_on(run(subscribers, storm, paid));
}

async fn run(subscribers: usize, storm: usize, paid: bool) {
    let env = TestEnv::start().await;
    if paid {
        let config = env.config_with_delivery("paid_broadcast = true\npaid_per_second = 1000\nconcurrency = 128");
        env.write_config(&config);
    }
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
        "reply storm: 1 article to {subscribers} subscribers at {}; {storm} newcomers send /subscribe within 2 s, 10 s in",
        if paid { "1000/s (paid broadcast)" } else { "30/s" }
    );

    env.feeds.set_feed(FEED_PATH, &rss(&[Item::numbered(4), Item::numbered(3), Item::numbered(2), Item::numbered(1)]));
    let mut tally = Tally { seen: 0, fanned_out: 0, waited: vec![None; storm] };
    let no_questions: Vec<Instant> = Vec::new();
    while tally.fanned_out == 0 {
        tokio::time::sleep(Duration::from_millis(20)).await;
        tally.update(&env, &no_questions);
    }
    let fan_out_start = Instant::now();
    tokio::time::sleep(Duration::from_secs(10)).await;
    tally.update(&env, &no_questions);
    let before = tally.fanned_out as f64 / fan_out_start.elapsed().as_secs_f64();

    let storm_start = Instant::now();
    let mut asked = Vec::with_capacity(storm);
    for (n, user) in newcomers.iter().enumerate() {
        env.telegram.user_sends(user, user.id, "/subscribe");
        asked.push(Instant::now());
        if n % 50 == 49 {
            tokio::time::sleep(Duration::from_millis(2_000 / (storm as u64 / 50).max(1))).await;
            tally.update(&env, &asked);
        }
    }
    tally.update(&env, &asked);
    let sent_at_storm = tally.fanned_out;
    // Watched until every newcomer is answered (at most 120 s) and for at
    // least the 60 s the answers are allowed: the fan-out's pace is told over both.
    let mut all_answered: Option<(Duration, usize)> = None;
    let mut in_a_minute: Option<usize> = None;
    while storm_start.elapsed() < Duration::from_secs(120) && (all_answered.is_none() || in_a_minute.is_none()) {
        tokio::time::sleep(Duration::from_millis(50)).await;
        tally.update(&env, &asked);
        if all_answered.is_none() && tally.waited.iter().all(Option::is_some) {
            all_answered = Some((storm_start.elapsed(), tally.fanned_out));
        }
        if in_a_minute.is_none() && storm_start.elapsed() >= Duration::from_secs(60) {
            in_a_minute = Some(tally.fanned_out);
        }
    }
    let mut answered: Vec<Duration> = tally.waited.iter().flatten().copied().collect();
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
    let pace = |label: &str, took: Duration, fanned_out: usize| {
        let rate = (fanned_out - sent_at_storm) as f64 / took.as_secs_f64();
        println!(
            "  fan-out {label} ({:.1} s): {rate:.1} msg/s = {:.0} % of its pace before",
            took.as_secs_f64(),
            rate / before * 100.0
        );
    };
    if let Some((took, fanned_out)) = all_answered {
        pace("while the answers went out", took, fanned_out);
    }
    match in_a_minute {
        Some(fanned_out) if fanned_out < subscribers => {
            pace("over the 60 s the answers may take", Duration::from_secs(60), fanned_out)
        }
        _ => println!("  the fan-out ended within 60 s of the storm: give it more subscribers for the 60 s pace"),
    }
    println!("  429s: {}", env.telegram.flood_refusals());
    let (_, log) = app.stop().await;
    assert!(!log.contains("panicked"), "{log}");
}

/// What the fake Bot API has received so far, read incrementally.
struct Tally {
    seen: usize,
    /// Messages to the subscribers.
    fanned_out: usize,
    /// How long each newcomer waited for the first answer.
    waited: Vec<Option<Duration>>,
}

impl Tally {
    fn update(&mut self, env: &TestEnv, asked: &[Instant]) {
        let new = env.telegram.messages_from(self.seen);
        self.seen += new.len();
        for message in new {
            if (1_000_000..2_000_000).contains(&message.chat_id) {
                self.fanned_out += 1;
            } else if let Some(n) = usize::try_from(message.chat_id - 2_000_000).ok().filter(|n| *n < asked.len())
                && self.waited[n].is_none()
            {
                self.waited[n] = Some(asked[n].elapsed());
            }
        }
    }
}
