use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::json;
use validator::Validate;

use crate::domain::{Email, MAX_PASSWORD_CHARS, Password};
use crate::error::ApiError;
use crate::http::auth::OrganiserSession;
use crate::http::extract::ApiJson;
use crate::limits::KnownClients;
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
    // Failures from everywhere have a ceiling, which a client that logged in to this account
    // before (its browser's signed cookie, or its address) never meets: strangers guessing
    // from many networks cannot lock the owner out.
    let cookie = req.cookie(KnownClients::COOKIE);
    let known = limits
        .known_clients
        .knows(&email, client, cookie.as_ref().map(|c| c.value()));
    if !known {
        limits.login_failures.check(&email)?;
    }

    let (user, hash) = match state.store.user_credentials(&email).await? {
        Some((user, hash)) => (Some(user), Some(hash)),
        None => (None, None),
    };
    let password = SecretString::from(body.password);
    let verified = state.passwords.verify(hash, password).await?;
    let Some(user) = user.filter(|_| verified) else {
        if !known {
            limits.login_failures.failed(email);
        }
        return Err(ApiError::InvalidCredentials);
    };
    limits.known_clients.remember(&email, client);
    let device =
        actix_web::cookie::Cookie::build(KnownClients::COOKIE, limits.known_clients.token(&email))
            .path("/v1/auth")
            .http_only(true)
            .secure(state.public_url.scheme() == "https")
            .same_site(actix_web::cookie::SameSite::Strict)
            .max_age(actix_web::cookie::time::Duration::days(365))
            .finish();

    let mut answer = logged_in(&req, &state, &user, StatusCode::OK).await?;
    answer.add_cookie(&device).map_err(ApiError::internal)?;
    Ok(answer)
}

/// Begins a session for `user`, who has just proved who they are, and answers with its first
/// access token, as a login does.
pub(crate) async fn logged_in(
    req: &HttpRequest,
    state: &AppState,
    user: &crate::domain::User,
    status: StatusCode,
) -> Result<HttpResponse, ApiError> {
    let user_agent = req
        .headers()
        .get(actix_web::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    let token =
        crate::accounts::begin_session(state.store.as_ref(), &state.tokens, user, user_agent)
            .await?;
    Ok(HttpResponse::build(status)
        .insert_header(("Cache-Control", "no-store"))
        .json(json!({
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": state.tokens.lifetime().as_secs(),
        })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    email: String,
}

/// `POST /v1/auth/reset`: emails a link that sets a new password, if an account has this
/// email; the answer is the same 202 either way. Limited per client as logins are.
pub async fn request_reset(
    req: HttpRequest,
    state: web::Data<AppState>,
    ApiJson(body): ApiJson<ResetRequest>,
) -> Result<HttpResponse, ApiError> {
    let client = state.client(&req);
    state.limits.login_by_address.check(&client)?;
    let email = Email::parse(&body.email).map_err(|m| ApiError::field("email", m))?;
    state
        .limits
        .login_by_account
        .check(&(email.clone(), client))?;
    crate::accounts::request_reset(
        state.store.as_ref(),
        &state.direct_mail,
        &state.public_url,
        email,
    )
    .await?;
    Ok(HttpResponse::Accepted().json(json!({
        "detail": "If an account has this email, a link to reset its password is on its way; it works once, within 30 minutes."
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewPassword {
    password: String,
}

/// `POST /v1/auth/reset/{token}`: a reset link's new password. Every session of the account
/// ends, and a new one begins here.
pub async fn reset(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
    ApiJson(body): ApiJson<NewPassword>,
) -> Result<HttpResponse, ApiError> {
    let client = state.client(&req);
    state.limits.setup_by_address.check(&client)?;
    let password =
        Password::parse(body.password.into()).map_err(|m| ApiError::field("password", m))?;
    let user =
        crate::accounts::reset_password(state.store.as_ref(), &state.passwords, &token, password)
            .await?;
    logged_in(&req, &state, &user, StatusCode::OK).await
}

/// `POST /v1/invitations/{token}`: the invitee's password; the account is made and logged in.
pub async fn accept_invitation(
    req: HttpRequest,
    state: web::Data<AppState>,
    token: web::Path<String>,
    ApiJson(body): ApiJson<NewPassword>,
) -> Result<HttpResponse, ApiError> {
    let client = state.client(&req);
    state.limits.setup_by_address.check(&client)?;
    let password =
        Password::parse(body.password.into()).map_err(|m| ApiError::field("password", m))?;
    let user = crate::accounts::accept_invitation(
        state.store.as_ref(),
        &state.passwords,
        &token,
        password,
    )
    .await?;
    logged_in(&req, &state, &user, StatusCode::CREATED).await
}

/// `POST /v1/auth/logout`: ends the session the token belongs to, and with it the token.
pub async fn logout(
    session: OrganiserSession,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    state
        .store
        .end_session(session.user.id, session.session_id, crate::store::now())
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /v1/auth/logout-everywhere`: ends every session of the account, this one too.
pub async fn logout_everywhere(
    session: OrganiserSession,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    state
        .store
        .end_sessions(session.user.id, None, crate::store::now())
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// One of the account's live sessions, as its owner sees it.
#[derive(serde::Serialize)]
struct SessionView {
    id: uuid::Uuid,
    created_at: chrono::DateTime<chrono::Utc>,
    expires_at: chrono::DateTime<chrono::Utc>,
    user_agent: Option<String>,
    /// The session this request was made in.
    current: bool,
}

/// `GET /v1/auth/sessions`: the account's sessions that have not ended, newest first.
pub async fn sessions(
    session: OrganiserSession,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let live = state
        .store
        .live_sessions(session.user.id, crate::store::now())
        .await?;
    let sessions: Vec<SessionView> = live
        .into_iter()
        .map(|s| SessionView {
            current: s.id == session.session_id,
            id: s.id,
            created_at: s.created_at,
            expires_at: s.expires_at,
            user_agent: s.user_agent,
        })
        .collect();
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(json!({ "sessions": sessions })))
}
