//! Closes sending for a while when Telegram reports another instance polling
//! with the same token (409 Conflict): two copies would post everything twice.
//! On PostgreSQL it also closes once the leader's lease may have run out by
//! this process's own clock: a leader paused past its lease (SIGSTOP, a
//! frozen VM) sends nothing when it wakes, whatever it had claimed.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Default)]
pub struct SendGate {
    closed_until: Arc<Mutex<Option<Instant>>>,
    /// While leading: sending is allowed until then (renewals move it on).
    lease_until: Arc<Mutex<Option<Instant>>>,
}

/// How long a worker waits before looking again at a gate closed by the lease.
const LEASE_RECHECK: Duration = Duration::from_millis(200);

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

    /// Sending is allowed until `until` (a leader's lease, as far as this
    /// process can be sure of it) and not after, unless renewed.
    pub fn lease_until(&self, until: Instant) {
        *self.lease_until.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(until);
    }

    /// How long the gate stays closed; `None` when open.
    pub fn closed_for(&self) -> Option<Duration> {
        let now = Instant::now();
        let lease = *self.lease_until.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if lease.is_some_and(|until| until <= now) {
            return Some(LEASE_RECHECK);
        }
        let closed = self.closed_until.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        closed.map(|until| until.saturating_duration_since(now)).filter(|left| !left.is_zero())
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

    #[test]
    fn a_lease_that_may_have_run_out_closes_it_until_renewed() {
        let gate = SendGate::default();
        gate.lease_until(Instant::now() + Duration::from_millis(30));
        assert_eq!(gate.closed_for(), None, "within the lease");
        std::thread::sleep(Duration::from_millis(40));
        assert!(gate.closed_for().is_some(), "past the lease");
        gate.lease_until(Instant::now() + Duration::from_secs(5));
        assert_eq!(gate.closed_for(), None, "renewed");
    }
}
