//! The clock `warta run` follows for times of day (digest slots, the quiet
//! night): the system's, or — when `WARTA_TEST_CLOCK` names a file — the
//! instant written in that file (RFC 3339), which the end-to-end tests step
//! to go through slots, catch-up and quiet hours without waiting for hours.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::domain::{Clock, SystemClock};

/// Names the file of a stepped clock (tests only).
pub const TEST_CLOCK_VAR: &str = "WARTA_TEST_CLOCK";

/// The clock for this process: a file clock when [`TEST_CLOCK_VAR`] is set.
pub fn from_env() -> Arc<dyn Clock> {
    match std::env::var_os(TEST_CLOCK_VAR) {
        Some(path) if !path.is_empty() => {
            tracing::warn!(file = %PathBuf::from(&path).display(), "{TEST_CLOCK_VAR} is set: times of day follow that file");
            Arc::new(FileClock { path: path.into() })
        }
        _ => Arc::new(SystemClock),
    }
}

/// The instant written in a file; the system's time while the file is
/// missing or holds no RFC 3339 time.
#[derive(Debug, Clone)]
pub struct FileClock {
    path: PathBuf,
}

impl FileClock {
    pub fn new(path: PathBuf) -> Self {
        Self { path }
    }
}

impl Clock for FileClock {
    fn now(&self) -> DateTime<Utc> {
        std::fs::read_to_string(&self.path)
            .ok()
            .and_then(|text| DateTime::parse_from_rfc3339(text.trim()).ok())
            .map_or_else(Utc::now, |time| time.with_timezone(&Utc))
    }

    fn recheck(&self) -> Duration {
        Duration::from_millis(100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_sets_the_time_and_without_it_the_system_does() {
        let dir = tempfile::tempdir().expect("dir");
        let clock = FileClock::new(dir.path().join("now"));
        let before = Utc::now();
        assert!(clock.now() >= before);
        std::fs::write(dir.path().join("now"), "2026-12-07T06:00:00+08:00\n").expect("write");
        assert_eq!(clock.now().to_rfc3339(), "2026-12-06T22:00:00+00:00");
        std::fs::write(dir.path().join("now"), "garbage").expect("write");
        assert!(clock.now() >= before);
    }
}
