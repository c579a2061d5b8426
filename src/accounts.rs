//! Creating organiser accounts, shared by `POST /v1/users`, `undersigned user create` and the
//! console's first-run set-up.

use crate::auth::hash_password;
use crate::domain::{
    BrandColour, Campaign, Email, Identity, IdentityChanges, Password, SecretToken, User, Website,
};
use crate::error::{ApiError, Conflict};
use crate::store::{self, LogoOwner, Store, StoreError, StoredLogo};

/// A new account and its password's hash, not yet stored.
async fn new_account(
    email: Email,
    password: Password,
    is_admin: bool,
) -> Result<(User, String), ApiError> {
    // argon2 takes tens of milliseconds of CPU: keep it off the async executor.
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    let user = User {
        id: uuid::Uuid::now_v7(),
        email,
        is_admin,
        created_at: store::now(),
        organiser: Identity::default(),
        brand: Default::default(),
    };
    Ok((user, hash))
}

pub async fn create_account(
    store: &dyn Store,
    email: Email,
    password: Password,
    is_admin: bool,
) -> Result<User, ApiError> {
    let (user, hash) = new_account(email, password, is_admin).await?;
    match store.insert_user(&user, &hash).await {
        Ok(()) => Ok(user),
        Err(StoreError::Conflict(_)) => Err(ApiError::Conflict(Conflict::EmailTaken)),
        Err(other) => Err(other.into()),
    }
}

/// Where there is no account yet, a one-time link that creates the first admin in a browser:
/// `<public URL>/console/setup#<token>`, for the log. `None` once an account exists.
pub async fn offer_first_admin_setup(
    store: &dyn Store,
    public_url: &url::Url,
) -> Result<Option<String>, StoreError> {
    let token = SecretToken::generate();
    if !store.add_setup_token(&token.hash, store::now()).await? {
        return Ok(None);
    }
    let base = public_url.as_str().trim_end_matches('/');
    Ok(Some(format!("{base}/console/setup#{}", token.plain)))
}

/// Creates the first admin with a set-up link's token (`POST /v1/setup`); the link and every
/// other one are spent by it.
pub async fn create_first_admin(
    store: &dyn Store,
    token: &str,
    email: Email,
    password: Password,
) -> Result<User, ApiError> {
    if !SecretToken::looks_valid(token) {
        return Err(ApiError::SetupLinkInvalid);
    }
    let (user, hash) = new_account(email, password, true).await?;
    if store
        .insert_first_admin(&SecretToken::hash_of(token), &user, &hash)
        .await?
    {
        Ok(user)
    } else {
        Err(ApiError::SetupLinkInvalid)
    }
}

/// Sets the identity an organiser's campaigns take where they do not set their own
/// (`PATCH /v1/users/me`). Campaigns already open keep what they opened with.
pub async fn set_organiser(
    store: &dyn Store,
    user: &User,
    changes: IdentityChanges,
) -> Result<User, ApiError> {
    let organiser = user.organiser.edited(changes);
    store.set_user_organiser(user.id, &organiser).await?;
    Ok(User {
        organiser,
        ..user.clone()
    })
}

/// The identity of a campaign's owner's account, which a draft falls back on and opening
/// copies in: `known`'s own when it is the owner (the caller, so no lookup), else read.
pub async fn owner_identity(
    store: &dyn Store,
    campaign: &Campaign,
    known: Option<&User>,
) -> Result<Identity, ApiError> {
    if let Some(user) = known.filter(|user| user.id == campaign.owner_id) {
        return Ok(user.organiser.clone());
    }
    Ok(store
        .user(campaign.owner_id)
        .await?
        .map(|owner| owner.organiser)
        .unwrap_or_default())
}

/// Who is asking for a campaign, as signers are told: what the campaign holds, with what it
/// lacks from its owner's account. An open campaign holds all of it (opening copies it in),
/// so only drafts and campaigns opened before identities existed cost a lookup.
pub async fn organiser_of(
    store: &dyn Store,
    campaign: &Campaign,
    known: Option<&User>,
) -> Result<Identity, ApiError> {
    if campaign.organiser.missing().is_empty() {
        return Ok(campaign.organiser.clone());
    }
    let account = owner_identity(store, campaign, known).await?;
    Ok(campaign.organiser_with(&account))
}

/// Sets an account's colour and website: each `Some` replaces the stored one, `Some(None)`
/// clears it.
pub async fn set_brand(
    store: &dyn Store,
    user: &User,
    colour: Option<Option<BrandColour>>,
    website: Option<Option<Website>>,
) -> Result<User, ApiError> {
    let mut brand = user.brand.clone();
    if let Some(colour) = colour {
        brand.colour = colour;
    }
    if let Some(website) = website {
        brand.website = website;
    }
    store.set_user_brand(user.id, &brand).await?;
    Ok(User {
        brand,
        ..user.clone()
    })
}

/// Puts an uploaded logo in place of the owner's (`None` removes it); an owner that does not
/// exist is 404.
pub async fn replace_logo(
    store: &dyn Store,
    owner: LogoOwner,
    logo: Option<&StoredLogo>,
) -> Result<(), ApiError> {
    store.replace_logo(owner, logo).await.map_err(|e| match e {
        StoreError::NotFound => ApiError::NotFound,
        other => other.into(),
    })
}
