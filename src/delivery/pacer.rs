//! Pacing at Telegram's limits, with the `governor` rate limiter: an overall
//! rate (about 30 messages/s, or the paid-broadcast rate), and a pace per
//! chat by kind (about 1/s in a private chat, 20/min in a group, a
//! configurable rate in a channel). Flood control that hits a private chat
//! means the overall limit was reached: everything pauses for `retry_after`
//! and the overall rate steps down, then creeps back up after a calm minute,
//! so 429s stay rare. (A chat's own 429 pauses only that chat: its delivery is
//! rescheduled, and the chat's later posts wait behind it.)

use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter};

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

/// After flood control the overall rate steps down by this fraction.
const STEP_DOWN: f64 = 0.2;
/// A minute without flood control lets the rate step back up.
const CALM: Duration = Duration::from_secs(60);

struct Adaptive {
    /// The rate in force, at most the configured one.
    current: u32,
    last_flood: Option<Instant>,
    last_step_up: Instant,
    paused_until: Option<Instant>,
}

pub struct Pacer {
    limits: PacingLimits,
    overall: RwLock<Arc<DefaultDirectRateLimiter>>,
    private: DefaultKeyedRateLimiter<i64>,
    group: DefaultKeyedRateLimiter<i64>,
    channel: DefaultKeyedRateLimiter<i64>,
    adaptive: Mutex<Adaptive>,
    /// Waiters take turns for the overall limiter, first come first served:
    /// hundreds of tasks polling it at once would waste its permits.
    queue: tokio::sync::Mutex<()>,
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
/// counts per second. At high (paid) rates a little burst is allowed, or the
/// 1 ms timer would cap the rate near 90 %; the steady rate then leaves room
/// for it and for arrival jitter (960/s plus bursts of 20 at 1000/s; exactly
/// 30/s at the free limit).
fn overall_limiter(per_second: u32) -> Arc<DefaultDirectRateLimiter> {
    let burst = (per_second / 50).max(1);
    let steady = if burst > 1 { per_second - 2 * burst } else { per_second };
    Arc::new(RateLimiter::direct(Quota::per_second(nonzero(steady)).allow_burst(nonzero(burst))))
}

/// A chat tolerates a short burst (three), then its sustained pace.
fn per_chat(per_minute: u32) -> DefaultKeyedRateLimiter<i64> {
    RateLimiter::keyed(Quota::per_minute(nonzero(per_minute)).allow_burst(nonzero(per_minute.clamp(1, 3))))
}

impl Pacer {
    pub fn new(limits: PacingLimits) -> Self {
        Self {
            limits,
            overall: RwLock::new(overall_limiter(limits.overall_per_second)),
            private: per_chat(limits.private_per_minute),
            group: per_chat(limits.group_per_minute),
            channel: per_chat(limits.channel_per_minute),
            adaptive: Mutex::new(Adaptive {
                current: limits.overall_per_second.max(1),
                last_flood: None,
                last_step_up: Instant::now(),
                paused_until: None,
            }),
            queue: tokio::sync::Mutex::new(()),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, Adaptive> {
        self.adaptive.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The overall rate in force (messages per second).
    pub fn current_rate(&self) -> u32 {
        self.state().current
    }

    /// Waits until a message to `chat` (Telegram's id) of `kind` may go.
    pub async fn wait_turn(&self, chat: i64, kind: ChatKind) {
        match kind {
            ChatKind::Private => self.private.until_key_ready(&chat).await,
            ChatKind::Group => self.group.until_key_ready(&chat).await,
            ChatKind::Channel => self.channel.until_key_ready(&chat).await,
        }
        loop {
            let pause = self.state().paused_until.map(|until| until.saturating_duration_since(Instant::now()));
            match pause {
                Some(wait) if !wait.is_zero() => tokio::time::sleep(wait).await,
                _ => break,
            }
        }
        let _turn = self.queue.lock().await;
        let overall = self.overall.read().unwrap_or_else(|poisoned| poisoned.into_inner()).clone();
        overall.until_ready().await;
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
        state.last_flood = Some(now);
        if already_paused {
            return;
        }
        let lowered = ((f64::from(state.current) * (1.0 - STEP_DOWN)).floor() as u32).max(1);
        if lowered < state.current {
            state.current = lowered;
            self.replace_overall(lowered);
            tracing::warn!(
                rate_per_s = lowered,
                retry_after_s = retry_after.as_secs(),
                "flood control: pausing all sends and slowing down"
            );
        }
    }

    /// After a calm minute, steps the overall rate back towards the configured one.
    pub fn note_success(&self) {
        let now = Instant::now();
        let mut state = self.state();
        let ceiling = self.limits.overall_per_second.max(1);
        let calm = state.last_flood.is_none_or(|at| now.duration_since(at) >= CALM);
        if state.current < ceiling && calm && now.duration_since(state.last_step_up) >= CALM {
            state.current = (state.current + (ceiling / 10).max(1)).min(ceiling);
            state.last_step_up = now;
            self.replace_overall(state.current);
        }
    }

    fn replace_overall(&self, per_second: u32) {
        *self.overall.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = overall_limiter(per_second);
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
    use super::*;

    #[tokio::test]
    async fn keeps_the_overall_rate_evenly() {
        let pacer = Pacer::new(PacingLimits { overall_per_second: 50, ..PacingLimits::default() });
        let started = Instant::now();
        for chat in 0..26 {
            pacer.wait_turn(chat, ChatKind::Private).await;
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
            pacer.wait_turn(7, ChatKind::Private).await;
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
        pacer.wait_turn(99, ChatKind::Private).await;
        assert!(started.elapsed() >= Duration::from_millis(280), "{:?}", started.elapsed());
        pacer.note_success();
        assert_eq!(pacer.current_rate(), 24, "no step up before a calm minute");
    }
}
