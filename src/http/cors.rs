//! CORS for the signing endpoint. Its allowed origins are each campaign's own list (and the
//! service's own origin, where the embedded form lives), stored in the database and edited
//! while the service runs; actix-cors decides with a synchronous predicate over settings fixed
//! at start-up, so this middleware sets the few headers itself. Public reads (count, tally,
//! badge, signatories) are open to every origin and say `*` themselves.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpRequest, HttpResponse, ResponseError, web};

use crate::domain::{Campaign, Origin};
use crate::error::ApiError;
use crate::state::AppState;

/// How long a browser may reuse a preflight's answer.
const PREFLIGHT_MAX_AGE_SECONDS: &str = "600";
/// What a signing page may read from the answer besides the body.
const EXPOSED: &str = "RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, Retry-After";

/// The campaign slug if the path is `/v1/campaigns/{slug}/signatures`.
fn signing_slug(path: &str) -> Option<&str> {
    let rest = path.strip_prefix("/v1/campaigns/")?;
    let (slug, tail) = rest.split_once('/')?;
    (tail == "signatures" && !slug.is_empty()).then_some(slug)
}

/// Whether a page from `origin` may sign `campaign` from a browser: the service's own pages
/// (the embedded form) and the campaign's allowed origins.
pub fn origin_allowed(state: &AppState, campaign: &Campaign, origin: &str) -> bool {
    match Origin::parse(origin) {
        Ok(origin) => {
            origin.as_str() == state.public_url.origin().ascii_serialization()
                || campaign
                    .allowed_origins
                    .iter()
                    .any(|allowed| allowed.admits(&origin))
        }
        // `null` (sandboxed frames, files) and anything else that is no origin.
        Err(_) => false,
    }
}

/// Refuses a browser's request to sign from a page that may not: decided where the signing
/// route itself is served, so that no spelling of its path (percent-encoded, say) escapes
/// it. A request with no `Origin` comes from no page (a server, a partner) unless the
/// browser says it is cross-site (`Sec-Fetch-Site`).
pub fn check_origin(
    state: &AppState,
    campaign: &Campaign,
    req: &HttpRequest,
) -> Result<(), ApiError> {
    let headers = req.headers();
    match headers.get(header::ORIGIN) {
        Some(origin) => {
            let origin = origin.to_str().unwrap_or("");
            if origin_allowed(state, campaign, origin) {
                Ok(())
            } else {
                Err(ApiError::OriginNotAllowed {
                    origin: origin.to_owned(),
                })
            }
        }
        None if headers
            .get("sec-fetch-site")
            .is_some_and(|site| site.as_bytes() == b"cross-site") =>
        {
            Err(ApiError::OriginNotAllowed {
                origin: "(a cross-site page)".into(),
            })
        }
        None => Ok(()),
    }
}

/// Whether a page from `origin` may sign campaign `slug` from a browser (for the preflight
/// and the response's CORS headers; the signing route checks again, see `check_origin`).
async fn accepts(state: &AppState, slug: &str, origin: &str) -> Result<bool, ApiError> {
    let Ok(slug) = crate::domain::Slug::parse(slug) else {
        return Ok(false);
    };
    match state.signing.campaign(&slug).await {
        Ok(campaign) => Ok(origin_allowed(state, &campaign, origin)),
        Err(ApiError::NotFound) => Ok(false),
        Err(other) => Err(other),
    }
}

fn allow(headers: &mut HeaderMap, origin: &HeaderValue) {
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
    headers.append(header::VARY, HeaderValue::from_static("Origin"));
}

pub async fn signing_cors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    let origin = req.headers().get(header::ORIGIN).cloned();
    let (Some(origin), Some(slug)) = (origin, signing_slug(req.path())) else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let is_preflight = req.method() == Method::OPTIONS
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    if !is_preflight && req.method() != Method::POST {
        return Ok(next.call(req).await?.map_into_left_body());
    }
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let refusal = |error: ApiError| error.error_response().map_into_right_body();
    let accepted = match accepts(&state, slug, origin.to_str().unwrap_or("")).await {
        Ok(accepted) => accepted,
        Err(error) => return Ok(req.into_response(refusal(error))),
    };
    if !accepted {
        // A refused page's signature is refused by the signing route itself (`check_origin`),
        // whatever spelling of the path reached it; here it only gets no CORS headers.
        if !is_preflight {
            return Ok(next.call(req).await?.map_into_left_body());
        }
        let error = ApiError::OriginNotAllowed {
            origin: String::from_utf8_lossy(origin.as_bytes()).into_owned(),
        };
        return Ok(req.into_response(refusal(error)));
    }
    if is_preflight {
        let wants_post = req
            .headers()
            .get(header::ACCESS_CONTROL_REQUEST_METHOD)
            .is_some_and(|m| m.as_bytes() == b"POST");
        let mut response = if wants_post {
            HttpResponse::NoContent()
                .insert_header((header::ACCESS_CONTROL_ALLOW_METHODS, "POST"))
                .insert_header((header::ACCESS_CONTROL_ALLOW_HEADERS, "Content-Type"))
                .insert_header((header::ACCESS_CONTROL_MAX_AGE, PREFLIGHT_MAX_AGE_SECONDS))
                .finish()
        } else {
            HttpResponse::MethodNotAllowed()
                .insert_header((header::ALLOW, "POST"))
                .finish()
        };
        allow(response.headers_mut(), &origin);
        return Ok(req.into_response(response.map_into_right_body()));
    }
    let mut response = next.call(req).await?;
    allow(response.headers_mut(), &origin);
    response.headers_mut().insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static(EXPOSED),
    );
    Ok(response.map_into_left_body())
}

#[cfg(test)]
mod tests {
    use super::signing_slug;

    #[test]
    fn only_the_signing_path_is_matched() {
        assert_eq!(
            signing_slug("/v1/campaigns/scrapsi445/signatures"),
            Some("scrapsi445")
        );
        assert_eq!(
            signing_slug("/v1/campaigns/scrapsi445/signatures/export"),
            None
        );
        assert_eq!(signing_slug("/v1/campaigns/scrapsi445/count"), None);
        assert_eq!(signing_slug("/v1/campaigns//signatures"), None);
    }
}
