//! The one error type of the HTTP API and its one mapping to RFC 9457 problem details.

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::domain::{CampaignStatus, FieldError};
use crate::store::StoreError;

/// Why a request conflicts with the state of the service (409).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conflict {
    SlugTaken,
    EmailTaken,
    StatusTransition {
        from: CampaignStatus,
        to: CampaignStatus,
    },
    CampaignClosed,
    PartnerCodeTaken,
    /// A renewal period for a campaign that is not a pledge.
    RenewalNotAPledge,
    /// Something the campaign cannot do as it stands (a draft handed in, say): why.
    NotReady(&'static str),
    /// An edit of who can sign that the campaign as it stands cannot take (young signers on
    /// a pledge, a translation into its own language): why.
    SignerSettings(&'static str),
    /// The campaign's owner has as many webhooks as one organiser may.
    WebhookLimit(u32),
    /// An invalidation that cannot be restored (restored already, or too long ago): why.
    NotRestorable(&'static str),
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("the request body is not well-formed JSON: {0}")]
    MalformedBody(String),
    #[error("a valid bearer token is required")]
    Unauthenticated,
    #[error("the email or password is wrong")]
    InvalidCredentials,
    #[error("not allowed for this account")]
    Forbidden,
    /// A password change whose current password is wrong: refused (403, not 401, for the
    /// session itself is valid and goes on).
    #[error("the current password is not this account's password")]
    WrongCurrentPassword,
    #[error("this partner key is unknown or has been revoked")]
    InvalidPartnerKey,
    #[error("this partner key belongs to another campaign")]
    PartnerKeyForOtherCampaign,
    #[error("{origin} is not among the origins this campaign accepts signatures from")]
    OriginNotAllowed { origin: String },
    #[error("no such resource")]
    NotFound,
    #[error("no such route")]
    RouteNotFound,
    /// The path exists, but not with this method; `allow` lists those it serves.
    #[error("this address answers only {allow}")]
    MethodNotAllowed { allow: String },
    #[error("conflict: {0:?}")]
    Conflict(Conflict),
    /// A campaign cannot open before signers can be told who is asking: the parts of the
    /// organiser's identity still missing, as fields.
    #[error("the organiser is not yet named")]
    OrganiserMissing(Vec<FieldError>),
    #[error("the request body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("the request body must be {expected}")]
    UnsupportedMediaType { expected: &'static str },
    #[error("invalid fields")]
    Validation(Vec<FieldError>),
    #[error("too many requests")]
    RateLimited {
        retry_after: Duration,
        /// The limit that was reached, for the `RateLimit-*` headers.
        limit: Option<u32>,
    },
    #[error("this link is unknown or has expired")]
    TokenNotFound,
    /// The first admin's set-up link is wrong, or spent because an account exists.
    #[error("this set-up link is not valid or has been used")]
    SetupLinkInvalid,
    #[error("the database is unavailable")]
    Unavailable(#[source] StoreError),
    /// The request's body did not arrive in time.
    #[error("the request body did not arrive in time")]
    RequestTimeout,
    /// The service is at its limit for this kind of work; try again shortly.
    #[error("the service is busy")]
    Busy { retry_after: Duration },
    /// An email sent at once (a test to its organiser) that the mail server did not take.
    #[error("the email could not be sent")]
    MailNotSent(#[source] anyhow::Error),
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }

    pub fn internal(cause: impl Into<anyhow::Error>) -> Self {
        Self::Internal(cause.into())
    }

    /// The stable problem `type` for this error, its title and status. These URNs are part of
    /// the public contract and listed in openapi.yaml.
    fn describe(&self) -> (&'static str, &'static str, StatusCode) {
        use ApiError::*;
        match self {
            MalformedBody(_) => (
                "malformed-body",
                "Malformed request body",
                StatusCode::BAD_REQUEST,
            ),
            Unauthenticated => (
                "unauthenticated",
                "Authentication required",
                StatusCode::UNAUTHORIZED,
            ),
            InvalidCredentials => (
                "invalid-credentials",
                "Invalid credentials",
                StatusCode::UNAUTHORIZED,
            ),
            Forbidden => ("forbidden", "Forbidden", StatusCode::FORBIDDEN),
            WrongCurrentPassword => (
                "wrong-password",
                "Wrong current password",
                StatusCode::FORBIDDEN,
            ),
            InvalidPartnerKey => (
                "invalid-partner-key",
                "Invalid partner key",
                StatusCode::UNAUTHORIZED,
            ),
            PartnerKeyForOtherCampaign => (
                "partner-key-campaign",
                "Partner key for another campaign",
                StatusCode::FORBIDDEN,
            ),
            OriginNotAllowed { .. } => (
                "origin-not-allowed",
                "Origin not allowed",
                StatusCode::FORBIDDEN,
            ),
            NotFound => ("not-found", "Not found", StatusCode::NOT_FOUND),
            RouteNotFound => ("route-not-found", "No such route", StatusCode::NOT_FOUND),
            MethodNotAllowed { .. } => (
                "method-not-allowed",
                "Method not allowed",
                StatusCode::METHOD_NOT_ALLOWED,
            ),
            OrganiserMissing(_) => (
                "organiser-missing",
                "Organiser not yet named",
                StatusCode::CONFLICT,
            ),
            SetupLinkInvalid => (
                "setup-link-invalid",
                "Set-up link not valid",
                StatusCode::FORBIDDEN,
            ),
            TokenNotFound => (
                "token-not-found",
                "Unknown or expired link",
                StatusCode::NOT_FOUND,
            ),
            Conflict(self::Conflict::SlugTaken) => {
                ("slug-taken", "Slug already in use", StatusCode::CONFLICT)
            }
            Conflict(self::Conflict::EmailTaken) => (
                "email-taken",
                "Email already registered",
                StatusCode::CONFLICT,
            ),
            Conflict(self::Conflict::StatusTransition { .. }) => (
                "invalid-status-transition",
                "Status change not allowed",
                StatusCode::CONFLICT,
            ),
            Conflict(self::Conflict::CampaignClosed) => {
                ("campaign-closed", "Campaign closed", StatusCode::CONFLICT)
            }
            Conflict(self::Conflict::PartnerCodeTaken) => (
                "partner-code-taken",
                "Partner code already in use",
                StatusCode::CONFLICT,
            ),
            Conflict(self::Conflict::RenewalNotAPledge) => (
                "renewal-not-a-pledge",
                "Only a pledge is renewed",
                StatusCode::CONFLICT,
            ),
            Conflict(self::Conflict::SignerSettings(_)) => (
                "signer-settings-conflict",
                "Not possible for this campaign as it stands",
                StatusCode::CONFLICT,
            ),
            Conflict(self::Conflict::WebhookLimit(_)) => {
                ("webhook-limit", "Too many webhooks", StatusCode::CONFLICT)
            }
            Conflict(self::Conflict::NotRestorable(_)) => (
                "invalidation-not-restorable",
                "This invalidation cannot be restored",
                StatusCode::CONFLICT,
            ),
            Conflict(self::Conflict::NotReady(_)) => (
                "campaign-not-ready",
                "Not possible while the campaign stands as it does",
                StatusCode::CONFLICT,
            ),
            PayloadTooLarge { .. } => (
                "payload-too-large",
                "Request body too large",
                StatusCode::PAYLOAD_TOO_LARGE,
            ),
            UnsupportedMediaType { .. } => (
                "unsupported-media-type",
                "Unsupported media type",
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ),
            Validation(_) => (
                "validation",
                "Invalid fields",
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            RateLimited { .. } => (
                "rate-limited",
                "Too many requests",
                StatusCode::TOO_MANY_REQUESTS,
            ),
            Unavailable(_) => (
                "unavailable",
                "Service unavailable",
                StatusCode::SERVICE_UNAVAILABLE,
            ),
            Busy { .. } => ("busy", "Service busy", StatusCode::SERVICE_UNAVAILABLE),
            MailNotSent(_) => ("mail-not-sent", "Email not sent", StatusCode::BAD_GATEWAY),
            RequestTimeout => (
                "request-timeout",
                "Request timeout",
                StatusCode::REQUEST_TIMEOUT,
            ),
            Internal(_) => (
                "internal",
                "Internal server error",
                StatusCode::INTERNAL_SERVER_ERROR,
            ),
        }
    }

    /// What went wrong, in a sentence for a person (the problem's `detail`).
    pub fn detail(&self) -> String {
        use ApiError::*;
        match self {
            Conflict(self::Conflict::StatusTransition { from, to }) => {
                format!(
                    "a campaign that is {from} cannot become {to}; the order is draft, open, closed"
                )
            }
            Conflict(self::Conflict::SlugTaken) => "another campaign already uses this slug".into(),
            Conflict(self::Conflict::EmailTaken) => {
                "an account with this email already exists".into()
            }
            Conflict(self::Conflict::CampaignClosed) => {
                "this campaign is closed to new signatures".into()
            }
            Conflict(self::Conflict::NotReady(why)) => (*why).into(),
            Conflict(self::Conflict::NotRestorable(why)) => (*why).into(),
            Conflict(self::Conflict::WebhookLimit(most)) => format!(
                "an organiser's campaigns may have {most} webhooks together; delete one first"
            ),
            Conflict(self::Conflict::SignerSettings(why)) => (*why).into(),
            Conflict(self::Conflict::RenewalNotAPledge) => {
                "renew_after_months is only taken by a pledge, and this campaign is not one".into()
            }
            Conflict(self::Conflict::PartnerCodeTaken) => {
                "this campaign already has a partner with this code and a live key; revoke it first to issue a new key".into()
            }
            Validation(errors) if errors.len() == 1 => errors[0].beside(&errors[0].field),
            Validation(errors) => format!("{} fields are invalid", errors.len()),
            OrganiserMissing(errors) => format!(
                "the campaign cannot open until signers can be told who is asking: set {} on \
                 the campaign, or on your account with PATCH /v1/users/me",
                errors
                    .iter()
                    .map(|e| e.field.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            RateLimited { retry_after, .. } => {
                format!("try again in {} seconds", retry_after_seconds(*retry_after))
            }
            TokenNotFound => {
                "this link is unknown or has expired; signing again sends a new one".into()
            }
            SetupLinkInvalid => "this set-up link is not valid: a link works once, for an hour, \
                and only the newest one the server wrote to its log works; restart the service \
                for a new one"
                .into(),
            // Never the cause: it is logged, not shown.
            Internal(_) => "the request could not be completed; it has been logged".into(),
            Unavailable(_) => "the database cannot be reached; try again shortly".into(),
            MailNotSent(_) => "the mail server did not take the email; try again shortly".into(),
            Busy { retry_after } => format!(
                "the service is busy; try again in {} seconds",
                retry_after_seconds(*retry_after)
            ),
            other => other.to_string(),
        }
    }
}

fn retry_after_seconds(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

pub const PROBLEM_TYPE_PREFIX: &str = "urn:undersigned:problem:";

#[derive(Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    kind: String,
    title: &'a str,
    status: u16,
    detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    errors: Option<&'a [FieldError]>,
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.describe().2
    }

    fn error_response(&self) -> HttpResponse {
        let (kind, title, status) = self.describe();
        match self {
            ApiError::Internal(cause) => tracing::error!(error = ?cause, "request failed"),
            ApiError::Unavailable(cause) => tracing::warn!(error = %cause, "database unavailable"),
            ApiError::MailNotSent(cause) => {
                tracing::warn!(error = %format!("{cause:#}"), "an email sent at once was not sent")
            }
            _ => {}
        }
        let problem = Problem {
            kind: format!("{PROBLEM_TYPE_PREFIX}{kind}"),
            title,
            status: status.as_u16(),
            detail: self.detail(),
            errors: match self {
                ApiError::Validation(errors) | ApiError::OrganiserMissing(errors) => Some(errors),
                _ => None,
            },
        };
        let mut response = HttpResponse::build(status);
        response.insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        ));
        match self {
            ApiError::RateLimited { retry_after, limit } => {
                let wait = retry_after_seconds(*retry_after);
                response.insert_header((header::RETRY_AFTER, wait));
                if let Some(limit) = limit {
                    response.insert_header(("RateLimit-Limit", *limit));
                    response.insert_header(("RateLimit-Remaining", 0));
                    response.insert_header(("RateLimit-Reset", wait));
                }
            }
            // The rest of a body that came too slowly is not waited for.
            ApiError::RequestTimeout => {
                response.force_close();
            }
            ApiError::Unavailable(_) => {
                response.insert_header((header::RETRY_AFTER, 5));
            }
            ApiError::Busy { retry_after } => {
                response.insert_header((header::RETRY_AFTER, retry_after_seconds(*retry_after)));
            }
            ApiError::MethodNotAllowed { allow } => {
                response.insert_header((header::ALLOW, allow.as_str()));
            }
            ApiError::Unauthenticated | ApiError::InvalidPartnerKey => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            _ => {}
        }
        response.body(serde_json::to_vec(&problem).unwrap_or_default())
    }
}

impl From<crate::auth::CheckError> for ApiError {
    fn from(error: crate::auth::CheckError) -> Self {
        match error {
            // Every turn at hashing is taken: try again in a moment.
            crate::auth::CheckError::Busy => ApiError::Busy {
                retry_after: Duration::from_secs(1),
            },
            crate::auth::CheckError::Failed(e) => ApiError::internal(e),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound => ApiError::NotFound,
            StoreError::Unavailable(_) => ApiError::Unavailable(error),
            // Conflicts that a handler expects are mapped where they happen; one that reaches
            // here was not expected.
            StoreError::Conflict(_) | StoreError::Internal(_) => ApiError::Internal(error.into()),
        }
    }
}

impl From<validator::ValidationErrors> for ApiError {
    fn from(errors: validator::ValidationErrors) -> Self {
        let mut fields: Vec<FieldError> = errors
            .field_errors()
            .into_iter()
            .flat_map(|(field, errors)| {
                errors.iter().map(move |error| {
                    let message = match (error.code.as_ref(), error.params.get("max")) {
                        ("length", Some(max)) => {
                            format!("must have at most {max} entries or characters")
                        }
                        _ => error.message.as_ref().map_or_else(
                            || format!("is invalid ({})", error.code),
                            |m| m.to_string(),
                        ),
                    };
                    FieldError::new(field.to_string(), message)
                })
            })
            .collect();
        fields.sort_by(|a, b| a.field.cmp(&b.field));
        ApiError::Validation(fields)
    }
}
