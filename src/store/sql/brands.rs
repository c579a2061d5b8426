//! Organisations' looks: an account's colour and website, and the logos of accounts and
//! campaigns.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::SqlStore;
use crate::domain::Brand;
use crate::store::dialect::{Backend, sql, sql_built};
use crate::store::rows::BrandColumns;
use crate::store::{Brands, LogoOwner, StoreError, StoredLogo};

#[derive(sqlx::FromRow)]
struct LogoRow {
    id: Uuid,
    content_type: String,
    width: i32,
    height: i32,
    bytes: Vec<u8>,
    created_at: DateTime<Utc>,
}

#[async_trait]
impl<B: Backend> Brands for SqlStore<B> {
    async fn set_user_brand(&self, user_id: Uuid, brand: &Brand) -> Result<(), StoreError> {
        let columns = BrandColumns::of(brand);
        let mut tx = self.begin_write().await?;
        sql::<B>("UPDATE users SET brand_colour = $2, brand_website = $3 WHERE id = $1")
            .bind(user_id)
            .bind(columns.brand_colour)
            .bind(columns.brand_website)
            .execute(&mut *tx)
            .await?;
        Ok(tx.commit().await?)
    }

    async fn replace_logo(
        &self,
        owner: LogoOwner,
        logo: Option<&StoredLogo>,
    ) -> Result<(), StoreError> {
        let (table, id) = match owner {
            LogoOwner::User(id) => ("users", id),
            LogoOwner::Campaign(id) => ("campaigns", id),
        };
        let mut tx = self.begin_write().await?;
        let previous: Option<(Option<Uuid>,)> =
            sql_built::<B>(format!("SELECT brand_logo FROM {table} WHERE id = $1"))
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some((previous,)) = previous else {
            return Err(StoreError::NotFound);
        };
        if let Some(logo) = logo {
            sql::<B>(
                "INSERT INTO logos (id, content_type, width, height, bytes, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(logo.id)
            .bind(logo.content_type.as_str())
            .bind(logo.width as i32)
            .bind(logo.height as i32)
            .bind(logo.bytes.as_slice())
            .bind(logo.created_at)
            .execute(&mut *tx)
            .await?;
        }
        let update = match owner {
            LogoOwner::User(_) => sql::<B>("UPDATE users SET brand_logo = $2 WHERE id = $1"),
            // A campaign's pages are kept until it changes: a new logo is a change.
            LogoOwner::Campaign(_) => {
                sql::<B>("UPDATE campaigns SET brand_logo = $2, updated_at = $3 WHERE id = $1")
            }
        };
        let update = update.bind(id).bind(logo.map(|l| l.id));
        let update = match owner {
            LogoOwner::User(_) => update,
            LogoOwner::Campaign(_) => update.bind(crate::store::now()),
        };
        update.execute(&mut *tx).await?;
        if let Some(previous) = previous {
            sql::<B>("DELETE FROM logos WHERE id = $1")
                .bind(previous)
                .execute(&mut *tx)
                .await?;
        }
        Ok(tx.commit().await?)
    }

    async fn logo(&self, id: Uuid) -> Result<Option<StoredLogo>, StoreError> {
        let row: Option<LogoRow> = sql::<B>(
            "SELECT id, content_type, width, height, bytes, created_at FROM logos WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        Ok(row.map(|row| StoredLogo {
            id: row.id,
            content_type: row.content_type,
            width: u32::try_from(row.width).unwrap_or(0),
            height: u32::try_from(row.height).unwrap_or(0),
            bytes: row.bytes,
            created_at: row.created_at,
        }))
    }
}
