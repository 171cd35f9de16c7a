//! Two `warta run` processes on one PostgreSQL: one leads, the other stands
//! by and takes over when the leader dies (kill -9) or hangs (SIGSTOP). The
//! fake Bot API marks each call with the instance that made it.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::support::app::{FEED_PATH, free_port, get, run_on_backend};
use crate::support::{CHANNEL_ID, FakeUser, Item, RunningApp, TestEnv, rss};

/// The admin in the test config.
const ADMIN: i64 = 42;

/// Sends in flight at once per instance: the bound on repeats after a kill.
const CONCURRENCY: usize = 8;

fn items(numbers: &[u32]) -> String {
    rss(&numbers.iter().map(|n| Item::numbered(*n)).collect::<Vec<_>>())
}

/// The test config, sending at 200/s so that a 2,000-reader fan-out lasts
/// about ten seconds.
fn config(env: &TestEnv) -> String {
    env.config_with_delivery(&format!("overall_per_second = 200\nconcurrency = {CONCURRENCY}"))
}

/// Starts instance `name` with its own API path and listener.
fn instance(env: &TestEnv, name: &str, port: u16) -> RunningApp {
    let api = env.telegram.api_url_for(name);
    let listen = format!("127.0.0.1:{port}");
    env.spawn_with(&[("WARTA__TELEGRAM__API_URL", &api), ("WARTA__HTTP__LISTEN", &listen)], &[])
}

async fn wait_for_log(app: &RunningApp, text: &str, within: Duration) {
    let deadline = Instant::now() + within;
    while !app.log().contains(text) {
        assert!(Instant::now() < deadline, "no {text:?} within {within:?}; log:\n{}", app.log());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// sendMessage calls that went through, per instance, with their times.
fn sends_by(env: &TestEnv, instance: &str) -> Vec<Instant> {
    env.telegram
        .calls_to("sendMessage")
        .into_iter()
        .filter(|call| call.error.is_none() && call.via.as_deref() == Some(instance))
        .map(|call| call.at)
        .collect()
}

fn received(env: &TestEnv, readers: &[i64]) -> HashMap<i64, usize> {
    readers.iter().map(|id| (*id, env.telegram.messages_in(*id).len())).collect()
}

/// Two instances on a fresh PostgreSQL store with `readers` subscribed; the
/// first leads (and has recorded the feed), the second stands by.
async fn two_instances(env: &TestEnv, readers: &[i64]) -> (RunningApp, u16, RunningApp, u16) {
    env.write_config(&config(env));
    env.seed_subscribers(readers).await;
    env.telegram.add_private_chat(ADMIN, "Redaktur");
    let (port_a, port_b) = (free_port(), free_port());
    let a = instance(env, "a", port_a);
    wait_for_log(&a, "this instance leads", Duration::from_secs(20)).await;
    env.feeds.wait_for_requests(FEED_PATH, 2).await;
    let b = instance(env, "b", port_b);
    wait_for_log(&b, "standing by", Duration::from_secs(20)).await;
    assert_eq!(get(port_b, "/readyz").await, (200, "ready-standby\n".to_owned()));
    // /status names the leader and the standby (holders are host/pid-…).
    let admin = FakeUser::new(ADMIN, "Redaktur", Some("id"));
    env.telegram.user_sends(&admin, ADMIN, "/status");
    let status = env.telegram.wait_for_messages(ADMIN, 1).await.remove(0).text;
    let line = status.lines().find(|line| line.contains("Pemimpin:")).unwrap_or_else(|| panic!("{status}"));
    let (leader, standbys) = line.split_once("cadangan:").expect("both named");
    assert!(leader.contains(&format!("/{}-", a.pid())), "{line}");
    assert!(standbys.contains(&format!("/{}-", b.pid())), "{line}");
    (a, port_a, b, port_b)
}

#[tokio::test]
async fn the_standby_takes_over_within_ten_seconds_of_a_kill_and_every_reader_gets_the_article() {
    run_on_backend(true, "failover_kill", async {
        let env = TestEnv::start().await;
        let readers: Vec<i64> = (80_000..82_000).collect();
        let (a, _, b, port_b) = two_instances(&env, &readers).await;
        env.feeds.set_feed(FEED_PATH, &items(&[4, 3, 2, 1]));
        env.telegram
            .wait_until("300 readers served", Duration::from_secs(30), |t| {
                readers.iter().filter(|id| !t.messages_in(**id).is_empty()).count() >= 300
            })
            .await;
        let log_a = a.kill();
        let killed = Instant::now();
        assert!(!log_a.contains("Warta stopping"), "killed, not stopped");
        env.telegram
            .wait_until("every reader served", Duration::from_secs(60), |t| {
                readers.iter().all(|id| !t.messages_in(*id).is_empty())
            })
            .await;
        let first_b = sends_by(&env, "b").into_iter().min().expect("b sent");
        let takeover = first_b.duration_since(killed);
        eprintln!("takeover after kill -9: {takeover:?}");
        assert!(takeover <= Duration::from_secs(10), "the standby took {takeover:?}");
        tokio::time::sleep(Duration::from_secs(1)).await;
        let counts = received(&env, &readers);
        let repeats: usize = counts.values().map(|n| n - 1).sum();
        assert!(repeats <= CONCURRENCY, "{repeats} repeats, bound {CONCURRENCY}");
        assert_eq!(env.telegram.messages_in(CHANNEL_ID).len(), 1, "the channel got the article once");
        assert!(b.log().contains("this instance leads"), "{}", b.log());
        let (status, body) = get(port_b, "/readyz").await;
        assert_eq!(status, 200, "{body}");
        assert!(!body.contains("standby"), "{body}");
        b.stop().await;
    })
    .await;
}

#[tokio::test]
async fn a_leader_paused_past_its_lease_sends_nothing_after_the_standby_took_over() {
    run_on_backend(true, "failover_pause", async {
        let env = TestEnv::start().await;
        let readers: Vec<i64> = (83_000..85_000).collect();
        let (a, _, b, _) = two_instances(&env, &readers).await;
        env.feeds.set_feed(FEED_PATH, &items(&[4, 3, 2, 1]));
        env.telegram
            .wait_until("300 readers served", Duration::from_secs(30), |t| {
                readers.iter().filter(|id| !t.messages_in(**id).is_empty()).count() >= 300
            })
            .await;
        signal(&a, libc::SIGSTOP);
        env.telegram
            .wait_until("the standby sends", Duration::from_secs(20), |_| !sends_by(&env, "b").is_empty())
            .await;
        let took_over = sends_by(&env, "b").into_iter().min().expect("b sent");
        // The old leader wakes while the new one is mid fan-out.
        signal(&a, libc::SIGCONT);
        let (status, log_a) = a.wait(Duration::from_secs(20)).await;
        assert!(!status.success(), "the old leader stops when it finds the lead gone:\n{log_a}");
        assert!(log_a.contains("another instance took the lead") || log_a.contains("no longer leads"), "{log_a}");
        env.telegram
            .wait_until("every reader served", Duration::from_secs(60), |t| {
                readers.iter().all(|id| !t.messages_in(*id).is_empty())
            })
            .await;
        let late: Vec<Instant> = sends_by(&env, "a").into_iter().filter(|at| *at > took_over).collect();
        assert!(late.is_empty(), "{} sends by the old leader after the takeover", late.len());
        let counts = received(&env, &readers);
        let repeats: usize = counts.values().map(|n| n - 1).sum();
        assert!(repeats <= CONCURRENCY, "{repeats} repeats, bound {CONCURRENCY}");
        b.stop().await;
    })
    .await;
}

fn signal(app: &RunningApp, signal: libc::c_int) {
    let pid = libc::pid_t::try_from(app.pid()).expect("pid fits");
    // SAFETY: a signal to our own child process.
    unsafe {
        libc::kill(pid, signal);
    }
}
