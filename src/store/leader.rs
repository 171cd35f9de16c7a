//! Leadership among Warta instances sharing one PostgreSQL database: a lease
//! row with a fencing epoch. One instance holds the lease at a time and
//! renews it well within its term; when it dies or hangs, the lease expires
//! by PostgreSQL's clock and a standby takes it with the next epoch. An old
//! leader that wakes up late finds its epoch gone: it can neither renew nor
//! pass the fence that work meant to happen once goes through.

use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

/// Why the lease could not be used. The database URL is never part of the
/// message: it may carry a password.
#[derive(Debug, thiserror::Error)]
pub enum LeaseError {
    #[error("the PostgreSQL URL is not valid: {0}")]
    Url(String),
    #[error("cannot reach PostgreSQL: {0}")]
    Connect(String),
    #[error("cannot migrate the PostgreSQL database: {0}")]
    Migrate(sqlx::migrate::MigrateError),
    #[error(
        "the PostgreSQL database was written by a newer Warta (schema {database}; this binary knows up to {binary})"
    )]
    TooNew { database: i64, binary: i64 },
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

/// Who holds the lease now, as `/status` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseHolder {
    pub holder: String,
    pub epoch: i64,
    /// Time left before it expires (zero once it has).
    pub expires_in: Duration,
}

/// One instance's side of the lease.
#[derive(Clone)]
pub struct LeaderLease {
    pool: PgPool,
    holder: String,
    term: Duration,
}

impl std::fmt::Debug for LeaderLease {
    // The pool's options hold the connection's credentials: not printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LeaderLease").field("holder", &self.holder).field("term", &self.term).finish_non_exhaustive()
    }
}

impl LeaderLease {
    /// Connects to `url` (`postgres://…`), runs the PostgreSQL migrations,
    /// and returns `holder`'s side of a lease lasting `term` once taken.
    pub async fn connect(url: &str, holder: &str, term: Duration) -> Result<Self, LeaseError> {
        let options: PgConnectOptions =
            url.parse().map_err(|err: sqlx::Error| LeaseError::Url(super::redact_in(&err.to_string(), url)))?;
        // A leader that hangs inside a transaction must not hold the lease row
        // past its term (PostgreSQL ends such a session), nor may a standby
        // wait on a lock longer than that.
        let bound = (millis(term) / 2).max(1).to_string();
        let options = options
            .options([("idle_in_transaction_session_timeout", bound.as_str()), ("lock_timeout", bound.as_str())]);
        let pool = PgPoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(|err| LeaseError::Connect(super::redact_in(&err.to_string(), url)))?;
        let migrator = sqlx::migrate!("./migrations/postgres");
        let binary = migrator.iter().map(|m| m.version).max().unwrap_or(0);
        let database = applied_schema(&pool).await?;
        if database > binary {
            pool.close().await;
            return Err(LeaseError::TooNew { database, binary });
        }
        migrator.run(&pool).await.map_err(LeaseError::Migrate)?;
        Ok(Self { pool, holder: unique_holder(holder), term })
    }

    pub fn holder(&self) -> &str {
        &self.holder
    }

    /// Takes the lease if it is free or expired (a new epoch), or renews it
    /// if this holder already has it (the same epoch). `None`: someone else
    /// leads.
    pub async fn try_acquire(&self) -> Result<Option<i64>, LeaseError> {
        let epoch: Option<i64> = sqlx::query_scalar(
            "INSERT INTO leader_lease (id, holder, epoch, acquired_at, expires_at)
             VALUES (1, $1, 1, clock_timestamp(), clock_timestamp() + $2 * interval '1 millisecond')
             ON CONFLICT (id) DO UPDATE SET
                 holder = excluded.holder,
                 epoch = CASE WHEN leader_lease.holder = excluded.holder AND leader_lease.expires_at > clock_timestamp()
                              THEN leader_lease.epoch ELSE leader_lease.epoch + 1 END,
                 acquired_at = CASE WHEN leader_lease.holder = excluded.holder
                                         AND leader_lease.expires_at > clock_timestamp()
                                    THEN leader_lease.acquired_at ELSE excluded.acquired_at END,
                 expires_at = excluded.expires_at
             WHERE leader_lease.holder = excluded.holder OR leader_lease.expires_at <= clock_timestamp()
             RETURNING epoch",
        )
        .bind(&self.holder)
        .bind(millis(self.term))
        .fetch_optional(&self.pool)
        .await?;
        Ok(epoch)
    }

    /// Extends the lease held under `epoch`. `false`: it was lost (expired
    /// and taken, or released) — the caller must stop leading at once.
    pub async fn renew(&self, epoch: i64) -> Result<bool, LeaseError> {
        let renewed = sqlx::query(
            "UPDATE leader_lease SET expires_at = clock_timestamp() + $3 * interval '1 millisecond'
             WHERE id = 1 AND holder = $1 AND epoch = $2 AND expires_at > clock_timestamp()",
        )
        .bind(&self.holder)
        .bind(epoch)
        .bind(millis(self.term))
        .execute(&self.pool)
        .await?;
        Ok(renewed.rows_affected() == 1)
    }

    /// Says this instance is alive in `role` (`leader` or `standby`), for /status.
    pub async fn announce(&self, role: &str) -> Result<(), LeaseError> {
        sqlx::query(
            "INSERT INTO instances (holder, role, seen_at) VALUES ($1, $2, clock_timestamp())
             ON CONFLICT (holder) DO UPDATE SET role = excluded.role, seen_at = excluded.seen_at",
        )
        .bind(&self.holder)
        .bind(role)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Leaves the list of instances (a clean shutdown).
    pub async fn withdraw(&self) -> Result<(), LeaseError> {
        sqlx::query("DELETE FROM instances WHERE holder = $1").bind(&self.holder).execute(&self.pool).await?;
        Ok(())
    }

    /// Gives the lease up (a clean shutdown), so that a standby need not
    /// wait for it to expire.
    pub async fn release(&self, epoch: i64) -> Result<(), LeaseError> {
        sqlx::query(
            "UPDATE leader_lease SET expires_at = clock_timestamp() WHERE id = 1 AND holder = $1 AND epoch = $2",
        )
        .bind(&self.holder)
        .bind(epoch)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The fence: whether `epoch` still leads now. Work meant to happen once
    /// checks it in the same transaction as its write (see [`Self::fenced`]).
    pub async fn still_leads(&self, epoch: i64) -> Result<bool, LeaseError> {
        Ok(self.fenced(epoch, |_| Box::pin(async { Ok(()) })).await?.is_some())
    }

    /// Runs `work` in a transaction that holds the lease row at `epoch`
    /// (`FOR SHARE`: no takeover can commit meanwhile). `None`, and nothing
    /// done, when `epoch` no longer leads.
    pub async fn fenced<T, F>(&self, epoch: i64, work: F) -> Result<Option<T>, LeaseError>
    where
        F: for<'c> FnOnce(
            &'c mut sqlx::PgConnection,
        ) -> std::pin::Pin<Box<dyn Future<Output = Result<T, LeaseError>> + Send + 'c>>,
    {
        let mut tx = self.pool.begin().await?;
        if !lease_holds(&mut tx, &self.holder, epoch).await? {
            tx.rollback().await?;
            return Ok(None);
        }
        let done = work(&mut tx).await?;
        // The work may have outlasted the term: it commits only while the lease still holds.
        if !lease_holds(&mut tx, &self.holder, epoch).await? {
            tx.rollback().await?;
            return Ok(None);
        }
        tx.commit().await?;
        Ok(Some(done))
    }

    /// Who holds the lease, if anyone ever took it.
    pub async fn current(&self) -> Result<Option<LeaseHolder>, LeaseError> {
        let row: Option<(String, i64, i64)> = sqlx::query_as(
            "SELECT holder, epoch,
                    GREATEST(0, (EXTRACT(EPOCH FROM (expires_at - clock_timestamp())) * 1000))::BIGINT
             FROM leader_lease WHERE id = 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(holder, epoch, left)| LeaseHolder {
            holder,
            epoch,
            expires_in: Duration::from_millis(u64::try_from(left).unwrap_or(0)),
        }))
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Whether `holder` leads at `epoch` now; holds the row `FOR SHARE` until the
/// transaction ends, so no takeover commits meanwhile.
async fn lease_holds(tx: &mut sqlx::PgConnection, holder: &str, epoch: i64) -> Result<bool, LeaseError> {
    let leads: Option<i32> = sqlx::query_scalar(
        "SELECT 1 FROM leader_lease
         WHERE id = 1 AND holder = $1 AND epoch = $2 AND expires_at > clock_timestamp() FOR SHARE",
    )
    .bind(holder)
    .bind(epoch)
    .fetch_optional(tx)
    .await?;
    Ok(leads.is_some())
}

/// `name` made unique to this process: two instances given the same name (a
/// reused hostname, a restarted container) must never share an epoch.
fn unique_holder(name: &str) -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    format!("{name}/{}-{:x}", std::process::id(), nanos % (1 << 40))
}

fn millis(term: Duration) -> i64 {
    i64::try_from(term.as_millis()).unwrap_or(i64::MAX)
}

async fn applied_schema(pool: &PgPool) -> Result<i64, LeaseError> {
    let exists: bool = sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL").fetch_one(pool).await?;
    if !exists {
        return Ok(0);
    }
    let version: Option<i64> =
        sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success").fetch_one(pool).await?;
    Ok(version.unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_become_milliseconds() {
        assert_eq!(millis(Duration::from_secs(10)), 10_000);
        assert_eq!(millis(Duration::MAX), i64::MAX);
    }
}
