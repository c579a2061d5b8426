//! Values and rules of the product, free of HTTP and SQL. Every input becomes one of these
//! types through its `parse`, so the rest of the code cannot hold an invalid value.

mod campaign;
mod email;
mod field_errors;
mod password;
mod slug;
mod text;

pub use campaign::{
    Campaign, CampaignChanges, CampaignKind, CampaignStatus, Milestones, NewCampaign, Origin,
    RetentionDays, Target,
};
pub use email::Email;
pub use field_errors::{FieldError, FieldErrors};
pub use password::{MAX_PASSWORD_CHARS, Password};
pub use slug::Slug;
pub use text::{Body, Recipient, Summary, Title};

/// An organiser's account as the rest of the service sees it (never with its password hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: uuid::Uuid,
    pub email: Email,
    pub is_admin: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
}
