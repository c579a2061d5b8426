use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};

use crate::domain::User;
use crate::error::ApiError;
use crate::state::AppState;

/// A request made with a valid organiser access token, and the account it speaks for.
pub struct Organiser(pub User);

/// A request made with a valid organiser access token: the account, and the session (the
/// login) the token belongs to.
pub struct OrganiserSession {
    pub user: User,
    pub session_id: uuid::Uuid,
}

/// A request that may carry an organiser's token. Without an `Authorization` header it is
/// anonymous; with one, the token must be valid (a bad token is 401, never silently anonymous).
pub struct MaybeOrganiser(pub Option<User>);

pub fn bearer_token(req: &HttpRequest) -> Option<Result<String, ApiError>> {
    let value = req.headers().get(header::AUTHORIZATION)?;
    let token = value
        .to_str()
        .ok()
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .ok_or(ApiError::Unauthenticated);
    Some(token)
}

async fn authenticate(
    state: web::Data<AppState>,
    token: String,
) -> Result<OrganiserSession, ApiError> {
    let (user_id, session_id) = state
        .tokens
        .verify(&token)
        .ok_or(ApiError::Unauthenticated)?;
    // The session and account are read on every request, so that logging out (or a password
    // change elsewhere) ends the token at once, on every instance.
    let user = state
        .store
        .session_user(session_id, user_id, crate::store::now())
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    Ok(OrganiserSession { user, session_id })
}

fn app_state(req: &HttpRequest) -> Result<web::Data<AppState>, ApiError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("application state missing")))
}

impl FromRequest for Organiser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let session = OrganiserSession::from_request(req, payload);
        Box::pin(async move { Ok(Organiser(session.await?.user)) })
    }
}

impl FromRequest for OrganiserSession {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = bearer_token(req);
        let state = app_state(req);
        Box::pin(async move {
            let token = token.ok_or(ApiError::Unauthenticated)??;
            authenticate(state?, token).await
        })
    }
}

impl FromRequest for MaybeOrganiser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = bearer_token(req);
        let state = app_state(req);
        Box::pin(async move {
            match token {
                None => Ok(MaybeOrganiser(None)),
                Some(token) => Ok(MaybeOrganiser(Some(
                    authenticate(state?, token?).await?.user,
                ))),
            }
        })
    }
}
