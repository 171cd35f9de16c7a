//! Panic isolation for Warta's long-running units: one update's handler, one
//! feed's loop, the newsroom watch, the delivery worker. A panic in one of
//! them is caught, logged with the unit's name, counted in `/metrics`
//! (`warta_task_panics_total{task="…"}`), and the unit starts again; the
//! process and every other unit keep running.

use std::any::Any;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::time::Duration;

use futures_util::FutureExt;
use tokio_util::sync::CancellationToken;

/// How long a unit that panicked waits before it starts again, so that a
/// panic on every run cannot spin.
pub const RESTART_PAUSE: Duration = Duration::from_secs(5);

/// A unit panicked; its message, as far as it can be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{task} panicked: {message}")]
pub struct Panicked {
    pub task: &'static str,
    pub message: String,
}

/// Runs `future`, turning a panic inside it into `Err`, logged and counted.
/// `context` names what the unit was working on (a feed id, an update id).
pub async fn catch_panic<F: Future>(task: &'static str, context: &str, future: F) -> Result<F::Output, Panicked> {
    // The unit's state is dropped with the future or rebuilt on restart;
    // what it shares (the store, the bot) stays consistent by itself.
    match AssertUnwindSafe(future).catch_unwind().await {
        Ok(output) => Ok(output),
        Err(payload) => {
            let message = panic_message(payload.as_ref());
            tracing::error!(task, context, panic = %message, "task panicked; it starts again");
            crate::metrics::task_panic(task);
            Err(Panicked { task, message })
        }
    }
}

/// Runs the unit made by `make` until it returns (its normal end) or
/// `shutdown`; after a panic, starts a new one `pause` later.
pub async fn supervise<F, Fut>(
    task: &'static str,
    context: &str,
    pause: Duration,
    shutdown: &CancellationToken,
    mut make: F,
) where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    loop {
        if catch_panic(task, context, make()).await.is_ok() {
            return;
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(pause) => {}
        }
    }
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    match payload.downcast_ref::<&str>() {
        Some(text) => (*text).to_owned(),
        None => match payload.downcast_ref::<String>() {
            Some(text) => text.clone(),
            None => "(no message)".to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    #[tokio::test]
    async fn a_panicking_future_is_caught_with_its_message() {
        let caught = catch_panic("test", "unit", async { panic!("boom {}", 7) }).await;
        assert_eq!(caught, Err(Panicked { task: "test", message: "boom 7".to_owned() }));
        let literal: Result<(), _> = catch_panic("test", "unit", async { panic!("plain") }).await;
        assert_eq!(literal.map_err(|p| p.message), Err("plain".to_owned()));
        assert_eq!(catch_panic("test", "unit", async { 41 + 1 }).await, Ok(42));
    }

    #[tokio::test]
    async fn a_unit_that_panics_starts_again_until_it_ends() {
        let runs = Arc::new(AtomicU32::new(0));
        let counted = runs.clone();
        let shutdown = CancellationToken::new();
        let supervised = supervise("test", "unit", Duration::from_millis(1), &shutdown, move || {
            let counted = counted.clone();
            async move {
                let run = counted.fetch_add(1, Ordering::SeqCst) + 1;
                assert!(run >= 3, "run {run} fails");
            }
        });
        tokio::time::timeout(Duration::from_secs(5), supervised).await.expect("ends after the third run");
        assert_eq!(runs.load(Ordering::SeqCst), 3, "two panics, two restarts, then a normal end");
    }

    #[tokio::test]
    async fn shutdown_stops_a_unit_that_keeps_panicking() {
        let shutdown = CancellationToken::new();
        let stop = shutdown.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            stop.cancel();
        });
        let supervised = supervise("test", "unit", Duration::from_millis(5), &shutdown, || async { panic!("always") });
        tokio::time::timeout(Duration::from_secs(5), supervised).await.expect("stops at shutdown");
    }

    #[test]
    fn panics_are_counted_in_metrics() {
        let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
        let handle = recorder.handle();
        metrics::with_local_recorder(&recorder, || {
            let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
            let _ = runtime.block_on(catch_panic("feed", "feed 1", async { panic!("overflow") }));
            let _ = runtime.block_on(catch_panic("feed", "feed 2", async { panic!("overflow") }));
        });
        let rendered = handle.render();
        assert!(rendered.contains("warta_task_panics_total{task=\"feed\"} 2"), "{rendered}");
    }
}
