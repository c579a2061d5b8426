use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, web};
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::json;
use validator::Validate;

use crate::auth::CheckError;
use crate::domain::{Email, MAX_PASSWORD_CHARS};
use crate::error::ApiError;
use crate::http::extract::ApiJson;
use crate::state::AppState;

const MAX_PASSWORD_LEN: u64 = MAX_PASSWORD_CHARS as u64;

#[derive(Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    email: String,
    #[validate(length(min = 1, max = MAX_PASSWORD_LEN))]
    password: String,
}

/// `POST /v1/auth/token`: an organiser's email and password for an access token. An unknown
/// email and a wrong password get the same answer after the same work.
pub async fn issue_token(
    req: HttpRequest,
    state: web::Data<AppState>,
    ApiJson(body): ApiJson<TokenRequest>,
) -> Result<HttpResponse, ApiError> {
    let client = state.client(&req);
    let limits = &state.limits;
    limits.login_by_address.check(&client)?;
    body.validate()?;
    let email = Email::parse(&body.email).map_err(|m| ApiError::field("email", m))?;
    limits.login_by_account.check(&(email.clone(), client))?;
    limits.login_failures.check(&email)?;

    let (user, hash) = match state.store.user_credentials(&email).await? {
        Some((user, hash)) => (Some(user), Some(hash)),
        None => (None, None),
    };
    let password = SecretString::from(body.password);
    let verified = state
        .passwords
        .verify(hash, password)
        .await
        .map_err(|e| match e {
            CheckError::Busy => ApiError::Busy {
                retry_after: Duration::from_secs(1),
            },
            CheckError::Failed(e) => ApiError::internal(e),
        })?;
    let Some(user) = user.filter(|_| verified) else {
        limits.login_failures.failed(email);
        return Err(ApiError::InvalidCredentials);
    };

    let token = state.tokens.issue(user.id).map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(json!({
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": state.tokens.lifetime().as_secs(),
        })))
}
