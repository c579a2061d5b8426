//! Organiser accounts, with the identity their campaigns take by default.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::Transaction;
use uuid::Uuid;

use super::SqlStore;
use crate::domain::{Email, Identity, User};
use crate::store::dialect::{Backend, sql, sql_built};
use crate::store::rows::{CredentialsRow, OrganiserColumns, USER_COLUMNS, UserRow};
use crate::store::{Accounts, StoreError};

async fn insert_user_in<B: Backend>(
    tx: &mut Transaction<'static, B>,
    user: &User,
    password_hash: &str,
) -> Result<(), StoreError> {
    sql::<B>(
        "INSERT INTO users (id, email, password_hash, is_admin, created_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(user.id)
    .bind(user.email.as_str())
    .bind(password_hash)
    .bind(user.is_admin)
    .bind(user.created_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[async_trait]
impl<B: Backend> Accounts for SqlStore<B> {
    async fn insert_user(&self, user: &User, password_hash: &str) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        insert_user_in(&mut tx, user, password_hash).await?;
        Ok(tx.commit().await?)
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

    async fn users(&self) -> Result<Vec<User>, StoreError> {
        let rows: Vec<UserRow> = sql_built::<B>(format!(
            "SELECT {USER_COLUMNS} FROM users u ORDER BY u.created_at, u.id"
        ))
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.into_iter().map(User::try_from).collect()
    }

    async fn add_setup_token(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let added = sql::<B>(
            "INSERT INTO setup_tokens (token_hash, created_at)
             SELECT $1, $2 WHERE NOT EXISTS (SELECT 1 FROM users)",
        )
        .bind(token_hash)
        .bind(now)
        .execute(&mut *self.conn().await?)
        .await?;
        Ok(added == 1)
    }

    async fn insert_first_admin(
        &self,
        token_hash: &str,
        user: &User,
        password_hash: &str,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        // Deleting every link first takes their row locks: of two set-ups at once, the second
        // waits, then finds its link gone.
        let spent: Vec<(String,)> = sql::<B>("DELETE FROM setup_tokens RETURNING token_hash")
            .fetch_all(&mut *tx)
            .await?;
        let (accounts,): (i64,) = sql::<B>("SELECT COUNT(*) FROM users")
            .fetch_one(&mut *tx)
            .await?;
        if !spent.iter().any(|(hash,)| hash == token_hash) {
            // A wrong link spends nothing.
            tx.rollback().await?;
            return Ok(false);
        }
        if accounts > 0 {
            // Links left from before an account existed are dead: drop them.
            tx.commit().await?;
            return Ok(false);
        }
        insert_user_in(&mut tx, user, password_hash).await?;
        tx.commit().await?;
        Ok(true)
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
