//! Organiser accounts, with the identity their campaigns take by default.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::Transaction;
use uuid::Uuid;

use super::SqlStore;
use crate::domain::{Email, Identity, User};
use crate::store::dialect::{Backend, sql, sql_built};
use crate::store::rows::{CredentialsRow, OrganiserColumns, USER_COLUMNS, UserRow};
use crate::store::{AccountLink, Accounts, LinkPurpose, Session, SetupLink, StoreError};

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

/// Ends an account's live sessions but `keep`; how many ended.
async fn end_sessions_in<B: Backend>(
    tx: &mut Transaction<'static, B>,
    user_id: Uuid,
    keep: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let ended = match keep {
        Some(keep) => {
            sql::<B>(
                "UPDATE sessions SET ended_at = $2
                 WHERE user_id = $1 AND ended_at IS NULL AND id <> $3",
            )
            .bind(user_id)
            .bind(now)
            .bind(keep)
            .execute(&mut **tx)
            .await?
        }
        None => {
            sql::<B>("UPDATE sessions SET ended_at = $2 WHERE user_id = $1 AND ended_at IS NULL")
                .bind(user_id)
                .bind(now)
                .execute(&mut **tx)
                .await?
        }
    };
    Ok(ended)
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
        let mut tx = self.begin_write().await?;
        // A new link replaces the last: only the newest start's link works.
        sql::<B>("DELETE FROM setup_tokens")
            .execute(&mut *tx)
            .await?;
        let added = sql::<B>(
            "INSERT INTO setup_tokens (token_hash, created_at)
             SELECT $1, $2 WHERE NOT EXISTS (SELECT 1 FROM users)",
        )
        .bind(token_hash)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(added == 1)
    }

    async fn setup_link(
        &self,
        token_hash: &str,
        issued_since: DateTime<Utc>,
    ) -> Result<SetupLink, StoreError> {
        let (accounts, usable): (i64, i64) = sql::<B>(
            "SELECT (SELECT COUNT(*) FROM users),
                    (SELECT COUNT(*) FROM setup_tokens WHERE token_hash = $1 AND created_at >= $2)",
        )
        .bind(token_hash)
        .bind(issued_since)
        .fetch_one(&mut *self.conn().await?)
        .await?;
        Ok(match (accounts, usable) {
            (0, 0) => SetupLink::Invalid,
            (0, _) => SetupLink::Usable,
            _ => SetupLink::Over,
        })
    }

    async fn insert_first_admin(
        &self,
        token_hash: &str,
        issued_since: DateTime<Utc>,
        user: &User,
        password_hash: &str,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        // Deleting every link first takes their row locks: of two set-ups at once, the second
        // waits, then finds its link gone.
        let spent: Vec<(String, DateTime<Utc>)> =
            sql::<B>("DELETE FROM setup_tokens RETURNING token_hash, created_at")
                .fetch_all(&mut *tx)
                .await?;
        let (accounts,): (i64,) = sql::<B>("SELECT COUNT(*) FROM users")
            .fetch_one(&mut *tx)
            .await?;
        let usable = spent
            .iter()
            .any(|(hash, issued)| hash == token_hash && *issued >= issued_since);
        if !usable {
            // A wrong or stale link spends nothing.
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

    async fn set_sender_name(
        &self,
        id: Uuid,
        sender_name: Option<&crate::domain::OrganiserName>,
    ) -> Result<bool, StoreError> {
        let changed = sql::<B>("UPDATE users SET sender_name = $2 WHERE id = $1")
            .bind(id)
            .bind(sender_name.map(|n| n.as_str().to_owned()))
            .execute(&mut *self.conn().await?)
            .await?;
        Ok(changed == 1)
    }

    async fn instance_secret(&self, name: &str) -> Result<String, StoreError> {
        let mut conn = self.conn().await?;
        sql::<B>(
            "INSERT INTO instance_secrets (name, value) VALUES ($1, $2)
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(crate::domain::SecretToken::generate().plain)
        .execute(&mut *conn)
        .await?;
        let (value,): (String,) = sql::<B>("SELECT value FROM instance_secrets WHERE name = $1")
            .bind(name)
            .fetch_one(&mut *conn)
            .await?;
        Ok(value)
    }

    async fn start_session(&self, session: &Session) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sql::<B>(
            "INSERT INTO sessions (id, user_id, created_at, expires_at, user_agent)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(session.id)
        .bind(session.user_id)
        .bind(session.created_at)
        .bind(session.expires_at)
        .bind(session.user_agent.clone())
        .execute(&mut *tx)
        .await?;
        Ok(tx.commit().await?)
    }

    async fn session_user(
        &self,
        session_id: Uuid,
        user_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Option<User>, StoreError> {
        let row: Option<UserRow> = sql_built::<B>(format!(
            "SELECT {USER_COLUMNS} FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.id = $1 AND s.user_id = $2 AND s.ended_at IS NULL AND s.expires_at > $3"
        ))
        .bind(session_id)
        .bind(user_id)
        .bind(now)
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        row.map(User::try_from).transpose()
    }

    async fn live_sessions(
        &self,
        user_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Vec<Session>, StoreError> {
        Ok(sql::<B>(
            "SELECT id, user_id, created_at, expires_at, user_agent FROM sessions
             WHERE user_id = $1 AND ended_at IS NULL AND expires_at > $2
             ORDER BY created_at DESC, id",
        )
        .bind(user_id)
        .bind(now)
        .fetch_all(&mut *self.conn().await?)
        .await?)
    }

    async fn end_sessions(
        &self,
        user_id: Uuid,
        keep: Option<Uuid>,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        let ended = end_sessions_in(&mut tx, user_id, keep, now).await?;
        tx.commit().await?;
        Ok(ended)
    }

    async fn end_session(
        &self,
        user_id: Uuid,
        session_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let ended = sql::<B>(
            "UPDATE sessions SET ended_at = $3
             WHERE id = $1 AND user_id = $2 AND ended_at IS NULL",
        )
        .bind(session_id)
        .bind(user_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(ended == 1)
    }

    async fn add_account_link(&self, link: &AccountLink) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        // A new invitation or reset replaces the last unused one: only the newest link works.
        sql::<B>("DELETE FROM account_links WHERE email = $1 AND purpose = $2 AND used_at IS NULL")
            .bind(link.email.as_str().to_owned())
            .bind(link.purpose.as_str())
            .execute(&mut *tx)
            .await?;
        sql::<B>(
            "INSERT INTO account_links
                 (token_hash, purpose, email, is_admin, user_id, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(link.token_hash.clone())
        .bind(link.purpose.as_str())
        .bind(link.email.as_str().to_owned())
        .bind(link.is_admin)
        .bind(link.user_id)
        .bind(link.created_at)
        .bind(link.expires_at)
        .execute(&mut *tx)
        .await?;
        Ok(tx.commit().await?)
    }

    async fn account_link(
        &self,
        token_hash: &str,
        purpose: LinkPurpose,
        now: DateTime<Utc>,
    ) -> Result<Option<AccountLink>, StoreError> {
        let row: Option<(String, bool, Uuid, DateTime<Utc>, DateTime<Utc>)> = sql::<B>(
            "SELECT email, is_admin, user_id, created_at, expires_at FROM account_links
             WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3",
        )
        .bind(token_hash.to_owned())
        .bind(purpose.as_str())
        .bind(now)
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        row.map(|(email, is_admin, user_id, created_at, expires_at)| {
            Ok(AccountLink {
                token_hash: token_hash.to_owned(),
                purpose,
                email: Email::parse(&email).map_err(|e| crate::store::corrupt("link email", e))?,
                is_admin,
                user_id,
                created_at,
                expires_at,
            })
        })
        .transpose()
    }

    async fn accept_invitation(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
        user: &User,
        password_hash: &str,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let spent = sql::<B>(
            "UPDATE account_links SET used_at = $2
             WHERE token_hash = $1 AND purpose = 'invitation' AND used_at IS NULL
               AND expires_at > $2 AND email = $3",
        )
        .bind(token_hash.to_owned())
        .bind(now)
        .bind(user.email.as_str().to_owned())
        .execute(&mut *tx)
        .await?;
        if spent != 1 {
            return Ok(false);
        }
        insert_user_in(&mut tx, user, password_hash).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn reset_password(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
        password_hash: &str,
    ) -> Result<Option<Uuid>, StoreError> {
        let mut tx = self.begin_write().await?;
        let user: Option<(Uuid,)> = sql::<B>(
            "SELECT user_id FROM account_links
             WHERE token_hash = $1 AND purpose = 'reset' AND used_at IS NULL AND expires_at > $2",
        )
        .bind(token_hash.to_owned())
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((user_id,)) = user else {
            return Ok(None);
        };
        let spent = sql::<B>(
            "UPDATE account_links SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL",
        )
        .bind(token_hash.to_owned())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if spent != 1 {
            return Ok(None);
        }
        sql::<B>("UPDATE users SET password_hash = $2 WHERE id = $1")
            .bind(user_id)
            .bind(password_hash.to_owned())
            .execute(&mut *tx)
            .await?;
        end_sessions_in(&mut tx, user_id, None, now).await?;
        tx.commit().await?;
        Ok(Some(user_id))
    }

    async fn set_password_hash(
        &self,
        user_id: Uuid,
        password_hash: &str,
        keep: Option<Uuid>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sql::<B>("UPDATE users SET password_hash = $2 WHERE id = $1")
            .bind(user_id)
            .bind(password_hash)
            .execute(&mut *tx)
            .await?;
        end_sessions_in(&mut tx, user_id, keep, now).await?;
        Ok(tx.commit().await?)
    }
}
