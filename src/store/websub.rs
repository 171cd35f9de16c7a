use chrono::{DateTime, Utc};

use super::{Store, StoreError, from_ms, to_ms};

/// A feed's WebSub subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    pub feed_id: i64,
    pub hub_url: String,
    pub topic_url: String,
    pub secret: String,
    pub state: SubscriptionState,
    pub requested_at: DateTime<Utc>,
    pub lease_expires_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubscriptionState {
    Requested,
    Active,
    Denied,
    Failed,
}

impl SubscriptionState {
    fn as_str(self) -> &'static str {
        match self {
            Self::Requested => "requested",
            Self::Active => "active",
            Self::Denied => "denied",
            Self::Failed => "failed",
        }
    }

    fn parse(raw: &str) -> Option<Self> {
        match raw {
            "requested" => Some(Self::Requested),
            "active" => Some(Self::Active),
            "denied" => Some(Self::Denied),
            "failed" => Some(Self::Failed),
            _ => None,
        }
    }
}

type SubscriptionRow = (i64, String, String, String, String, i64, Option<i64>);

fn from_row(row: SubscriptionRow) -> Result<Subscription, StoreError> {
    let (feed_id, hub_url, topic_url, secret, state, requested_at, lease_expires_at) = row;
    let state = SubscriptionState::parse(&state)
        .ok_or_else(|| StoreError::Corrupt(format!("subscription of feed {feed_id} has state {state:?}")))?;
    Ok(Subscription {
        feed_id,
        hub_url,
        topic_url,
        secret,
        state,
        requested_at: from_ms(requested_at),
        lease_expires_at: lease_expires_at.map(from_ms),
    })
}

const COLUMNS: &str = "feed_id, hub_url, topic_url, secret, state, requested_at, lease_expires_at";

impl Store {
    pub async fn subscription(&self, feed_id: i64) -> Result<Option<Subscription>, StoreError> {
        let row: Option<SubscriptionRow> =
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM websub_subscriptions WHERE feed_id = $1"))
                .bind(feed_id)
                .fetch_optional(&self.pool)
                .await?;
        row.map(from_row).transpose()
    }

    pub async fn subscriptions(&self) -> Result<Vec<Subscription>, StoreError> {
        let rows: Vec<SubscriptionRow> =
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM websub_subscriptions ORDER BY feed_id"))
                .fetch_all(&self.pool)
                .await?;
        rows.into_iter().map(from_row).collect()
    }

    /// Records that we asked `hub_url` to push `topic_url` with `secret`.
    pub async fn record_subscription_request(
        &self,
        feed_id: i64,
        hub_url: &str,
        topic_url: &str,
        secret: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO websub_subscriptions (feed_id, hub_url, topic_url, secret, state, requested_at)
             VALUES ($1, $2, $3, $4, 'requested', $5)
             ON CONFLICT (feed_id) DO UPDATE SET hub_url = excluded.hub_url, topic_url = excluded.topic_url,
                 secret = excluded.secret, state = 'requested', requested_at = excluded.requested_at,
                 last_error = NULL",
        )
        .bind(feed_id)
        .bind(hub_url)
        .bind(topic_url)
        .bind(secret)
        .bind(to_ms(now))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The hub verified our intent: the subscription is live until `expires_at`.
    pub async fn activate_subscription(&self, feed_id: i64, expires_at: DateTime<Utc>) -> Result<(), StoreError> {
        self.set_subscription_state(feed_id, SubscriptionState::Active, Some(expires_at), None).await
    }

    pub async fn fail_subscription(
        &self,
        feed_id: i64,
        state: SubscriptionState,
        error: &str,
    ) -> Result<(), StoreError> {
        self.set_subscription_state(feed_id, state, None, Some(error)).await
    }

    async fn set_subscription_state(
        &self,
        feed_id: i64,
        state: SubscriptionState,
        expires_at: Option<DateTime<Utc>>,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE websub_subscriptions SET state = $2, lease_expires_at = COALESCE($3, lease_expires_at),
                    last_error = $4
             WHERE feed_id = $1",
        )
        .bind(feed_id)
        .bind(state.as_str())
        .bind(expires_at.map(to_ms))
        .bind(error)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use url::Url;

    use super::*;
    use crate::store::testing::temp_store;

    async fn a_subscription_goes_from_requested_to_active() {
        let (store, _dir) = temp_store().await;
        let now = Utc::now();
        let feed = store.sync_feeds(&[(Url::parse("https://a.id/feed").expect("url"), None)], now).await.expect("sync");
        let id = feed[0].id;
        assert_eq!(store.subscription(id).await.expect("read"), None);
        store
            .record_subscription_request(id, "https://hub.id/", "https://a.id/feed", "s3cret", now)
            .await
            .expect("request");
        let requested = store.subscription(id).await.expect("read").expect("exists");
        assert_eq!((requested.state, requested.lease_expires_at), (SubscriptionState::Requested, None));
        let until = now + chrono::Duration::days(7);
        store.activate_subscription(id, until).await.expect("activate");
        let active = store.subscription(id).await.expect("read").expect("exists");
        assert_eq!(active.state, SubscriptionState::Active);
        assert_eq!(active.lease_expires_at.map(to_ms), Some(to_ms(until)));
        store.fail_subscription(id, SubscriptionState::Denied, "hub said no").await.expect("deny");
        assert_eq!(store.subscriptions().await.expect("all")[0].state, SubscriptionState::Denied);
    }

    both_backends!(a_subscription_goes_from_requested_to_active,);
}
