//! The JSON body extractor: the one place that turns a request body into a typed value, with
//! the right problem for each way it can fail (415, 413, 400, 422 naming the field).

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::web::BytesMut;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use crate::state::AppState;

pub struct ApiJson<T>(pub T);

fn is_json(req: &HttpRequest) -> bool {
    let Some(value) = req.headers().get(header::CONTENT_TYPE) else {
        return false;
    };
    let Ok(value) = value.to_str() else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Reads the whole body, refusing it as soon as it passes `limit` bytes, or when it has not
/// all arrived within `deadline` (a body sent a byte a second would otherwise hold a worker's
/// connection for ever).
pub async fn read_body(
    payload: &mut Payload,
    limit: usize,
    deadline: Duration,
) -> Result<BytesMut, ApiError> {
    tokio::time::timeout(deadline, read_body_within(payload, limit))
        .await
        .map_err(|_| ApiError::RequestTimeout)?
}

async fn read_body_within(payload: &mut Payload, limit: usize) -> Result<BytesMut, ApiError> {
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| match e {
            actix_web::error::PayloadError::Overflow => ApiError::PayloadTooLarge { limit },
            other => ApiError::MalformedBody(format!("the body could not be read: {other}")),
        })?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Turns serde's error into the problem a client can act on: a syntax error is 400; a body
/// that is JSON but not the expected shape is 422 with the field at fault.
fn classify(error: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    use serde_json::error::Category;
    let path = error.path().to_string();
    let inner = error.into_inner();
    match inner.classify() {
        Category::Data => {
            // serde's message ends with the position ("at line 1 column 9"): not for people.
            let message = inner.to_string();
            let message = message
                .rsplit_once(" at line ")
                .map_or(message.as_str(), |(m, _)| m)
                .to_owned();
            let named = message.split('`').nth(1).filter(|_| {
                message.starts_with("unknown field") || message.starts_with("missing field")
            });
            // The path already ends in an unknown field's name, but stops at the parent of a
            // missing one.
            let field = match (path.as_str(), named) {
                (".", Some(name)) => name.to_owned(),
                (".", None) => "body".to_owned(),
                (parent, Some(name)) if message.starts_with("missing") => {
                    format!("{parent}.{name}")
                }
                (path, _) => path.to_owned(),
            };
            ApiError::field(&field, message)
        }
        Category::Syntax | Category::Eof | Category::Io => {
            ApiError::MalformedBody(inner.to_string())
        }
    }
}

/// Two passes, so that a body that is not JSON at all is always 400, even when it begins like
/// a value of the wrong type (`[1, 2`); only well-formed JSON of the wrong shape is 422.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| ApiError::MalformedBody(e.to_string()))?;
    serde_path_to_error::deserialize(value).map_err(classify)
}

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let json = is_json(req);
        let state = req.app_data::<web::Data<AppState>>();
        let limit = state.map_or(64 * 1024, |state| state.max_body_bytes);
        let deadline = state.map_or(Duration::from_secs(10), |state| state.body_deadline);
        let declared_length = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let mut payload = payload.take();
        Box::pin(async move {
            if declared_length.is_some_and(|length| length > limit) {
                return Err(ApiError::PayloadTooLarge { limit });
            }
            if !json {
                return Err(ApiError::UnsupportedMediaType);
            }
            let body = read_body(&mut payload, limit, deadline).await?;
            parse_json(&body).map(ApiJson)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Login {
        email: String,
        remember: Option<bool>,
    }

    fn field_of(error: ApiError) -> String {
        match error {
            ApiError::Validation(errors) => errors[0].field.clone(),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn names_the_field_at_fault() {
        assert_eq!(
            field_of(parse_json::<Login>(br#"{"email": 5}"#).unwrap_err()),
            "email"
        );
        assert_eq!(
            field_of(parse_json::<Login>(br#"{}"#).unwrap_err()),
            "email"
        );
        assert_eq!(
            field_of(parse_json::<Login>(br#"{"email":"a","extra":1}"#).unwrap_err()),
            "extra"
        );
        assert_eq!(
            field_of(parse_json::<Login>(br#"{"email":"a","remember":"yes"}"#).unwrap_err()),
            "remember"
        );
    }

    #[test]
    fn malformed_json_is_a_bad_request() {
        for body in [
            &b""[..],
            b"{",
            b"{\"email\": \"a\"} trailing",
            b"\xff\xfe",
            b"{\"email\": \"\xc3\x28\"}",
            b"[1, 2",
        ] {
            assert!(
                matches!(parse_json::<Login>(body), Err(ApiError::MalformedBody(_))),
                "{body:?}"
            );
        }
    }
}
