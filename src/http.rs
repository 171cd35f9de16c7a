//! Warta's one HTTP listener (`[http] listen`): liveness and readiness,
//! Prometheus metrics, the WebSub callback, and in webhook mode the Telegram
//! webhook. The only axum user besides teloxide's webhook router.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::Utc;
use tokio_util::sync::CancellationToken;

use crate::config::{FetchSecret, WebhookSecret};
use crate::feed::ping::{self, InstantFetch, WakeOutcome};
use crate::feed::websub::{IntentQuery, PushOutcome, Verification, WebSub};
use crate::health::Health;
use crate::metrics::Metrics;
use crate::store::Store;
use crate::telegram::TelegramApi;

/// Largest WebSub push body read.
const MAX_PUSH_BODY: usize = 10 * 1024 * 1024;
/// Telegram counts as reachable if it answered this recently; else /readyz asks it.
const TELEGRAM_FRESH: Duration = Duration::from_secs(120);
/// How long open connections may finish at shutdown.
const DRAIN: Duration = Duration::from_secs(2);
/// How long each readiness check may take.
const CHECK_TIMEOUT: Duration = Duration::from_secs(3);

#[derive(Clone, Default)]
pub struct HttpState {
    pub websub: Option<WebSub>,
    pub metrics: Option<Metrics>,
    pub readiness: Option<Readiness>,
    /// Publish pings (`POST /ping`) and "fetch now" (`POST /fetch`).
    pub instant: Option<InstantFetch>,
    /// `POST /fetch` answers only requests bearing it.
    pub fetch_secret: Option<FetchSecret>,
    /// A standby on PostgreSQL: alive and ready to take over, not leading.
    pub standby: bool,
}

/// What /readyz checks.
#[derive(Clone)]
pub struct Readiness {
    pub store: Store,
    /// The SQLite file: gone (a lost volume) means not ready, whatever open handles say. `None` on PostgreSQL.
    pub database_file: Option<PathBuf>,
    pub health: Arc<Health>,
    /// For getMe when no send went through lately.
    pub telegram: TelegramApi,
    /// Feeds failing this many times in a row count as failing.
    pub alert_after: u32,
}

impl std::fmt::Debug for HttpState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpState").finish_non_exhaustive()
    }
}

pub fn router(state: HttpState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/websub/{feed_id}", get(websub_verify).post(websub_push))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_PUSH_BODY))
        .route("/ping", post(publish_ping).layer(axum::extract::DefaultBodyLimit::max(ping::MAX_PING_BODY)))
        .route("/fetch", post(fetch_now))
        .with_state(state)
}

/// Telegram's webhook router, behind a check of its secret header: a request
/// without it, or with another, is refused and logged before teloxide sees it.
pub fn webhook_router(teloxide_router: Router, secret: WebhookSecret) -> Router {
    teloxide_router.layer(axum::middleware::from_fn_with_state(Arc::new(secret), check_webhook_secret))
}

async fn check_webhook_secret(State(secret): State<Arc<WebhookSecret>>, request: Request, next: Next) -> Response {
    let given = request.headers().get("x-telegram-bot-api-secret-token").map(|v| v.as_bytes());
    match given {
        Some(given) if constant_time_eq(given, secret.expose().as_bytes()) => next.run(request).await,
        Some(_) => {
            tracing::warn!(path = %request.uri().path(), "webhook request with a wrong secret token rejected");
            StatusCode::UNAUTHORIZED.into_response()
        }
        None => {
            tracing::warn!(path = %request.uri().path(), "webhook request without a secret token rejected");
            StatusCode::UNAUTHORIZED.into_response()
        }
    }
}

/// Compares without stopping at the first difference (no timing hints about the secret).
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[derive(Debug, thiserror::Error)]
#[error("cannot listen on {address}: {source}")]
pub struct ListenError {
    address: SocketAddr,
    source: std::io::Error,
}

/// Binds `address` now (so a busy port is reported at start), then serves
/// `router` (plus `extra`, e.g. the webhook) until `shutdown`.
pub async fn bind(
    address: SocketAddr,
    state: HttpState,
    extra: Option<Router>,
    shutdown: CancellationToken,
) -> Result<impl Future<Output = ()>, ListenError> {
    let listener = tokio::net::TcpListener::bind(address).await.map_err(|source| ListenError { address, source })?;
    let local = listener.local_addr().unwrap_or(address);
    tracing::info!(address = %local, "HTTP listener started");
    let mut app = router(state);
    if let Some(extra) = extra {
        app = app.merge(extra);
    }
    Ok(async move {
        let served = axum::serve(listener, app).with_graceful_shutdown(shutdown.clone().cancelled_owned());
        // Clients (Telegram, Prometheus) keep connections open: they get a moment, not a veto.
        let drained = async {
            shutdown.cancelled().await;
            tokio::time::sleep(DRAIN).await;
        };
        tokio::select! {
            served = served => {
                if let Err(err) = served {
                    tracing::error!(error = %err, "HTTP listener failed");
                }
            }
            () = drained => tracing::info!("HTTP connections still open at shutdown were closed"),
        }
    })
}

/// Liveness: the process serves HTTP.
async fn healthz() -> &'static str {
    "ok\n"
}

/// Readiness: the database is there and answers, Telegram answered recently
/// (or answers getMe now), not every feed is failing, and a write goes through.
async fn readyz(State(state): State<HttpState>) -> Response {
    if state.standby {
        return (StatusCode::OK, "ready-standby\n").into_response();
    }
    let Some(ready) = state.readiness else { return (StatusCode::OK, "ready\n").into_response() };
    let mut problems = Vec::new();
    if ready.database_file.as_deref().is_some_and(|file| !file.exists()) {
        problems.push("database file missing".to_owned());
    } else {
        match tokio::time::timeout(CHECK_TIMEOUT, ready.store.active_feeds()).await {
            Ok(Ok(feeds)) => {
                let failing = feeds.iter().filter(|f| f.error_count >= i64::from(ready.alert_after)).count();
                if !feeds.is_empty() && failing == feeds.len() {
                    problems.push(format!("all {failing} feeds failing"));
                }
            }
            Ok(Err(err)) => problems.push(format!("database error: {err}")),
            Err(_) => problems.push("database not answering".to_owned()),
        }
        match tokio::time::timeout(CHECK_TIMEOUT, ready.store.probe_write(Utc::now())).await {
            Ok(Ok(())) => {}
            Ok(Err(err)) => problems.push(format!("database refuses writes: {err}")),
            Err(_) => problems.push("database write not answering".to_owned()),
        }
    }
    if !ready.health.telegram_seen_within(TELEGRAM_FRESH) {
        match tokio::time::timeout(CHECK_TIMEOUT, ready.telegram.identity()).await {
            Ok(Ok(_)) => ready.health.telegram_ok(),
            Ok(Err(_)) | Err(_) => problems.push("Telegram not reachable".to_owned()),
        }
    }
    if problems.is_empty() {
        (StatusCode::OK, "ready\n").into_response()
    } else {
        tracing::warn!(problems = ?problems, "not ready");
        (StatusCode::SERVICE_UNAVAILABLE, format!("not ready: {}\n", problems.join("; "))).into_response()
    }
}

/// Prometheus text; the outbox and subscriber gauges are read from the store now.
async fn metrics(State(state): State<HttpState>) -> Response {
    let Some(metrics) = state.metrics else { return StatusCode::NOT_FOUND.into_response() };
    if let Some(ready) = &state.readiness {
        if let Ok(counts) = ready.store.outbox_counts().await {
            crate::metrics::outbox("pending", counts.pending);
            crate::metrics::outbox("sending", counts.sending);
            crate::metrics::outbox("sent", counts.sent);
            crate::metrics::outbox("failed", counts.failed);
            crate::metrics::outbox("dead", counts.dead);
        }
        if let Ok(subscribers) = ready.store.subscriber_counts(Utc::now() - chrono::Duration::days(7)).await {
            crate::metrics::subscribers("active", subscribers.active);
            crate::metrics::subscribers("unreachable", subscribers.unreachable);
        }
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], metrics.render()).into_response()
}

async fn websub_verify(
    State(state): State<HttpState>,
    Path(feed_id): Path<i64>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let Some(websub) = state.websub else { return StatusCode::NOT_FOUND.into_response() };
    let query = IntentQuery {
        mode: params.get("hub.mode").cloned(),
        topic: params.get("hub.topic").cloned(),
        challenge: params.get("hub.challenge").cloned(),
        lease_seconds: params.get("hub.lease_seconds").and_then(|s| s.parse().ok()),
        reason: params.get("hub.reason").cloned(),
    };
    match websub.verify_intent(feed_id, &query, Utc::now()).await {
        Ok(Verification::Confirmed(challenge)) => (StatusCode::OK, challenge).into_response(),
        Ok(Verification::DenialNoted) => StatusCode::OK.into_response(),
        Ok(Verification::Refused) => StatusCode::NOT_FOUND.into_response(),
        Err(err) => {
            tracing::error!(feed_id, error = %err, "WebSub verification failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

async fn websub_push(
    State(state): State<HttpState>,
    Path(feed_id): Path<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(websub) = state.websub else { return StatusCode::NOT_FOUND.into_response() };
    let signature = headers.get("x-hub-signature").and_then(|v| v.to_str().ok());
    match websub.receive_push(feed_id, signature, &body).await {
        // W3C WebSub §8: acknowledge receipt with 2xx even when the signature is
        // wrong (the content is ignored), so hubs do not retry forged deliveries.
        Ok(PushOutcome::Accepted | PushOutcome::Unsigned | PushOutcome::BadSignature) => {
            StatusCode::ACCEPTED.into_response()
        }
        Ok(PushOutcome::Unknown) => StatusCode::GONE.into_response(),
        Err(err) => {
            tracing::error!(feed_id, error = %err, "WebSub push failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// WordPress's Update Services ping (XML-RPC). Always answered in XML-RPC:
/// success for a known site (its configured feeds fetch now) and for an
/// unknown one (nothing to do, and no hint of which sites are configured),
/// a fault for anything that is not a ping.
async fn publish_ping(
    State(state): State<HttpState>,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Response {
    let Some(instant) = state.instant else { return StatusCode::NOT_FOUND.into_response() };
    let parsed = match body {
        Ok(body) => ping::parse_ping(&body),
        Err(_) => Err(ping::PingError::TooLarge),
    };
    let xml = match parsed {
        Ok(received) => {
            if let WakeOutcome::Woken(feeds) = instant.ping(&received) {
                tracing::info!(site = %received.site_url.chars().take(120).collect::<String>(), feeds, method = %received.method,
                    "publish ping: fetching the site's feeds now");
            }
            ping::success_response()
        }
        Err(err) => {
            tracing::info!(error = %err, "malformed publish ping refused");
            ping::fault_response(err.fault_code(), &err.to_string())
        }
    };
    // XML-RPC answers faults with 200 too.
    ([(header::CONTENT_TYPE, "text/xml; charset=UTF-8")], xml).into_response()
}

#[derive(Debug, serde::Deserialize)]
struct FetchNowQuery {
    /// A site or feed URL (or a host); absent: every feed.
    site: Option<String>,
}

/// "Fetch now" for other CMSs and scripts: `POST /fetch?site=…` with
/// `Authorization: Bearer <FETCH_SECRET>`.
async fn fetch_now(State(state): State<HttpState>, Query(query): Query<FetchNowQuery>, headers: HeaderMap) -> Response {
    let (Some(instant), Some(secret)) = (state.instant, state.fetch_secret) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    if !given.is_some_and(|given| constant_time_eq(given.as_bytes(), secret.expose().as_bytes())) {
        tracing::warn!("fetch-now request without the right secret rejected");
        return StatusCode::UNAUTHORIZED.into_response();
    }
    match instant.fetch_now(query.site.as_deref()) {
        WakeOutcome::Woken(feeds) => {
            tracing::info!(feeds, "fetch now requested");
            (StatusCode::ACCEPTED, format!("fetching {feeds} feed(s)\n")).into_response()
        }
        WakeOutcome::UnknownSite => (StatusCode::NOT_FOUND, "no configured feed is on that site\n").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_whole() {
        assert!(constant_time_eq(b"s3cret", b"s3cret"));
        assert!(!constant_time_eq(b"s3cret", b"s3creT"));
        assert!(!constant_time_eq(b"s3cret", b"s3cret-longer"));
        assert!(!constant_time_eq(b"", b"x"));
    }
}
