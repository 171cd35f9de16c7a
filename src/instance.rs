//! Who may run: on SQLite one instance per database, a lock row renewed by a
//! heartbeat (a second `warta run` refuses to start; after a crash the next
//! start takes over within a few seconds). On PostgreSQL any number, one of
//! them leading through the lease, the others standing by to take over.

use std::time::Duration;

use chrono::Utc;
use tokio_util::sync::CancellationToken;

use crate::delivery::SendGate;
use crate::store::{LeaderLease, LeaseError, LockAttempt, LockHolder, Store, StoreError};

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

pub fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "unknown host".to_owned())
}

/// How long a leader's lease lasts unless renewed. A standby takes over
/// within this (plus one look) after the leader dies.
pub const LEASE_TERM: Duration = Duration::from_secs(6);
/// How often the leader renews, and a standby asks for the lease.
const LEASE_RENEW: Duration = Duration::from_secs(2);
const STANDBY_LOOK: Duration = Duration::from_secs(1);
/// Sending stops this long before the lease could run out by this process's
/// clock (a renewal's round trip and clock rate differences fit well within).
const LEASE_MARGIN: Duration = Duration::from_millis(1500);

/// The leader's side of PostgreSQL's lease (several instances on one database).
#[derive(Debug, Clone)]
pub struct Leadership {
    lease: LeaderLease,
    epoch: i64,
    gate: SendGate,
}

impl Leadership {
    /// Waits as a standby until this instance takes the lease, or `shutdown`
    /// (`None`).
    pub async fn wait_for_lease(
        lease: LeaderLease,
        gate: SendGate,
        shutdown: &CancellationToken,
    ) -> Result<Option<Self>, LeaseError> {
        let mut said = false;
        loop {
            if let Err(err) = lease.announce("standby").await {
                tracing::warn!(error = %err, "cannot list this instance as a standby");
            }
            let asked = std::time::Instant::now();
            if let Some(epoch) = lease.try_acquire().await? {
                gate.lease_until(asked + LEASE_TERM.saturating_sub(LEASE_MARGIN));
                tracing::info!(epoch, holder = lease.holder(), "this instance leads");
                if let Err(err) = lease.announce("leader").await {
                    tracing::warn!(error = %err, "cannot list this instance as the leader");
                }
                return Ok(Some(Self { lease, epoch, gate }));
            }
            if !said {
                let leader = lease.current().await?.map(|holder| holder.holder).unwrap_or_default();
                tracing::info!(leader = %leader, "standing by: another instance leads");
                said = true;
            }
            tokio::select! {
                () = shutdown.cancelled() => {
                    let _ = lease.withdraw().await;
                    return Ok(None);
                }
                () = tokio::time::sleep(STANDBY_LOOK) => {}
            }
        }
    }

    pub fn epoch(&self) -> i64 {
        self.epoch
    }

    /// Renews the lease until `shutdown`, then gives it up. If it is lost (taken
    /// after this process was paused, or not renewable within its term), says
    /// so and cancels `shutdown`: this one must stop at once.
    pub async fn keep(self, shutdown: CancellationToken) -> bool {
        let mut valid_until = std::time::Instant::now() + LEASE_TERM.saturating_sub(LEASE_MARGIN);
        loop {
            tokio::select! {
                () = shutdown.cancelled() => {
                    if let Err(err) = self.lease.release(self.epoch).await {
                        tracing::warn!(error = %err, "cannot give up the lease; a standby takes it when it expires");
                    }
                    let _ = self.lease.withdraw().await;
                    return true;
                }
                () = tokio::time::sleep(LEASE_RENEW) => {}
            }
            let asked = std::time::Instant::now();
            match self.lease.renew(self.epoch).await {
                Ok(true) => {
                    valid_until = asked + LEASE_TERM.saturating_sub(LEASE_MARGIN);
                    self.gate.lease_until(valid_until);
                    if let Err(err) = self.lease.announce("leader").await {
                        tracing::warn!(error = %err, "cannot list this instance as the leader");
                    }
                }
                Ok(false) => {
                    tracing::error!(epoch = self.epoch, "another instance took the lead; stopping");
                    shutdown.cancel();
                    return false;
                }
                Err(err) if std::time::Instant::now() < valid_until => {
                    tracing::warn!(error = %err, "cannot renew the lease; trying again");
                }
                Err(err) => {
                    tracing::error!(error = %err, "the lease could not be renewed within its term; stopping");
                    shutdown.cancel();
                    return false;
                }
            }
        }
    }
}

/// What entitles this process to run: the SQLite instance lock, or the lease.
#[derive(Debug, Clone)]
pub enum Holding {
    Lock(InstanceLock),
    Lease(Leadership),
}

impl Holding {
    /// Keeps it until `shutdown`; `false` if it was lost meanwhile.
    pub async fn keep(self, shutdown: CancellationToken) -> bool {
        match self {
            Self::Lock(lock) => lock.keep(shutdown).await,
            Self::Lease(leadership) => leadership.keep(shutdown).await,
        }
    }
}
