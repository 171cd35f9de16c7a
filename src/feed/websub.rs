//! WebSub (PubSubHubbub) subscriber: asks a feed's hub to push updates,
//! answers the hub's verification of intent, checks each push's HMAC
//! signature, and turns a valid push into "fetch this feed now". Polling
//! stays the safety net.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;
use url::Url;

use super::poller::{FeedWakeups, HubListener};
use crate::outbound::Fetcher;
use crate::store::{Store, StoreError, Subscription, SubscriptionState};

/// A request that the hub never verified is asked again after this.
const UNVERIFIED_RETRY: Duration = Duration::from_secs(10 * 60);
/// A hub that refused (or could not be reached) is asked again after this.
const REFUSED_RETRY: Duration = Duration::from_secs(6 * 3600);
/// How often leases are checked for renewal.
const RENEWAL_CHECK: Duration = Duration::from_secs(15 * 60);

/// The hub's verification-of-intent request (query parameters of its GET).
#[derive(Debug, Clone, Default)]
pub struct IntentQuery {
    pub mode: Option<String>,
    pub topic: Option<String>,
    pub challenge: Option<String>,
    pub lease_seconds: Option<u64>,
    pub reason: Option<String>,
}

/// How to answer a verification of intent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    /// 200 with the challenge as body.
    Confirmed(String),
    /// The hub reports it refused the subscription: acknowledged.
    DenialNoted,
    /// Not something we asked for: 404.
    Refused,
}

/// What a push was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushOutcome {
    /// Signed with our secret: the feed is fetched now.
    Accepted,
    /// No `X-Hub-Signature`: ignored.
    Unsigned,
    /// A signature that does not match: ignored.
    BadSignature,
    /// No subscription for that feed.
    Unknown,
}

#[derive(Debug, Clone)]
pub struct WebSub {
    store: Store,
    fetcher: Fetcher,
    public_url: Url,
    lease: Duration,
    wakeups: FeedWakeups,
    /// Feeds with a subscribe request under way, so one is not sent twice.
    in_flight: Arc<Mutex<HashSet<i64>>>,
}

impl WebSub {
    pub fn new(store: Store, fetcher: Fetcher, public_url: Url, lease: Duration, wakeups: FeedWakeups) -> Self {
        Self { store, fetcher, public_url, lease, wakeups, in_flight: Arc::default() }
    }

    /// Where hubs reach us about `feed_id`.
    pub fn callback_url(&self, feed_id: i64) -> Url {
        let mut url = self.public_url.clone();
        if let Ok(mut segments) = url.path_segments_mut() {
            segments.pop_if_empty().push("websub").push(&feed_id.to_string());
        }
        url
    }

    /// Subscribes at the first of `hubs` unless a live or pending subscription
    /// for this topic exists; renews a lease that is running out.
    pub async fn ensure_subscribed(
        &self,
        feed_id: i64,
        topic: &Url,
        hubs: &[Url],
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let Some(hub) = hubs.first() else { return Ok(false) };
        let current = self.store.subscription(feed_id).await?;
        if !needs_request(current.as_ref(), hub, topic, now) {
            return Ok(false);
        }
        if !self.lock(feed_id) {
            return Ok(false);
        }
        let result = self.subscribe(feed_id, hub, topic, now).await;
        self.unlock(feed_id);
        result.map(|()| true)
    }

    fn lock(&self, feed_id: i64) -> bool {
        self.in_flight.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).insert(feed_id)
    }

    fn unlock(&self, feed_id: i64) {
        self.in_flight.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).remove(&feed_id);
    }

    async fn subscribe(&self, feed_id: i64, hub: &Url, topic: &Url, now: DateTime<Utc>) -> Result<(), StoreError> {
        let secret = new_secret();
        // Record first: the hub may verify before its answer reaches us.
        self.store.record_subscription_request(feed_id, hub.as_str(), topic.as_str(), &secret, now).await?;
        let callback = self.callback_url(feed_id);
        let lease = self.lease.as_secs().to_string();
        let form = [
            ("hub.mode", "subscribe"),
            ("hub.topic", topic.as_str()),
            ("hub.callback", callback.as_str()),
            ("hub.secret", secret.as_str()),
            ("hub.lease_seconds", lease.as_str()),
        ];
        match self.fetcher.post_form(hub, &form).await {
            Ok(status) if (200..300).contains(&status) => {
                tracing::info!(feed_id, hub = %hub, topic = %topic, "WebSub subscription requested");
                Ok(())
            }
            Ok(status) => {
                let error = format!("hub answered HTTP {status}");
                tracing::warn!(feed_id, hub = %hub, error, "WebSub subscription refused; polling continues");
                self.store.fail_subscription(feed_id, SubscriptionState::Failed, &error).await
            }
            Err(error) => {
                tracing::warn!(feed_id, hub = %hub, error, "WebSub hub unreachable; polling continues");
                self.store.fail_subscription(feed_id, SubscriptionState::Failed, &error).await
            }
        }
    }

    /// Answers the hub's GET: confirms only a subscription we asked for.
    #[tracing::instrument(name = "websub", skip_all, fields(feed_id = feed_id))]
    pub async fn verify_intent(
        &self,
        feed_id: i64,
        query: &IntentQuery,
        now: DateTime<Utc>,
    ) -> Result<Verification, StoreError> {
        let Some(subscription) = self.store.subscription(feed_id).await? else {
            return Ok(Verification::Refused);
        };
        if query.topic.as_deref() != Some(subscription.topic_url.as_str()) {
            tracing::warn!(feed_id, topic = ?query.topic, "WebSub verification for a topic we did not ask for");
            return Ok(Verification::Refused);
        }
        match query.mode.as_deref() {
            Some("subscribe")
                if matches!(subscription.state, SubscriptionState::Requested | SubscriptionState::Active) =>
            {
                let Some(challenge) = query.challenge.clone() else { return Ok(Verification::Refused) };
                let lease = query.lease_seconds.map_or(self.lease, Duration::from_secs);
                let expires = crate::domain::time::later(now, lease);
                self.store.activate_subscription(feed_id, expires).await?;
                tracing::info!(feed_id, lease_s = lease.as_secs(), "WebSub subscription verified");
                Ok(Verification::Confirmed(challenge))
            }
            Some("denied") => {
                let reason = query.reason.clone().unwrap_or_else(|| "denied by the hub".to_owned());
                self.store.fail_subscription(feed_id, SubscriptionState::Denied, &reason).await?;
                tracing::warn!(feed_id, reason, "WebSub hub denied the subscription; polling continues");
                Ok(Verification::DenialNoted)
            }
            // We never ask to unsubscribe, and never confirm what we did not ask.
            _ => Ok(Verification::Refused),
        }
    }

    /// Handles a push: a valid signature makes the feed fetch now.
    #[tracing::instrument(name = "websub", skip_all, fields(feed_id = feed_id))]
    pub async fn receive_push(
        &self,
        feed_id: i64,
        signature: Option<&str>,
        body: &[u8],
    ) -> Result<PushOutcome, StoreError> {
        let Some(subscription) = self.store.subscription(feed_id).await? else {
            return Ok(PushOutcome::Unknown);
        };
        let outcome = match signature {
            None => PushOutcome::Unsigned,
            Some(signature) if signature_matches(&subscription.secret, signature, body) => PushOutcome::Accepted,
            Some(_) => PushOutcome::BadSignature,
        };
        match outcome {
            PushOutcome::Accepted => {
                tracing::info!(feed_id, bytes = body.len(), "WebSub push received; fetching the feed now");
                self.wakeups.wake(feed_id);
            }
            other => tracing::warn!(feed_id, outcome = ?other, "WebSub push ignored: not signed with our secret"),
        }
        Ok(outcome)
    }

    /// Renews leases before they run out, until `shutdown`.
    pub async fn run_renewals(self, shutdown: CancellationToken) {
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = tokio::time::sleep(RENEWAL_CHECK) => {}
            }
            let subscriptions = match self.store.subscriptions().await {
                Ok(subscriptions) => subscriptions,
                Err(err) => {
                    tracing::error!(error = %err, "cannot read WebSub subscriptions");
                    continue;
                }
            };
            for subscription in subscriptions {
                let (Ok(hub), Ok(topic)) = (Url::parse(&subscription.hub_url), Url::parse(&subscription.topic_url))
                else {
                    continue;
                };
                let span = tracing::info_span!("websub", feed_id = subscription.feed_id);
                let hubs = [hub];
                let renewal = self.ensure_subscribed(subscription.feed_id, &topic, &hubs, Utc::now());
                if let Err(err) = renewal.instrument(span).await {
                    tracing::error!(feed_id = subscription.feed_id, error = %err, "WebSub renewal failed");
                }
            }
        }
    }
}

impl HubListener for WebSub {
    fn hubs_seen(&self, feed_id: i64, topic: Url, hubs: Vec<Url>) {
        let websub = self.clone();
        // A task of its own: it carries the feed, not the poll that saw the hubs.
        let span = tracing::info_span!("websub", feed_id);
        tokio::spawn(
            async move {
                if let Err(err) = websub.ensure_subscribed(feed_id, &topic, &hubs, Utc::now()).await {
                    tracing::error!(feed_id, error = %err, "WebSub subscription failed");
                }
            }
            .instrument(span),
        );
    }
}

/// Whether a (new or renewed) subscribe request is due.
fn needs_request(current: Option<&Subscription>, hub: &Url, topic: &Url, now: DateTime<Utc>) -> bool {
    let Some(current) = current else { return true };
    if current.hub_url != hub.as_str() || current.topic_url != topic.as_str() {
        return true;
    }
    let since_request = (now - current.requested_at).to_std().unwrap_or(Duration::ZERO);
    match current.state {
        SubscriptionState::Requested => since_request > UNVERIFIED_RETRY,
        SubscriptionState::Denied | SubscriptionState::Failed => since_request > REFUSED_RETRY,
        SubscriptionState::Active => match current.lease_expires_at {
            // Renew once less than a fifth of the lease is left.
            Some(expires) => {
                let lease = (expires - current.requested_at).to_std().unwrap_or(Duration::ZERO);
                let left = (expires - now).to_std().unwrap_or(Duration::ZERO);
                left < lease / 5
            }
            None => true,
        },
    }
}

/// A fresh 256-bit secret, hex-encoded.
fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    if getrandom::getrandom(&mut bytes).is_err() {
        // No OS randomness: still unique per request, if weaker.
        for (index, byte) in bytes.iter_mut().enumerate() {
            *byte = fastrand::u8(..) ^ u8::try_from(index).unwrap_or(0);
        }
    }
    hex::encode(bytes)
}

/// Checks `X-Hub-Signature: method=hex` (sha1, sha256, sha384 or sha512) in constant time.
pub fn signature_matches(secret: &str, header: &str, body: &[u8]) -> bool {
    let Some((method, hex_digest)) = header.trim().split_once('=') else { return false };
    let Ok(expected) = hex::decode(hex_digest.trim()) else { return false };
    let key = secret.as_bytes();
    match method.trim().to_ascii_lowercase().as_str() {
        "sha1" => verify::<Hmac<sha1::Sha1>>(key, body, &expected),
        "sha256" => verify::<Hmac<sha2::Sha256>>(key, body, &expected),
        "sha384" => verify::<Hmac<sha2::Sha384>>(key, body, &expected),
        "sha512" => verify::<Hmac<sha2::Sha512>>(key, body, &expected),
        _ => false,
    }
}

fn verify<M: Mac + hmac::digest::KeyInit>(key: &[u8], body: &[u8], expected: &[u8]) -> bool {
    let Ok(mut mac) = <M as Mac>::new_from_slice(key) else { return false };
    mac.update(body);
    mac.verify_slice(expected).is_ok()
}

/// `method=hex` signature of `body` (tests, and hubs we simulate).
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_checked() {
        let body = b"<feed/>";
        let good = sign("s3cret", body);
        assert!(signature_matches("s3cret", &good, body));
        assert!(!signature_matches("other", &good, body));
        assert!(!signature_matches("s3cret", &good, b"<feed>tampered</feed>"));
        let mut sha1 = <Hmac<sha1::Sha1> as Mac>::new_from_slice(b"s3cret").expect("key");
        sha1.update(body);
        let sha1 = format!("sha1={}", hex::encode(sha1.finalize().into_bytes()));
        assert!(signature_matches("s3cret", &sha1, body));
        for bad in ["", "sha256", "sha256=zz", "md5=abcd", "=abcd"] {
            assert!(!signature_matches("s3cret", bad, body), "{bad:?}");
        }
    }

    fn subscription(state: SubscriptionState, requested_minutes_ago: i64, lease_days: Option<i64>) -> Subscription {
        let now = Utc::now();
        let requested_at = now - chrono::Duration::minutes(requested_minutes_ago);
        Subscription {
            feed_id: 1,
            hub_url: "https://hub.id/".into(),
            topic_url: "https://a.id/feed".into(),
            secret: "s".into(),
            state,
            requested_at,
            lease_expires_at: lease_days.map(|d| requested_at + chrono::Duration::days(d)),
        }
    }

    #[test]
    fn requests_are_sent_when_new_changed_expiring_or_stale() {
        let hub = Url::parse("https://hub.id/").expect("url");
        let topic = Url::parse("https://a.id/feed").expect("url");
        let now = Utc::now();
        let check = |s: &Subscription| needs_request(Some(s), &hub, &topic, now);
        assert!(needs_request(None, &hub, &topic, now));
        assert!(!check(&subscription(SubscriptionState::Active, 60, Some(7))), "fresh lease");
        assert!(check(&subscription(SubscriptionState::Active, 6 * 24 * 60, Some(7))), "a day left of seven");
        assert!(!check(&subscription(SubscriptionState::Requested, 1, None)), "awaiting verification");
        assert!(check(&subscription(SubscriptionState::Requested, 11, None)), "never verified");
        assert!(!check(&subscription(SubscriptionState::Failed, 60, None)));
        assert!(check(&subscription(SubscriptionState::Failed, 7 * 60, None)));
        let moved = Url::parse("https://other-hub.id/").expect("url");
        assert!(needs_request(Some(&subscription(SubscriptionState::Active, 1, Some(7))), &moved, &topic, now));
    }
}
