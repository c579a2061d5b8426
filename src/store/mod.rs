//! Storage: one trait, sized to the service's use cases, with a SQLite and a PostgreSQL
//! implementation. The backend is chosen once, from the database URL's scheme, and each
//! migrates itself on connect. No transaction or SQL type leaves this module.

mod postgres;
mod rows;
mod sqlite;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::config::DatabaseUrl;
use crate::domain::{Campaign, CampaignStatus, Email, Slug, User};

pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A uniqueness rule was broken; the text names the constraint or column.
    #[error("conflict on {0}")]
    Conflict(String),
    /// The database cannot be reached or is overloaded for now; the request may be retried.
    #[error("database unavailable")]
    Unavailable(#[source] sqlx::Error),
    #[error("database error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        use sqlx::Error as E;
        match &error {
            E::RowNotFound => StoreError::NotFound,
            E::PoolTimedOut | E::PoolClosed | E::Io(_) | E::Tls(_) | E::WorkerCrashed => {
                StoreError::Unavailable(error)
            }
            E::Database(db) if db.is_unique_violation() => {
                StoreError::Conflict(db.constraint().unwrap_or(db.message()).to_owned())
            }
            E::Database(db) if is_transient(db.code().as_deref()) => StoreError::Unavailable(error),
            _ => StoreError::Internal(Box::new(error)),
        }
    }
}

/// Error codes that mean "not now" rather than "never": PostgreSQL's connection exceptions
/// (class 08), shutdown and start-up (57P01–57P03) and too many connections (53300); SQLite's
/// BUSY (5) and LOCKED (6) once the busy timeout has run out.
fn is_transient(code: Option<&str>) -> bool {
    match code {
        Some(code) => {
            code.starts_with("08")
                || matches!(code, "57P01" | "57P02" | "57P03" | "53300" | "5" | "6")
        }
        None => false,
    }
}

/// A stored value that no longer parses as its domain type: a bug or a hand edit, never input.
fn corrupt(what: &str, detail: String) -> StoreError {
    StoreError::Internal(format!("stored {what} is invalid: {detail}").into())
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Answers once the database has answered a trivial query.
    async fn ping(&self) -> Result<(), StoreError>;

    /// Stores a new organiser account. `Conflict` if the email is taken.
    async fn insert_user(&self, user: &User, password_hash: &str) -> Result<(), StoreError>;

    /// The account for an email, with its password hash, for logging in.
    async fn user_credentials(&self, email: &Email) -> Result<Option<(User, String)>, StoreError>;

    async fn user(&self, id: Uuid) -> Result<Option<User>, StoreError>;

    /// Stores a new campaign. `Conflict` if its slug is taken.
    async fn insert_campaign(&self, campaign: &Campaign) -> Result<(), StoreError>;

    async fn campaign(&self, slug: &Slug) -> Result<Option<Campaign>, StoreError>;

    /// Campaigns whose organiser has opened them and not closed them (newest first); some may
    /// read as closed because their closing time has passed.
    async fn opened_campaigns(&self) -> Result<Vec<Campaign>, StoreError>;

    async fn campaigns_owned_by(&self, owner_id: Uuid) -> Result<Vec<Campaign>, StoreError>;

    /// Saves an edited campaign, provided its stored status is still `expected_status`, so
    /// that two concurrent status changes cannot both succeed (`Conflict` for the loser).
    async fn update_campaign(
        &self,
        campaign: &Campaign,
        expected_status: CampaignStatus,
    ) -> Result<(), StoreError>;
}

/// Connects to the database the URL names, creating a SQLite file if needed, and applies the
/// migrations.
pub async fn connect(url: &DatabaseUrl) -> Result<Arc<dyn Store>, StoreError> {
    if url.is_postgres() {
        Ok(Arc::new(PostgresStore::connect(url).await?))
    } else {
        Ok(Arc::new(SqliteStore::connect(url).await?))
    }
}

/// The time to write for "now", truncated to microseconds so that SQLite and PostgreSQL
/// (whose timestamps hold microseconds) store and return the same value.
pub fn now() -> DateTime<Utc> {
    let now = Utc::now();
    DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now)
}
