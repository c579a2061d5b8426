//! Creating organiser accounts, shared by `POST /v1/users` and `undersigned user create`.

use crate::auth::hash_password;
use crate::domain::{Email, Password, User};
use crate::error::{ApiError, Conflict};
use crate::store::{self, Store, StoreError};

pub async fn create_account(
    store: &dyn Store,
    email: Email,
    password: Password,
    is_admin: bool,
) -> Result<User, ApiError> {
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
    };
    match store.insert_user(&user, &hash).await {
        Ok(()) => Ok(user),
        Err(StoreError::Conflict(_)) => Err(ApiError::Conflict(Conflict::EmailTaken)),
        Err(other) => Err(other.into()),
    }
}
