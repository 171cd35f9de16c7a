//! A fake WebSub hub on 127.0.0.1: takes subscription requests, verifies the
//! subscriber's intent like a real hub (GET with a challenge), and publishes
//! signed — or badly signed — content to the callback.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use tokio::sync::watch;

#[derive(Debug, Clone)]
pub struct HubSubscription {
    pub callback: String,
    pub topic: String,
    pub secret: Option<String>,
    pub lease_seconds: Option<String>,
    /// Whether the callback echoed the challenge.
    pub verified: Option<bool>,
}

#[derive(Default)]
struct Inner {
    subscriptions: Vec<HubSubscription>,
}

#[derive(Clone)]
struct Shared {
    inner: Arc<Mutex<Inner>>,
    changed: Arc<watch::Sender<u64>>,
    /// The lease the hub grants (seconds).
    grant: u64,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

pub struct FakeHub {
    shared: Shared,
    base_url: String,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for FakeHub {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl FakeHub {
    pub async fn start() -> Self {
        let (changed, _) = watch::channel(0);
        let shared = Shared { inner: Arc::default(), changed: Arc::new(changed), grant: 864_000 };
        let app = Router::new().route("/", post(subscribe)).with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind fake hub");
        let addr = listener.local_addr().expect("addr");
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { shared, base_url: format!("http://{addr}/"), server }
    }

    pub fn url(&self) -> &str {
        &self.base_url
    }

    pub fn subscriptions(&self) -> Vec<HubSubscription> {
        self.shared.lock().subscriptions.clone()
    }

    /// Waits for a subscription whose intent was verified.
    pub async fn wait_for_verified(&self) -> HubSubscription {
        let mut changes = self.shared.changed.subscribe();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(found) = self.subscriptions().into_iter().find(|s| s.verified == Some(true)) {
                return found;
            }
            if tokio::time::timeout_at(deadline, changes.changed()).await.is_err() {
                panic!("no verified subscription within 30s: {:?}", self.subscriptions());
            }
        }
    }

    /// Delivers `body` to the subscribers of `topic` with `signature` (None:
    /// unsigned); returns the callback's status codes.
    pub async fn publish_with(
        &self,
        topic: &str,
        body: &str,
        signature: impl Fn(&HubSubscription) -> Option<String>,
    ) -> Vec<u16> {
        let client = reqwest::Client::new();
        let mut statuses = Vec::new();
        for subscription in self.subscriptions().into_iter().filter(|s| s.topic == topic) {
            let mut request = client
                .post(&subscription.callback)
                .header("content-type", "application/rss+xml")
                .header("link", format!("<{}>; rel=\"hub\", <{topic}>; rel=\"self\"", self.base_url))
                .body(body.to_owned());
            if let Some(signature) = signature(&subscription) {
                request = request.header("x-hub-signature", signature);
            }
            statuses.push(request.send().await.map(|r| r.status().as_u16()).unwrap_or(0));
        }
        statuses
    }

    /// Delivers `body` signed with the subscriber's secret.
    pub async fn publish(&self, topic: &str, body: &str) -> Vec<u16> {
        self.publish_with(topic, body, |s| {
            s.secret.as_deref().map(|secret| warta::feed::websub::sign(secret, body.as_bytes()))
        })
        .await
    }

    /// Sends a verification of intent the subscriber never asked for.
    pub async fn verify_unasked(&self, callback: &str, topic: &str) -> u16 {
        let url = format!(
            "{callback}?hub.mode=subscribe&hub.topic={}&hub.challenge=surprise&hub.lease_seconds=60",
            urlencode(topic)
        );
        reqwest::get(url).await.map(|r| r.status().as_u16()).unwrap_or(0)
    }
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

async fn subscribe(State(shared): State<Shared>, body: Bytes) -> StatusCode {
    let form: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let (Some("subscribe"), Some(callback), Some(topic)) =
        (field("hub.mode").as_deref(), field("hub.callback"), field("hub.topic"))
    else {
        return StatusCode::BAD_REQUEST;
    };
    let index = {
        let mut inner = shared.lock();
        inner.subscriptions.push(HubSubscription {
            callback: callback.clone(),
            topic: topic.clone(),
            secret: field("hub.secret"),
            lease_seconds: field("hub.lease_seconds"),
            verified: None,
        });
        inner.subscriptions.len() - 1
    };
    shared.changed.send_modify(|v| *v += 1);
    // Verify intent asynchronously, as hubs do, after answering 202.
    let verifier = shared.clone();
    tokio::spawn(async move {
        let challenge = format!("challenge-{index}-{}", fastrand::u64(..));
        let url = format!(
            "{callback}?hub.mode=subscribe&hub.topic={}&hub.challenge={challenge}&hub.lease_seconds={}",
            urlencode(&topic),
            verifier.grant
        );
        let verified = match reqwest::get(&url).await {
            Ok(response) if response.status().is_success() => response.text().await.is_ok_and(|text| text == challenge),
            _ => false,
        };
        verifier.lock().subscriptions[index].verified = Some(verified);
        verifier.changed.send_modify(|v| *v += 1);
    });
    StatusCode::ACCEPTED
}
