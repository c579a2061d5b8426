//! Organiser accounts.

use async_trait::async_trait;
use uuid::Uuid;

use super::SqlStore;
use crate::domain::{Email, User};
use crate::store::dialect::{Backend, sql};
use crate::store::rows::{CredentialsRow, UserRow};
use crate::store::{Accounts, StoreError};

#[async_trait]
impl<B: Backend> Accounts for SqlStore<B> {
    async fn insert_user(&self, user: &User, password_hash: &str) -> Result<(), StoreError> {
        sql::<B>(
            "INSERT INTO users (id, email, password_hash, is_admin, created_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(user.id)
        .bind(user.email.as_str())
        .bind(password_hash)
        .bind(user.is_admin)
        .bind(user.created_at)
        .execute(&mut *self.conn().await?)
        .await?;
        Ok(())
    }

    async fn user_credentials(&self, email: &Email) -> Result<Option<(User, String)>, StoreError> {
        let row: Option<CredentialsRow> = sql::<B>(
            "SELECT id, email, is_admin, created_at, password_hash FROM users WHERE email = $1",
        )
        .bind(email.as_str())
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        row.map(|r| Ok((r.user.try_into()?, r.password_hash)))
            .transpose()
    }

    async fn user(&self, id: Uuid) -> Result<Option<User>, StoreError> {
        let row: Option<UserRow> =
            sql::<B>("SELECT id, email, is_admin, created_at FROM users WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *self.conn().await?)
                .await?;
        row.map(User::try_from).transpose()
    }
}
