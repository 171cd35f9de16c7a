//! One running instance per database: a lock row renewed by a heartbeat.
//! A second `warta run` refuses to start; after a crash (no more heartbeat)
//! the next start takes over within a few seconds.

use std::time::Duration;

use chrono::Utc;
use tokio_util::sync::CancellationToken;

use crate::store::{LockAttempt, LockHolder, Store, StoreError};

/// How often the lock is renewed.
const HEARTBEAT: Duration = Duration::from_secs(2);
/// A lock not renewed for this long belonged to a process that died.
const STALE: Duration = Duration::from_secs(6);

#[derive(Debug, thiserror::Error)]
pub enum InstanceError {
    #[error(
        "another Warta instance is running on this database (pid {pid} on {host}); stop it first — \
         two instances would post everything twice"
    )]
    Running { pid: i64, host: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The held lock. Renew it with [`InstanceLock::keep`]; release it at shutdown.
#[derive(Debug, Clone)]
pub struct InstanceLock {
    store: Store,
    owner: String,
}

impl InstanceLock {
    /// Takes the lock. If another instance holds it, watches its heartbeat:
    /// a live one (heartbeat moving) means refusal; a dead one is taken over
    /// once its heartbeat is stale.
    pub async fn acquire(store: &Store) -> Result<Self, InstanceError> {
        let owner = format!("{:016x}", fastrand::u64(..));
        let pid = i64::from(std::process::id());
        let host = hostname();
        let mut seen: Option<LockHolder> = None;
        let deadline = tokio::time::Instant::now() + STALE + HEARTBEAT;
        loop {
            match store.try_lock_instance(&owner, pid, &host, Utc::now(), STALE).await? {
                LockAttempt::Acquired => {
                    if let Some(previous) = seen {
                        tracing::warn!(pid = previous.pid, host = %previous.host,
                            "took over the instance lock of a Warta that stopped without releasing it");
                    }
                    return Ok(Self { store: store.clone(), owner });
                }
                LockAttempt::Held(holder) => {
                    let alive = seen.as_ref().is_some_and(|first| holder.heartbeat_at > first.heartbeat_at);
                    if alive || tokio::time::Instant::now() >= deadline {
                        return Err(InstanceError::Running { pid: holder.pid, host: holder.host });
                    }
                    if seen.is_none() {
                        tracing::info!(pid = holder.pid, host = %holder.host,
                            "the database is locked by another Warta; checking whether it is alive");
                        seen = Some(holder);
                    }
                    tokio::time::sleep(Duration::from_millis(300)).await;
                }
            }
        }
    }

    /// Renews the lock until `shutdown`. If another instance has taken it
    /// over, says so and cancels `shutdown`: this one must stop sending.
    pub async fn keep(self, shutdown: CancellationToken) -> bool {
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return true,
                () = tokio::time::sleep(HEARTBEAT) => {}
            }
            match self.store.renew_instance_lock(&self.owner, Utc::now()).await {
                Ok(true) => {}
                Ok(false) => {
                    tracing::error!("another Warta instance took over this database; stopping");
                    shutdown.cancel();
                    return false;
                }
                Err(err) => tracing::warn!(error = %err, "cannot renew the instance lock"),
            }
        }
    }

    pub async fn release(&self) {
        if let Err(err) = self.store.release_instance_lock(&self.owner).await {
            tracing::warn!(error = %err, "cannot release the instance lock");
        }
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "unknown host".to_owned())
}
