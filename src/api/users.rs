use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::campaigns::{OrganiserInput, OrganiserView, nullable, optional_part};
use crate::accounts::{
    check_setup_link, create_account, create_first_admin, set_brand, set_organiser,
};
use crate::domain::{BrandColour, Email, FieldErrors, OrganiserName, Password, User, Website};
use crate::error::ApiError;
use crate::http::auth::Organiser;
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
    /// The identity and look this account's campaigns take where they set none of their own.
    organiser: AccountOrganiserView,
    /// The name emails about this account's campaigns are sent under, as an admin set it.
    sender_name: Option<String>,
}

/// An account's organiser: who is asking, and the organisation's look.
#[derive(Serialize)]
pub struct AccountOrganiserView {
    #[serde(flatten)]
    identity: OrganiserView,
    colour: Option<String>,
    website: Option<String>,
    logo_url: Option<String>,
}

impl From<&User> for AccountOrganiserView {
    fn from(user: &User) -> Self {
        Self {
            identity: OrganiserView::from(&user.organiser),
            colour: user.brand.colour.as_ref().map(|c| c.as_str().to_owned()),
            website: user.brand.website.as_ref().map(|w| w.as_str().to_owned()),
            logo_url: user.brand.logo.map(crate::logos::logo_path),
        }
    }
}

impl From<&User> for UserView {
    fn from(user: &User) -> Self {
        Self {
            id: user.id,
            email: user.email.as_str().to_owned(),
            admin: user.is_admin,
            created_at: user.created_at,
            organiser: AccountOrganiserView::from(user),
            sender_name: user.sender_name.as_ref().map(|n| n.as_str().to_owned()),
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
    let user = create_account(
        state.store.as_ref(),
        &state.passwords,
        email,
        password,
        body.admin,
    )
    .await?;
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
/// Public, so limited per client, and the link is checked before the password is hashed: a
/// flood of wrong links costs a lookup each, not argon2's memory.
pub async fn set_up_first_admin(
    req: HttpRequest,
    state: web::Data<AppState>,
    ApiJson(body): ApiJson<FirstAdmin>,
) -> Result<HttpResponse, ApiError> {
    state.limits.setup_by_address.check(&state.client(&req))?;
    check_setup_link(state.store.as_ref(), &body.token).await?;
    let (email, password) = credentials(&body.email, body.password)?;
    let user = create_first_admin(
        state.store.as_ref(),
        &state.passwords,
        &body.token,
        email,
        password,
    )
    .await?;
    Ok(HttpResponse::Created().json(UserView::from(&user)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    /// The name this account's emails are sent under; `null` for the service's own.
    #[serde(deserialize_with = "nullable_text")]
    sender_name: Option<String>,
}

/// A field that must be given, as a string or `null`.
fn nullable_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Option::<String>::deserialize(d)
}

/// `PATCH /v1/users/{id}`: an admin sets the name an account's emails are sent under, which
/// its organiser cannot change.
pub async fn update_user(
    Organiser(caller): Organiser,
    state: web::Data<AppState>,
    id: web::Path<String>,
    ApiJson(body): ApiJson<UpdateUser>,
) -> Result<HttpResponse, ApiError> {
    if !caller.is_admin {
        return Err(ApiError::Forbidden);
    }
    let id = Uuid::parse_str(&id).map_err(|_| ApiError::NotFound)?;
    let sender_name = body
        .sender_name
        .as_deref()
        .filter(|name| !name.trim().is_empty())
        .map(OrganiserName::parse)
        .transpose()
        .map_err(|m| ApiError::field("sender_name", m))?;
    if !state
        .store
        .set_sender_name(id, sender_name.as_ref())
        .await?
    {
        return Err(ApiError::NotFound);
    }
    let user = state.store.user(id).await?.ok_or(ApiError::NotFound)?;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(UserView::from(&user)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    current_password: String,
    password: String,
}

/// `PUT /v1/users/me/password`: a new password, given the current one; every other session
/// of the account ends.
pub async fn change_password(
    session: crate::http::auth::OrganiserSession,
    state: web::Data<AppState>,
    ApiJson(body): ApiJson<PasswordChange>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = FieldErrors::default();
    let current = errors.check("current_password", {
        let given = body.current_password;
        if given.is_empty() || given.chars().count() > crate::domain::MAX_PASSWORD_CHARS {
            Err("is required, at most 1024 characters".to_owned())
        } else {
            Ok(secrecy::SecretString::from(given))
        }
    });
    let new = errors.check("password", Password::parse(body.password.into()));
    let (Some(current), Some(new)) = (current, new) else {
        return Err(ApiError::Validation(errors.into_vec()));
    };
    crate::accounts::change_password(
        state.store.as_ref(),
        &state.passwords,
        &session.user,
        session.session_id,
        current,
        new,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Invite {
    email: String,
    #[serde(default)]
    admin: bool,
}

/// `POST /v1/invitations`: an admin invites someone to make an account; they choose their own
/// password from the link emailed to them.
pub async fn invite(
    Organiser(caller): Organiser,
    state: web::Data<AppState>,
    ApiJson(body): ApiJson<Invite>,
) -> Result<HttpResponse, ApiError> {
    if !caller.is_admin {
        return Err(ApiError::Forbidden);
    }
    let email = Email::parse(&body.email).map_err(|m| ApiError::field("email", m))?;
    let link = crate::accounts::invite(
        state.store.as_ref(),
        &state.direct_mail,
        &state.public_url,
        &caller,
        email,
        body.admin,
    )
    .await?;
    Ok(HttpResponse::Created().json(serde_json::json!({
        "email": link.email.as_str(),
        "admin": link.is_admin,
        "expires_at": link.expires_at,
    })))
}

/// `GET /v1/users/me`: the account the token speaks for.
pub async fn me(Organiser(caller): Organiser) -> HttpResponse {
    HttpResponse::Ok().json(UserView::from(&caller))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateMe {
    #[serde(deserialize_with = "crate::http::extract::object")]
    organiser: AccountOrganiserInput,
}

/// An account's organiser as a request gives it: each part absent is left as it is, `null`
/// or `""` clears it.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct AccountOrganiserInput {
    #[serde(default, deserialize_with = "nullable")]
    name: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    privacy_url: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    contact_email: Option<Option<String>>,
    /// The organisation's main colour, `#rrggbb`.
    #[serde(default, deserialize_with = "nullable")]
    colour: Option<Option<String>>,
    /// The organisation's website, an `https://` address.
    #[serde(default, deserialize_with = "nullable")]
    website: Option<Option<String>>,
}

/// `PATCH /v1/users/me`: an organiser sets who is asking on their campaigns, by default, and
/// the organisation's look: `{"organiser": {"name", "privacy_url", "contact_email", "colour",
/// "website"}}`.
pub async fn update_me(
    Organiser(caller): Organiser,
    state: web::Data<AppState>,
    ApiJson(body): ApiJson<UpdateMe>,
) -> Result<HttpResponse, ApiError> {
    let mut errors = FieldErrors::default();
    let input = body.organiser;
    let colour = optional_part(
        &mut errors,
        "organiser.colour",
        input.colour,
        BrandColour::parse,
    );
    let website = optional_part(
        &mut errors,
        "organiser.website",
        input.website,
        Website::parse_plain,
    );
    let identity = OrganiserInput::of(input.name, input.privacy_url, input.contact_email)
        .parse("organiser", &mut errors);
    let (Some(changes), Some(colour), Some(website)) = (identity, colour, website) else {
        return Err(ApiError::Validation(errors.into_vec()));
    };
    let store = state.store.as_ref();
    let user = set_organiser(store, &caller, changes).await?;
    let user = if colour.is_some() || website.is_some() {
        set_brand(store, &user, colour, website).await?
    } else {
        user
    };
    Ok(HttpResponse::Ok().json(UserView::from(&user)))
}
