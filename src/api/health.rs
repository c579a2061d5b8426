use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, ResponseError, web};
use secrecy::ExposeSecret;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::state::AppState;

/// The process is up and serving; says nothing of the database.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// Prometheus text. The metrics middleware writes the body (behind `metrics_guard`); this
/// route only makes the path known to the router.
pub async fn metrics() -> HttpResponse {
    HttpResponse::Ok().finish()
}

/// Ready for traffic: the database answers.
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    state.store.ping().await.map_err(ApiError::Unavailable)?;
    Ok(HttpResponse::Ok().json(json!({"status": "ready"})))
}

/// Serves `/metrics` only to a bearer of `UNDERSIGNED_METRICS_TOKEN` (401 to anyone else), and
/// not at all when no token is set (404): the counters tell apart signing attempts that
/// recorded a signature from repeats, so reading them after signing an address would tell
/// whether it had signed before.
pub async fn metrics_guard(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    if req.path() != "/metrics" {
        return Ok(next.call(req).await?.map_into_left_body());
    }
    let expected = req
        .app_data::<web::Data<AppState>>()
        .and_then(|state| state.metrics_token.clone());
    let refusal = match expected {
        None => Some(ApiError::RouteNotFound),
        Some(expected) => {
            // Compared as hashes, so the time taken says nothing of how much matched.
            let presented = crate::http::auth::bearer_token(req.request()).and_then(Result::ok);
            let digest = |text: &str| Sha256::digest(text.as_bytes());
            let matches = presented.is_some_and(|p| digest(&p) == digest(expected.expose_secret()));
            (!matches).then_some(ApiError::Unauthenticated)
        }
    };
    match refusal {
        Some(error) => {
            let response = error.error_response().map_into_right_body();
            Ok(req.into_response(response))
        }
        None => Ok(next.call(req).await?.map_into_left_body()),
    }
}
