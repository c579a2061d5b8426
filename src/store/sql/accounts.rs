//! Organiser accounts, with the identity their campaigns take by default.

use async_trait::async_trait;
use uuid::Uuid;

use super::SqlStore;
use crate::domain::{Email, Identity, User};
use crate::store::dialect::{Backend, sql, sql_built};
use crate::store::rows::{CredentialsRow, OrganiserColumns, USER_COLUMNS, UserRow};
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
        let row: Option<CredentialsRow> = sql_built::<B>(format!(
            "SELECT {USER_COLUMNS}, u.password_hash FROM users u WHERE u.email = $1"
        ))
        .bind(email.as_str())
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        row.map(|r| Ok((r.user.try_into()?, r.password_hash)))
            .transpose()
    }

    async fn user(&self, id: Uuid) -> Result<Option<User>, StoreError> {
        let row: Option<UserRow> = sql_built::<B>(format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        row.map(User::try_from).transpose()
    }

    async fn set_user_organiser(&self, id: Uuid, organiser: &Identity) -> Result<(), StoreError> {
        let columns = OrganiserColumns::of(organiser);
        sql::<B>(
            "UPDATE users SET organiser_name = $2, organiser_privacy_url = $3,
                 organiser_contact_email = $4
             WHERE id = $1",
        )
        .bind(id)
        .bind(columns.organiser_name)
        .bind(columns.organiser_privacy_url)
        .bind(columns.organiser_contact_email)
        .execute(&mut *self.conn().await?)
        .await?;
        Ok(())
    }
}
