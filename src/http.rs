//! Warta's own HTTP listener (`[http] listen`): the WebSub callback lives
//! here; health and metrics join it later. The only axum user.

use std::collections::HashMap;
use std::net::SocketAddr;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::Utc;
use tokio_util::sync::CancellationToken;

use crate::feed::websub::{IntentQuery, PushOutcome, Verification, WebSub};

/// Largest WebSub push body read.
const MAX_PUSH_BODY: usize = 10 * 1024 * 1024;

#[derive(Debug, Clone, Default)]
pub struct HttpState {
    pub websub: Option<WebSub>,
}

pub fn router(state: HttpState) -> Router {
    Router::new()
        .route("/websub/{feed_id}", get(websub_verify).post(websub_push))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_PUSH_BODY))
        .with_state(state)
}

#[derive(Debug, thiserror::Error)]
#[error("cannot listen on {address}: {source}")]
pub struct ListenError {
    address: SocketAddr,
    source: std::io::Error,
}

/// Binds `address` now (so a busy port is reported at start), then serves
/// until `shutdown`.
pub async fn bind(
    address: SocketAddr,
    state: HttpState,
    shutdown: CancellationToken,
) -> Result<impl Future<Output = ()>, ListenError> {
    let listener = tokio::net::TcpListener::bind(address).await.map_err(|source| ListenError { address, source })?;
    let local = listener.local_addr().unwrap_or(address);
    tracing::info!(address = %local, "HTTP listener started");
    Ok(async move {
        let served = axum::serve(listener, router(state)).with_graceful_shutdown(shutdown.cancelled_owned()).await;
        if let Err(err) = served {
            tracing::error!(error = %err, "HTTP listener failed");
        }
    })
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
