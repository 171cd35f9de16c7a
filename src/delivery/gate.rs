//! Closes sending for a while when Telegram reports another instance polling
//! with the same token (409 Conflict): two copies would post everything twice.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Default)]
pub struct SendGate {
    closed_until: Arc<Mutex<Option<Instant>>>,
}

impl SendGate {
    /// Closes the gate for `duration` (extending a closure). Returns whether it was open.
    pub fn close_for(&self, duration: Duration) -> bool {
        let mut closed = self.closed_until.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let now = Instant::now();
        let was_open = closed.is_none_or(|until| until <= now);
        let until = now + duration;
        *closed = Some(closed.map_or(until, |current| current.max(until)));
        was_open
    }

    /// How long the gate stays closed; `None` when open.
    pub fn closed_for(&self) -> Option<Duration> {
        let closed = self.closed_until.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        closed.map(|until| until.saturating_duration_since(Instant::now())).filter(|left| !left.is_zero())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closes_for_a_while_then_opens() {
        let gate = SendGate::default();
        assert_eq!(gate.closed_for(), None);
        assert!(gate.close_for(Duration::from_millis(50)));
        assert!(!gate.close_for(Duration::from_millis(10)), "already closed");
        assert!(
            gate.closed_for().is_some_and(|left| left > Duration::from_millis(20)),
            "a shorter close does not shorten it"
        );
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(gate.closed_for(), None);
    }
}
