//! Pacing at Telegram's limits: an overall rate (about 30 messages/s, or the
//! paid-broadcast rate; one schedule whose spacing follows the rate in
//! force), and a pace per chat by kind (the `governor` rate limiter:
//! about 1/s in a private chat, 20/min in a group, a configurable rate in a
//! channel). Everything the bot sends takes its turn
//! here: the outbox's posts and the replies to readers' commands, each in its
//! [`Lane`], so that a storm of replies does not starve breaking news, nor a
//! fan-out the replies.
//!
//! Flood control that hits a private chat means the overall limit was
//! reached: everything pauses for `retry_after` and the overall rate steps
//! down by a fifth, then returns to the configured rate after a few calm
//! seconds. (A chat's own 429 pauses only that chat: its delivery is
//! rescheduled, and the chat's later posts wait behind it.)

use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use tokio::sync::Semaphore;

use crate::domain::ChatKind;

/// The limits to keep to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PacingLimits {
    pub overall_per_second: u32,
    pub private_per_minute: u32,
    pub group_per_minute: u32,
    pub channel_per_minute: u32,
}

impl Default for PacingLimits {
    fn default() -> Self {
        Self { overall_per_second: 30, private_per_minute: 60, group_per_minute: 20, channel_per_minute: 20 }
    }
}

/// Who is waiting for a turn. When several lanes wait, turns go round in
/// proportion to [`Lane::weight`]; a lane alone gets every turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    /// Answers to readers' commands and button presses: someone is waiting.
    Reply,
    /// The outbox above routine priority: breaking news, alerts, editorial work.
    Urgent,
    /// The outbox's routine posts (new articles, digests of them).
    Routine,
}

impl Lane {
    /// Turns per round while the lanes contend: a reader's answer and
    /// breaking news two each, a routine post one.
    fn weight(self) -> usize {
        match self {
            Self::Reply | Self::Urgent => 2,
            Self::Routine => 1,
        }
    }

    fn index(self) -> usize {
        match self {
            Self::Reply => 0,
            Self::Urgent => 1,
            Self::Routine => 2,
        }
    }
}

/// After flood control the overall rate steps down to this fraction of the
/// configured one (once: a storm of 429s does not compound it).
const STEP_DOWN: f64 = 0.2;
/// This long without flood control (after the pause) brings the configured rate back.
const RECOVER: Duration = Duration::from_secs(3);
/// The free rate is kept this much below the limit: sends leave evenly
/// spaced, but arrive with network jitter, and Telegram counts per second.
const JITTER_MARGIN: f64 = 0.025;

struct Adaptive {
    /// The rate in force, at most the configured one.
    current: u32,
    last_flood: Option<Instant>,
    paused_until: Option<Instant>,
}

pub struct Pacer {
    limits: PacingLimits,
    private: DefaultKeyedRateLimiter<i64>,
    group: DefaultKeyedRateLimiter<i64>,
    channel: DefaultKeyedRateLimiter<i64>,
    adaptive: Mutex<Adaptive>,
    /// Calm after flood control that brings the configured rate back.
    recover_after: Duration,
    /// Each lane lets `weight` of its waiters at a time into the queue for
    /// the overall limiter (first come first served within the lane)…
    lanes: [Semaphore; 3],
    /// …where they take turns first come first served, by the one schedule
    /// of the overall rate.
    queue: tokio::sync::Mutex<Schedule>,
}

impl std::fmt::Debug for Pacer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pacer").field("limits", &self.limits).field("current", &self.current_rate()).finish()
    }
}

fn nonzero(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN)
}

/// Evenly spaced sends, with no second ever over `per_second`: Telegram
/// counts per second. At the free rate the spacing leaves a margin for
/// arrival jitter (29.25/s at 30). At high (paid) rates a little burst is
/// allowed, or the 1 ms timer would cap the rate near 90 %; the steady rate
/// then leaves room for it and for jitter (960/s plus bursts of 20 at 1000/s).
/// Returns the spacing between sends and the burst allowed.
fn pace_at(per_second: u32) -> (Duration, u32) {
    let burst = (per_second / 50).max(1);
    (Duration::from_secs_f64(1.0 / sending_rate_at(per_second)), burst)
}

/// Messages per second [`pace_at`] lets through at `per_second`.
pub fn sending_rate_at(per_second: u32) -> f64 {
    let burst = (per_second / 50).max(1);
    if burst > 1 { f64::from(per_second - 2 * burst) } else { f64::from(per_second.max(1)) * (1.0 - JITTER_MARGIN) }
}

/// The overall rate's schedule (GCRA): when the next send is due. A change
/// of rate changes the spacing from the next send on; nothing starts afresh,
/// so a change never lets a burst through.
#[derive(Debug, Default)]
struct Schedule {
    next: Option<Instant>,
}

impl Schedule {
    /// How long to wait before a send may go at `per_second`; takes the slot
    /// when it may go now (`Duration::ZERO`).
    fn take(&mut self, per_second: u32, now: Instant) -> Duration {
        let (spacing, burst) = pace_at(per_second);
        let next = self.next.unwrap_or(now);
        let tolerance = spacing * burst.saturating_sub(1);
        let earliest = next.checked_sub(tolerance).unwrap_or(next);
        if now < earliest {
            return earliest - now;
        }
        // A timer that woke a little late does not cost the slot it was
        // late for; time left idle longer than one spacing is not saved up.
        let base = if now.saturating_duration_since(next) < spacing { next } else { now };
        self.next = Some(base + spacing);
        Duration::ZERO
    }
}

/// A chat tolerates a short burst (three), then its sustained pace.
fn per_chat(per_minute: u32) -> DefaultKeyedRateLimiter<i64> {
    RateLimiter::keyed(Quota::per_minute(nonzero(per_minute)).allow_burst(nonzero(per_minute.clamp(1, 3))))
}

impl Pacer {
    pub fn new(limits: PacingLimits) -> Self {
        let lane = |lane: Lane| Semaphore::new(lane.weight());
        Self {
            limits,
            private: per_chat(limits.private_per_minute),
            group: per_chat(limits.group_per_minute),
            channel: per_chat(limits.channel_per_minute),
            adaptive: Mutex::new(Adaptive {
                current: limits.overall_per_second.max(1),
                last_flood: None,
                paused_until: None,
            }),
            recover_after: RECOVER,
            lanes: [lane(Lane::Reply), lane(Lane::Urgent), lane(Lane::Routine)],
            queue: tokio::sync::Mutex::new(Schedule::default()),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, Adaptive> {
        self.adaptive.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The overall rate in force (messages per second).
    pub fn current_rate(&self) -> u32 {
        self.state().current
    }

    /// Messages per second actually sent at the rate in force (the margin
    /// for jitter, or the paid rate's reserve for bursts, taken off).
    pub fn sending_rate(&self) -> f64 {
        sending_rate_at(self.current_rate())
    }

    /// The configured overall rate (messages per second).
    pub fn configured_rate(&self) -> u32 {
        self.limits.overall_per_second.max(1)
    }

    /// Waits until a message to `chat` (Telegram's id) of `kind` may go.
    pub async fn wait_turn(&self, chat: i64, kind: ChatKind, lane: Lane) {
        match kind {
            ChatKind::Private => self.private.until_key_ready(&chat).await,
            ChatKind::Group => self.group.until_key_ready(&chat).await,
            ChatKind::Channel => self.channel.until_key_ready(&chat).await,
        }
        self.overall_turn(lane).await;
    }

    /// Waits until a reply to a command in `chat` may go: its turn at the
    /// overall rate, and in a group the group's pace. A private chat's own
    /// pace is left to the reader's command limit (a burst of commands, then
    /// one every few seconds), so an answer does not wait behind the reader's
    /// previous one.
    pub async fn wait_reply_turn(&self, chat: i64, kind: ChatKind) {
        if kind == ChatKind::Group {
            self.group.until_key_ready(&chat).await;
        }
        self.overall_turn(Lane::Reply).await;
    }

    async fn overall_turn(&self, lane: Lane) {
        // A closed semaphore cannot happen (never closed); go on unpaced rather than stall.
        let _lane = self.lanes[lane.index()].acquire().await.ok();
        let mut schedule = self.queue.lock().await;
        loop {
            // Checked in the turn: a pause that began while this send queued holds it too.
            let pause = self.state().paused_until.map(|until| until.saturating_duration_since(Instant::now()));
            if let Some(wait) = pause.filter(|wait| !wait.is_zero()) {
                tokio::time::sleep(wait).await;
                continue;
            }
            self.recover();
            let wait = schedule.take(self.current_rate(), Instant::now());
            if wait.is_zero() {
                return;
            }
            tokio::time::sleep(wait).await;
        }
    }

    /// Telegram answered 429 with `retry_after` for a send to a chat of `kind`.
    pub fn flood_control(&self, kind: ChatKind, retry_after: Duration) {
        if kind != ChatKind::Private {
            // A group's or channel's own limit: that chat waits (its delivery is rescheduled).
            return;
        }
        let now = Instant::now();
        let mut state = self.state();
        let until = now + retry_after;
        // 429s answering sends that were already under way belong to the same
        // overload: step down once per pause, not once per answer.
        let already_paused = state.paused_until.is_some_and(|current| current > now);
        state.paused_until = Some(state.paused_until.map_or(until, |current| current.max(until)));
        state.last_flood = Some(until);
        if already_paused {
            return;
        }
        let lowered = ((f64::from(self.configured_rate()) * (1.0 - STEP_DOWN)).floor() as u32).max(1);
        if lowered < state.current {
            state.current = lowered;
            tracing::warn!(
                rate_per_s = lowered,
                retry_after_s = retry_after.as_secs(),
                "flood control: pausing all sends and slowing down"
            );
        }
    }

    /// Back to the configured rate once flood control has been calm for
    /// [`RECOVER`] after its pause.
    fn recover(&self) {
        let mut state = self.state();
        let ceiling = self.configured_rate();
        let calm = state.last_flood.is_none_or(|until| until.elapsed() >= self.recover_after);
        if state.current < ceiling && calm {
            state.current = ceiling;
            tracing::info!(rate_per_s = ceiling, "flood control over: back to the configured rate");
        }
    }

    /// Forgets the pace state of chats not seen for a while (memory stays bounded).
    pub fn forget_idle_chats(&self) {
        self.private.retain_recent();
        self.group.retain_recent();
        self.channel.retain_recent();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[tokio::test]
    async fn keeps_the_overall_rate_evenly() {
        let pacer = Pacer::new(PacingLimits { overall_per_second: 50, ..PacingLimits::default() });
        let started = Instant::now();
        for chat in 0..26 {
            pacer.wait_turn(chat, ChatKind::Private, Lane::Routine).await;
        }
        let elapsed = started.elapsed();
        // 26 sends at 50/s: the first at once, then one every 20 ms.
        assert!(elapsed >= Duration::from_millis(480), "{elapsed:?}");
        assert!(elapsed < Duration::from_millis(1500), "{elapsed:?}");
    }

    #[tokio::test]
    async fn a_private_chat_gets_about_one_per_second_after_a_short_burst() {
        let pacer = Pacer::new(PacingLimits { overall_per_second: 1000, ..PacingLimits::default() });
        let started = Instant::now();
        for _ in 0..4 {
            pacer.wait_turn(7, ChatKind::Private, Lane::Routine).await;
        }
        let elapsed = started.elapsed();
        assert!(elapsed >= Duration::from_millis(900) && elapsed < Duration::from_millis(2000), "{elapsed:?}");
    }

    #[tokio::test]
    async fn flood_control_in_a_private_chat_pauses_everything_and_slows_down() {
        let pacer = Pacer::new(PacingLimits { overall_per_second: 30, ..PacingLimits::default() });
        pacer.flood_control(ChatKind::Group, Duration::from_secs(5));
        assert_eq!(pacer.current_rate(), 30, "a group's 429 only concerns that group");
        pacer.flood_control(ChatKind::Private, Duration::from_millis(300));
        assert_eq!(pacer.current_rate(), 24);
        pacer.flood_control(ChatKind::Private, Duration::from_millis(300));
        assert_eq!(pacer.current_rate(), 24, "answers to sends already under way step down only once");
        let started = Instant::now();
        pacer.wait_turn(99, ChatKind::Private, Lane::Routine).await;
        assert!(started.elapsed() >= Duration::from_millis(280), "{:?}", started.elapsed());
        assert_eq!(pacer.current_rate(), 24, "no step up before a calm spell");
        // A storm: each 429 comes after the last pause; the rate does not sink with each.
        for chat in 0..5 {
            pacer.flood_control(ChatKind::Private, Duration::from_millis(20));
            pacer.wait_turn(chat, ChatKind::Channel, Lane::Routine).await;
        }
        assert_eq!(pacer.current_rate(), 24);
    }

    #[tokio::test]
    async fn after_flood_control_the_configured_rate_returns_after_a_calm_spell() {
        let pacer = Pacer {
            recover_after: Duration::from_millis(300),
            ..Pacer::new(PacingLimits { overall_per_second: 30, ..PacingLimits::default() })
        };
        pacer.flood_control(ChatKind::Private, Duration::from_millis(200));
        assert_eq!(pacer.current_rate(), 24);
        pacer.wait_turn(1, ChatKind::Private, Lane::Routine).await;
        assert_eq!(pacer.current_rate(), 24, "not while the pause and the calm spell last");
        tokio::time::sleep(Duration::from_millis(350)).await;
        pacer.wait_turn(2, ChatKind::Private, Lane::Routine).await;
        assert_eq!(pacer.current_rate(), 30);
    }

    #[test]
    fn a_change_of_rate_never_lets_a_burst_through() {
        let mut schedule = Schedule::default();
        let start = Instant::now();
        assert_eq!(schedule.take(30, start), Duration::ZERO);
        let wait = schedule.take(30, start);
        assert!(wait > Duration::from_millis(33), "{wait:?}");
        // Stepping down and back up keeps the schedule: still no second send at once.
        assert!(schedule.take(24, start) > Duration::from_millis(33));
        assert!(schedule.take(30, start) > Duration::from_millis(33));
        // A slot woken 5 ms late is kept; a long idle spell is not saved up.
        assert_eq!(schedule.take(30, start + wait + Duration::from_millis(5)), Duration::ZERO);
        assert!(schedule.take(30, start + wait + Duration::from_millis(5)) > Duration::from_millis(25));
        let later = start + Duration::from_secs(10);
        assert_eq!(schedule.take(30, later), Duration::ZERO);
        assert!(schedule.take(30, later) > Duration::from_millis(33));
    }

    #[tokio::test]
    async fn the_free_rate_keeps_a_margin_below_the_limit() {
        let pacer = Pacer::new(PacingLimits::default());
        let started = Instant::now();
        for chat in 0..60 {
            pacer.wait_turn(chat, ChatKind::Private, Lane::Routine).await;
        }
        // 60 sends at 29.25/s: the first at once, then 59 gaps of 34.2 ms.
        let rate = 59.0 / started.elapsed().as_secs_f64();
        assert!((28.5..29.5).contains(&rate), "{rate}/s");
    }

    #[tokio::test]
    async fn contending_lanes_share_the_rate_by_weight() {
        let pacer = Arc::new(Pacer::new(PacingLimits { overall_per_second: 200, ..PacingLimits::default() }));
        let served = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for n in 0..120i64 {
            let lane = if n % 2 == 0 { Lane::Reply } else { Lane::Routine };
            let (pacer, served) = (pacer.clone(), served.clone());
            tasks.push(tokio::spawn(async move {
                pacer.wait_turn(n, ChatKind::Private, lane).await;
                served.lock().unwrap_or_else(|p| p.into_inner()).push(lane);
            }));
        }
        for task in tasks {
            task.await.expect("task");
        }
        let served = served.lock().unwrap_or_else(|p| p.into_inner()).clone();
        // While both lanes wait, replies get two turns for each routine one.
        let first: Vec<Lane> = served[..60].to_vec();
        let replies = first.iter().filter(|lane| **lane == Lane::Reply).count();
        assert!((36..=44).contains(&replies), "{replies} of the first 60 turns were replies: {first:?}");
    }
}
