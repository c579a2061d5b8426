//! Creating organiser accounts, shared by `POST /v1/users`, `undersigned user create` and the
//! console's first-run set-up.

use crate::auth::PasswordHasher;
use crate::domain::{
    BrandColour, Campaign, Email, Identity, IdentityChanges, Password, SecretToken, User, Website,
};
use crate::error::{ApiError, Conflict};
use crate::store::{self, LogoOwner, SetupLink, Store, StoreError, StoredLogo};

/// How long a set-up link works after the server wrote it to its log.
pub const SETUP_LINK_LIFETIME: chrono::TimeDelta = chrono::TimeDelta::hours(1);

/// A new account and its password's hash, not yet stored.
async fn new_account(
    passwords: &PasswordHasher,
    email: Email,
    password: Password,
    is_admin: bool,
) -> Result<(User, String), ApiError> {
    let hash = passwords.hash(password).await?;
    let user = User {
        id: uuid::Uuid::now_v7(),
        email,
        is_admin,
        created_at: store::now(),
        organiser: Identity::default(),
        brand: Default::default(),
        sender_name: None,
    };
    Ok((user, hash))
}

pub async fn create_account(
    store: &dyn Store,
    passwords: &PasswordHasher,
    email: Email,
    password: Password,
    is_admin: bool,
) -> Result<User, ApiError> {
    let (user, hash) = new_account(passwords, email, password, is_admin).await?;
    match store.insert_user(&user, &hash).await {
        Ok(()) => Ok(user),
        Err(StoreError::Conflict(_)) => Err(ApiError::Conflict(Conflict::EmailTaken)),
        Err(other) => Err(other.into()),
    }
}

/// Where there is no account yet, a link that creates the first admin in a browser,
/// `<public URL>/console/setup#<token>`, for the log: it works once, for an hour, and replaces
/// any link written before. `None` once an account exists.
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

/// Whether `token` is the live set-up link: checked before anything costly is done with the
/// rest of a set-up request. Once an account exists set-up is gone (404), whatever the token.
pub async fn check_setup_link(store: &dyn Store, token: &str) -> Result<(), ApiError> {
    if !SecretToken::looks_valid(token) {
        // Still gone, not merely wrong, once an account exists.
        return match store.setup_link("", store::now()).await? {
            SetupLink::Over => Err(ApiError::NotFound),
            _ => Err(ApiError::SetupLinkInvalid),
        };
    }
    // Looked up by its SHA-256, so how long the lookup takes says nothing about the token.
    let issued_since = store::now() - SETUP_LINK_LIFETIME;
    match store
        .setup_link(&SecretToken::hash_of(token), issued_since)
        .await?
    {
        SetupLink::Usable => Ok(()),
        SetupLink::Invalid => Err(ApiError::SetupLinkInvalid),
        SetupLink::Over => Err(ApiError::NotFound),
    }
}

/// Creates the first admin with a set-up link's token (`POST /v1/setup`), already checked by
/// `check_setup_link`; the link and every other one are spent by it.
pub async fn create_first_admin(
    store: &dyn Store,
    passwords: &PasswordHasher,
    token: &str,
    email: Email,
    password: Password,
) -> Result<User, ApiError> {
    let (user, hash) = new_account(passwords, email, password, true).await?;
    let issued_since = store::now() - SETUP_LINK_LIFETIME;
    if store
        .insert_first_admin(&SecretToken::hash_of(token), issued_since, &user, &hash)
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

/// Begins a session for an account that has just proved who it is, and gives its first access
/// token.
pub async fn begin_session(
    store: &dyn Store,
    tokens: &crate::auth::TokenService,
    user: &User,
    user_agent: Option<&str>,
) -> Result<String, ApiError> {
    let now = store::now();
    let lifetime = chrono::TimeDelta::from_std(tokens.lifetime()).map_err(ApiError::internal)?;
    let session = store::Session {
        id: uuid::Uuid::now_v7(),
        user_id: user.id,
        created_at: now,
        expires_at: now + lifetime,
        // What the browser said it is, shortened: enough to tell one's sessions apart.
        user_agent: user_agent.map(|agent| {
            agent
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .take(200)
                .collect()
        }),
    };
    store.start_session(&session).await?;
    tokens
        .issue(user.id, session.id, now)
        .map_err(ApiError::internal)
}

/// Changes an account's password, given its current one, and ends every other session of it:
/// whoever knew the old password is logged out everywhere but here.
pub async fn change_password(
    store: &dyn Store,
    passwords: &PasswordHasher,
    user: &User,
    this_session: uuid::Uuid,
    current: secrecy::SecretString,
    new: Password,
) -> Result<(), ApiError> {
    let stored = store
        .user_credentials(&user.email)
        .await?
        .map(|(_, hash)| hash);
    if !passwords.verify(stored, current).await? {
        return Err(ApiError::WrongCurrentPassword);
    }
    let hash = passwords.hash(new).await?;
    store
        .set_password_hash(user.id, &hash, Some(this_session), store::now())
        .await?;
    Ok(())
}

/// How long an invitation works.
pub const INVITATION_LIFETIME: chrono::TimeDelta = chrono::TimeDelta::hours(72);
/// How long a password reset link works.
pub const RESET_LIFETIME: chrono::TimeDelta = chrono::TimeDelta::minutes(30);

/// Where a link about an account opens: a console page that reads the token after `#`, so
/// it never reaches a server's or proxy's log.
fn console_link(public_url: &url::Url, page: &str, token: &str) -> String {
    format!(
        "{}/console/{page}#{token}",
        public_url.as_str().trim_end_matches('/')
    )
}

/// Sends an account email without holding up the answer (a reset must answer alike whether
/// or not the account exists); a failure is logged, and the person can ask again.
fn send_later(
    mailer: &std::sync::Arc<crate::mail::Mailer>,
    to: Email,
    kind: crate::mail::AccountEmail,
    by: String,
    link: String,
) {
    let mailer = mailer.clone();
    tokio::spawn(async move {
        if let Err(error) = mailer.send_account_email(&to, kind, &by, link).await {
            tracing::error!(?kind, error = %format!("{error:#}"), "an account email was not sent");
        }
    });
}

/// An admin invites `email` to make an account (an admin's, with `is_admin`): a link that
/// works once, for 72 hours, is emailed to them, in place of any earlier invitation. The
/// invitee chooses their own password; no admin ever types or sees it.
pub async fn invite(
    store: &dyn Store,
    mailer: &std::sync::Arc<crate::mail::Mailer>,
    public_url: &url::Url,
    admin: &User,
    email: Email,
    is_admin: bool,
) -> Result<store::AccountLink, ApiError> {
    if store.user_credentials(&email).await?.is_some() {
        return Err(ApiError::Conflict(Conflict::EmailTaken));
    }
    let token = SecretToken::generate();
    let now = store::now();
    let link = store::AccountLink {
        token_hash: token.hash.clone(),
        purpose: store::LinkPurpose::Invitation,
        email: email.clone(),
        is_admin,
        user_id: admin.id,
        created_at: now,
        expires_at: now + INVITATION_LIFETIME,
    };
    store.add_account_link(&link).await?;
    send_later(
        mailer,
        email,
        crate::mail::AccountEmail::Invitation,
        admin.email.as_str().to_owned(),
        console_link(public_url, "invitation", &token.plain),
    );
    Ok(link)
}

fn link_hash(token: &str) -> Result<String, ApiError> {
    if SecretToken::looks_valid(token) {
        Ok(SecretToken::hash_of(token))
    } else {
        Err(ApiError::TokenNotFound)
    }
}

/// The invitee sets their password: the account is made and logged in. A used or expired
/// link is `TokenNotFound`, checked before any password is hashed.
pub async fn accept_invitation(
    store: &dyn Store,
    passwords: &PasswordHasher,
    token: &str,
    password: Password,
) -> Result<User, ApiError> {
    let hash = link_hash(token)?;
    let now = store::now();
    let link = store
        .account_link(&hash, store::LinkPurpose::Invitation, now)
        .await?
        .ok_or(ApiError::TokenNotFound)?;
    let (user, password_hash) = new_account(passwords, link.email, password, link.is_admin).await?;
    match store
        .accept_invitation(&hash, now, &user, &password_hash)
        .await
    {
        Ok(true) => Ok(user),
        Ok(false) => Err(ApiError::TokenNotFound),
        Err(StoreError::Conflict(_)) => Err(ApiError::Conflict(Conflict::EmailTaken)),
        Err(other) => Err(other.into()),
    }
}

/// Someone asks to reset the password of `email`: where an account has it, a link that works
/// once, for 30 minutes, is emailed to it. Nothing tells whether one does.
pub async fn request_reset(
    store: &dyn Store,
    mailer: &std::sync::Arc<crate::mail::Mailer>,
    public_url: &url::Url,
    email: Email,
) -> Result<(), ApiError> {
    let Some((user, _)) = store.user_credentials(&email).await? else {
        return Ok(());
    };
    let token = SecretToken::generate();
    let now = store::now();
    store
        .add_account_link(&store::AccountLink {
            token_hash: token.hash.clone(),
            purpose: store::LinkPurpose::Reset,
            email: user.email.clone(),
            is_admin: user.is_admin,
            user_id: user.id,
            created_at: now,
            expires_at: now + RESET_LIFETIME,
        })
        .await?;
    send_later(
        mailer,
        user.email,
        crate::mail::AccountEmail::Reset,
        String::new(),
        console_link(public_url, "reset", &token.plain),
    );
    Ok(())
}

/// A reset link sets a new password and ends every session of the account (whoever knew the
/// old one is logged out everywhere); the account, to log in. A used or expired link is
/// `TokenNotFound`, checked before the password is hashed.
pub async fn reset_password(
    store: &dyn Store,
    passwords: &PasswordHasher,
    token: &str,
    password: Password,
) -> Result<User, ApiError> {
    let hash = link_hash(token)?;
    let now = store::now();
    store
        .account_link(&hash, store::LinkPurpose::Reset, now)
        .await?
        .ok_or(ApiError::TokenNotFound)?;
    let password_hash = passwords.hash(password).await?;
    let user_id = store
        .reset_password(&hash, now, &password_hash)
        .await?
        .ok_or(ApiError::TokenNotFound)?;
    store.user(user_id).await?.ok_or(ApiError::TokenNotFound)
}
