use std::time::Duration;

use chrono::{DateTime, Utc};

use super::{Store, StoreError, duration_ms, from_ms, to_ms};

/// Who holds the instance lock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockHolder {
    pub owner: String,
    pub pid: i64,
    pub host: String,
    pub heartbeat_at: DateTime<Utc>,
}

/// What trying to take the lock found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LockAttempt {
    Acquired,
    /// Another instance holds it and beat recently.
    Held(LockHolder),
}

impl Store {
    /// Takes the instance lock unless another owner renewed it within `stale`.
    pub async fn try_lock_instance(
        &self,
        owner: &str,
        pid: i64,
        host: &str,
        now: DateTime<Utc>,
        stale: Duration,
    ) -> Result<LockAttempt, StoreError> {
        let mut tx = self.begin_write().await?;
        let holder: Option<(String, i64, String, i64)> =
            sqlx::query_as("SELECT owner, pid, host, heartbeat_at FROM instance_lock WHERE id = 1")
                .fetch_optional(&mut *tx)
                .await?;
        if let Some((holder, holder_pid, holder_host, heartbeat_at)) = holder
            && holder != owner
            && heartbeat_at > to_ms(now).saturating_sub(duration_ms(stale))
        {
            return Ok(LockAttempt::Held(LockHolder {
                owner: holder,
                pid: holder_pid,
                host: holder_host,
                heartbeat_at: from_ms(heartbeat_at),
            }));
        }
        sqlx::query(
            "INSERT INTO instance_lock (id, owner, pid, host, started_at, heartbeat_at) VALUES (1, $1, $2, $3, $4, $4)
             ON CONFLICT (id) DO UPDATE SET owner = excluded.owner, pid = excluded.pid, host = excluded.host,
                 started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at",
        )
        .bind(owner)
        .bind(pid)
        .bind(host)
        .bind(to_ms(now))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(LockAttempt::Acquired)
    }

    /// Renews the lock; `false` if another instance has taken it over.
    pub async fn renew_instance_lock(&self, owner: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let renewed = sqlx::query("UPDATE instance_lock SET heartbeat_at = $2 WHERE id = 1 AND owner = $1")
            .bind(owner)
            .bind(to_ms(now))
            .execute(&self.pool)
            .await?;
        Ok(renewed.rows_affected() == 1)
    }

    pub async fn release_instance_lock(&self, owner: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM instance_lock WHERE id = 1 AND owner = $1").bind(owner).execute(&self.pool).await?;
        Ok(())
    }

    pub async fn instance_lock_holder(&self) -> Result<Option<LockHolder>, StoreError> {
        let holder: Option<(String, i64, String, i64)> =
            sqlx::query_as("SELECT owner, pid, host, heartbeat_at FROM instance_lock WHERE id = 1")
                .fetch_optional(&self.pool)
                .await?;
        Ok(holder.map(|(owner, pid, host, heartbeat_at)| LockHolder {
            owner,
            pid,
            host,
            heartbeat_at: from_ms(heartbeat_at),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing::temp_store;

    const STALE: Duration = Duration::from_secs(6);

    async fn one_owner_at_a_time_until_its_heartbeat_goes_stale() {
        let (store, _dir) = temp_store().await;
        let now = Utc::now();
        assert_eq!(store.try_lock_instance("a", 1, "h", now, STALE).await.expect("lock"), LockAttempt::Acquired);
        let second = store.try_lock_instance("b", 2, "h", now, STALE).await.expect("lock");
        assert!(
            matches!(second, LockAttempt::Held(ref holder) if holder.owner == "a" && holder.pid == 1),
            "{second:?}"
        );
        assert!(store.renew_instance_lock("a", now).await.expect("renew"));
        // "a" died: after its heartbeat goes stale, "b" takes over, and "a" learns it lost the lock.
        let later = now + chrono::Duration::seconds(7);
        assert_eq!(store.try_lock_instance("b", 2, "h", later, STALE).await.expect("lock"), LockAttempt::Acquired);
        assert!(!store.renew_instance_lock("a", later).await.expect("renew"));
        store.release_instance_lock("b").await.expect("release");
        assert_eq!(store.instance_lock_holder().await.expect("read"), None);
    }

    both_backends!(one_owner_at_a_time_until_its_heartbeat_goes_stale,);
}
