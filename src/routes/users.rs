use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::campaigns::{OrganiserInput, OrganiserView};
use crate::accounts::{create_account, create_first_admin, set_organiser};
use crate::auth::Organiser;
use crate::domain::{Email, FieldErrors, Password, User};
use crate::error::ApiError;
use crate::http::extract::ApiJson;
use crate::state::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    email: String,
    password: String,
    #[serde(default)]
    admin: bool,
}

#[derive(Serialize)]
pub struct UserView {
    id: Uuid,
    email: String,
    admin: bool,
    created_at: DateTime<Utc>,
    /// The identity this account's campaigns take where they set none of their own.
    organiser: OrganiserView,
}

impl From<&User> for UserView {
    fn from(user: &User) -> Self {
        Self {
            id: user.id,
            email: user.email.as_str().to_owned(),
            admin: user.is_admin,
            created_at: user.created_at,
            organiser: OrganiserView::from(&user.organiser),
        }
    }
}

/// An email and a password, both parsed, or every field at fault.
fn credentials(email: &str, password: String) -> Result<(Email, Password), ApiError> {
    let mut errors = FieldErrors::default();
    let email = errors.check("email", Email::parse(email));
    let password = errors.check("password", Password::parse(SecretString::from(password)));
    match (email, password) {
        (Some(email), Some(password)) => Ok((email, password)),
        _ => Err(ApiError::Validation(errors.into_vec())),
    }
}

/// `POST /v1/users`: an admin adds an organiser.
pub async fn create_user(
    Organiser(caller): Organiser,
    state: web::Data<AppState>,
    ApiJson(body): ApiJson<CreateUser>,
) -> Result<HttpResponse, ApiError> {
    if !caller.is_admin {
        return Err(ApiError::Forbidden);
    }
    let (email, password) = credentials(&body.email, body.password)?;
    let user = create_account(state.store.as_ref(), email, password, body.admin).await?;
    Ok(HttpResponse::Created().json(UserView::from(&user)))
}

/// `GET /v1/users`: every account, oldest first, for admins.
pub async fn list_users(
    Organiser(caller): Organiser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    if !caller.is_admin {
        return Err(ApiError::Forbidden);
    }
    let users = state.store.users().await?;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(serde_json::json!({ "users": users.iter().map(UserView::from).collect::<Vec<_>>() })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FirstAdmin {
    /// The token after `#` in the set-up link the server wrote to its log.
    token: String,
    email: String,
    password: String,
}

/// `POST /v1/setup`: the first admin, created with the one-time link from the server's log.
pub async fn set_up_first_admin(
    state: web::Data<AppState>,
    ApiJson(body): ApiJson<FirstAdmin>,
) -> Result<HttpResponse, ApiError> {
    let (email, password) = credentials(&body.email, body.password)?;
    let user = create_first_admin(state.store.as_ref(), &body.token, email, password).await?;
    Ok(HttpResponse::Created().json(UserView::from(&user)))
}

/// `GET /v1/users/me`: the account the token speaks for.
pub async fn me(Organiser(caller): Organiser) -> HttpResponse {
    HttpResponse::Ok().json(UserView::from(&caller))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateMe {
    #[serde(deserialize_with = "crate::http::extract::object")]
    organiser: OrganiserInput,
}

/// `PATCH /v1/users/me`: an organiser sets who is asking on their campaigns, by default:
/// `{"organiser": {"name", "privacy_url", "contact_email"}}`.
pub async fn update_me(
    Organiser(caller): Organiser,
    state: web::Data<AppState>,
    ApiJson(body): ApiJson<UpdateMe>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = FieldErrors::default();
    let Some(changes) = body.organiser.parse("organiser", &mut errors) else {
        return Err(ApiError::Validation(errors.into_vec()));
    };
    let user = set_organiser(state.store.as_ref(), &caller, changes).await?;
    Ok(HttpResponse::Ok().json(UserView::from(&user)))
}
