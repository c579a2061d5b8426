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
use serde::de::{DeserializeOwned, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use crate::domain::FieldError;
use crate::error::ApiError;
use crate::state::AppState;

pub struct ApiJson<T>(pub T);

/// A request's media type without its parameters, in lower case (`text/csv` of
/// `text/csv; charset=utf-8`); empty when it names none.
pub fn media_type(req: &HttpRequest) -> String {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default()
}

pub fn is_json(req: &HttpRequest) -> bool {
    let essence = media_type(req);
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
            ApiError::field(&field, in_plain_words(&message))
        }
        Category::Syntax | Category::Eof | Category::Io => {
            ApiError::MalformedBody(inner.to_string())
        }
    }
}

/// serde's account of a value of the wrong type, in words a supporter (or the partner's page
/// showing them) can act on: `invalid type: string "yes", expected a boolean` becomes "must be
/// true or false".
fn in_plain_words(message: &str) -> String {
    let expected = message.rsplit_once(", expected ").map(|(_, e)| e);
    let plain = match expected {
        _ if !message.starts_with("invalid type") && !message.starts_with("invalid value") => None,
        Some("a boolean") => Some("must be true or false".to_owned()),
        Some("a string") => Some("must be text".to_owned()),
        Some("u32" | "u64" | "a JSON number") => Some("must be a whole number".to_owned()),
        Some("a sequence") => Some("must be a list".to_owned()),
        Some("an object" | "a map") => Some("must be an object".to_owned()),
        Some(other) if other.starts_with("struct ") => Some("must be an object".to_owned()),
        Some(other) if other.contains("RFC 3339") || other.contains("datetime") => {
            Some("must be a date and time like 2030-03-31T23:59:59Z".to_owned())
        }
        _ => None,
    };
    plain.unwrap_or_else(|| message.to_owned())
}

/// A body read field by field: the value with every field of the wrong type left out, and
/// what was wrong with each (all of them, not only the first), so that the use case can add
/// its own findings and answer once with every field at fault.
pub struct JsonFields<T> {
    pub value: T,
    pub faults: Vec<FieldError>,
}

/// Reads a JSON object, leaving out each top-level field serde cannot read and noting why.
/// A fault it cannot leave out (a missing field, one nested deeper) ends the reading.
pub fn parse_json_fields<T: DeserializeOwned>(body: &[u8]) -> Result<JsonFields<T>, ApiError> {
    let mut value: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| ApiError::MalformedBody(e.to_string()))?;
    if !value.is_object() {
        return Err(ApiError::field("body", "must be a JSON object"));
    }
    let mut faults: Vec<FieldError> = Vec::new();
    loop {
        let error = match serde_path_to_error::deserialize::<_, T>(value.clone()) {
            Ok(value) => return Ok(JsonFields { value, faults }),
            Err(error) => classify(error),
        };
        let ApiError::Validation(found) = error else {
            return Err(error);
        };
        let Some(fault) = found.into_iter().next() else {
            return Err(ApiError::Validation(faults));
        };
        // A field already noted (left out, it is now missing), or one that cannot be left
        // out, ends the reading.
        let seen = faults.iter().any(|f| f.field == fault.field);
        let left_out = !seen
            && (value.as_object_mut()).is_some_and(|object| object.remove(&fault.field).is_some());
        if !seen {
            faults.push(fault);
        }
        if !left_out {
            return Err(ApiError::Validation(faults));
        }
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for JsonFields<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = ApiJson::<serde_json::Value>::raw_body(req, payload);
        Box::pin(async move { parse_json_fields(&body.await?) })
    }
}

/// Two passes, so that a body that is not JSON at all is always 400, even when it begins like
/// a value of the wrong type (`[1, 2`); only well-formed JSON of the wrong shape is 422. Every
/// body is an object: serde would otherwise read a struct from an array of its fields.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let fields = parse_json_fields(body)?;
    if fields.faults.is_empty() {
        Ok(fields.value)
    } else {
        Err(ApiError::Validation(fields.faults))
    }
}

/// For a field that may be left out but is never `null` (where `null` means "clear it", see
/// the campaign routes' `nullable`): with `#[serde(default, deserialize_with = "present")]`.
pub fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(deserializer).map(Some)
}

/// For a nested object: only an object, never an array of its fields.
pub fn object<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<T, D::Error> {
    struct Object<T>(std::marker::PhantomData<T>);
    impl<'de, T: Deserialize<'de>> Visitor<'de> for Object<T> {
        type Value = T;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
            T::deserialize(serde::de::value::MapAccessDeserializer::new(map))
        }
    }
    deserializer.deserialize_map(Object(std::marker::PhantomData))
}

/// For a nested object that may be left out but is never `null` nor an array.
pub fn present_object<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    object(deserializer).map(Some)
}

/// A whole number as JSON Schema's `integer` has it: `1420` or `1420.0`, never `1420.5`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Whole<T>(pub T);

impl<'de, T: TryFrom<u64>> Deserialize<'de> for Whole<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let number = serde_json::Number::deserialize(deserializer)?;
        let whole = number.as_u64().or_else(|| {
            number
                .as_f64()
                .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f < u64::MAX as f64)
                .map(|f| f as u64)
        });
        whole
            .and_then(|n| T::try_from(n).ok())
            .map(Whole)
            .ok_or_else(|| D::Error::custom(format!("must be a whole number, not {number}")))
    }
}

impl<T> ApiJson<T> {
    /// The body of a JSON request: bounded in size and in time, and said to be JSON.
    fn raw_body(
        req: &HttpRequest,
        payload: &mut Payload,
    ) -> Pin<Box<dyn Future<Output = Result<BytesMut, ApiError>>>> {
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
                return Err(ApiError::UnsupportedMediaType {
                    expected: "application/json",
                });
            }
            read_body(&mut payload, limit, deadline).await
        })
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = Self::raw_body(req, payload);
        Box::pin(async move { parse_json(&body.await?).map(ApiJson) })
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
