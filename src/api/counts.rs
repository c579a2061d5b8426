//! Public counts: the count (JSON), its live stream (Server-Sent Events), the tally and the
//! badge. All are open to every origin and answered from memory.

use std::convert::Infallible;
use std::time::Duration;

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, web};
use futures_util::StreamExt;
use tokio::sync::broadcast::error::RecvError;

use crate::counts::CountView;
use crate::domain::Slug;
use crate::error::ApiError;
use crate::state::AppState;
use crate::templates::with_separators;

/// Browsers and proxies may reuse a count for a second, and serve it a little stale while they
/// fetch the next: a surge of readers then mostly meets caches, and the count lags by ~1 s.
const COUNT_CACHE: &str = "public, max-age=1, stale-while-revalidate=10";
const HEARTBEAT: Duration = Duration::from_secs(15);

fn open_to_all(response: &mut HttpResponseBuilder) -> &mut HttpResponseBuilder {
    response
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .insert_header((header::ACCESS_CONTROL_EXPOSE_HEADERS, "ETag"))
}

/// Whether the client already holds this representation (`If-None-Match`, RFC 9110 §13.1.2).
fn not_modified(req: &HttpRequest, etag: &str) -> bool {
    req.headers()
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|tag| tag == "*" || tag == etag || tag.strip_prefix("W/") == Some(etag))
}

fn cacheable(req: &HttpRequest, etag: &str, content_type: &str, body: String) -> HttpResponse {
    let fresh = not_modified(req, etag);
    let mut response = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    open_to_all(&mut response)
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, COUNT_CACHE));
    if fresh {
        response.finish()
    } else {
        response.content_type(content_type).body(body)
    }
}

/// `GET /v1/campaigns/{slug}/count`.
pub async fn count(
    req: HttpRequest,
    state: web::Data<AppState>,
    slug: web::Path<Slug>,
) -> Result<HttpResponse, ApiError> {
    let view = state.live.view(&slug).await?;
    Ok(cacheable(
        &req,
        &view.etag,
        "application/json",
        view.body.clone(),
    ))
}

/// `GET /v1/campaigns/{slug}/badge.svg`: "12,345 signatures", for an `<img>` on any page.
pub async fn badge(
    req: HttpRequest,
    state: web::Data<AppState>,
    slug: web::Path<Slug>,
) -> Result<HttpResponse, ApiError> {
    let view = state.live.view(&slug).await?;
    let etag = format!("{}-svg\"", view.etag.trim_end_matches('"'));
    Ok(cacheable(
        &req,
        &etag,
        "image/svg+xml",
        badge_svg(&state.templates, view.total)?,
    ))
}

/// `templates/images/count_badge.svg`.
#[derive(serde::Serialize)]
struct CountBadge {
    text: String,
    width: usize,
    fill: &'static str,
    ink: &'static str,
}

fn badge_svg(templates: &crate::templates::Templates, total: u64) -> Result<String, ApiError> {
    let text = format!(
        "{} signature{}",
        with_separators(total),
        if total == 1 { "" } else { "s" }
    );
    // About 7.5 px per character at 13 px; the badge grows with the number.
    let badge = CountBadge {
        width: 20 + text.chars().count() * 15 / 2,
        text,
        fill: "#1d3557",
        ink: "#fff",
    };
    templates
        .render("images/count_badge.svg", &badge)
        .map_err(ApiError::internal)
}

/// `GET /v1/campaigns/{slug}/tally`: the count by source, country, postcode area and hour.
pub async fn tally(
    state: web::Data<AppState>,
    slug: web::Path<Slug>,
) -> Result<HttpResponse, ApiError> {
    let view = state.live.view(&slug).await?;
    let body = state.live.tally(&view).await?;
    let mut response = HttpResponse::Ok();
    Ok(open_to_all(&mut response)
        .insert_header((header::CACHE_CONTROL, "public, max-age=10"))
        .content_type("application/json")
        .body(body.as_str().to_owned()))
}

fn count_event(view: &CountView) -> Bytes {
    let mut event = format!("id: {}\nevent: count\ndata: {}\n\n", view.etag, view.body);
    for milestone in &view.newly_reached {
        let data = serde_json::to_string(milestone).unwrap_or_default();
        event.push_str(&format!("event: milestone\ndata: {data}\n\n"));
    }
    Bytes::from(event)
}

/// `GET /v1/campaigns/{slug}/count/stream`: the current count, then each change (at most a
/// few a second), and a comment every 15 s so proxies keep the connection open. A client that
/// reconnects with `Last-Event-ID` equal to the current count's id is not sent it again. A
/// client may hold only so many streams open, the instance only so many in all (429 beyond),
/// and each ends after its lifetime (the browser reconnects).
pub async fn stream(
    req: HttpRequest,
    state: web::Data<AppState>,
    slug: web::Path<Slug>,
) -> Result<HttpResponse, ApiError> {
    let slot = state.streams.open(state.client(&req))?;
    let view = state.live.view(&slug).await?;
    let updates = state
        .live
        .subscribe(view.campaign_id)
        .ok_or(ApiError::NotFound)?;
    let seen = req
        .headers()
        .get("Last-Event-ID")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|id| id == view.etag);
    let first = if seen { None } else { Some(view) };
    let heartbeat = tokio::time::interval_at(tokio::time::Instant::now() + HEARTBEAT, HEARTBEAT);

    let opening = Bytes::from_static(b"retry: 3000\n\n");
    let events = futures_util::stream::unfold(
        (Some(opening), first, updates, heartbeat),
        |(mut opening, mut first, mut updates, mut heartbeat)| async move {
            if let Some(bytes) = opening.take() {
                return Some((
                    Ok::<_, Infallible>(bytes),
                    (opening, first, updates, heartbeat),
                ));
            }
            if let Some(view) = first.take() {
                return Some((Ok(count_event(&view)), (opening, first, updates, heartbeat)));
            }
            loop {
                tokio::select! {
                    update = updates.recv() => match update {
                        Ok(view) => {
                            return Some((Ok(count_event(&view)), (opening, first, updates, heartbeat)));
                        }
                        // Too slow a reader skips to the newest counts, which follow.
                        Err(RecvError::Lagged(_)) => continue,
                        Err(RecvError::Closed) => return None,
                    },
                    _ = heartbeat.tick() => {
                        let ping = Bytes::from_static(b": keep-alive\n\n");
                        return Some((Ok(ping), (opening, first, updates, heartbeat)));
                    }
                }
            }
        },
    );
    // Ends when the process begins to shut down, or when its lifetime is over; its slot is
    // freed when the response (and so the stream) is dropped.
    let closing = state.live.closing();
    let lifetime = state.stream_lifetime;
    let events = events
        .take_until(async move {
            tokio::select! {
                _ = closing => {}
                _ = tokio::time::sleep(lifetime) => {}
            }
        })
        .map(move |event| {
            let _open = &slot;
            event
        });
    let mut response = HttpResponse::Ok();
    Ok(open_to_all(&mut response)
        .insert_header((header::CONTENT_TYPE, "text/event-stream"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        // Tells nginx not to buffer the stream.
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(events))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_get_thousands_separators() {
        assert_eq!(with_separators(0), "0");
        assert_eq!(with_separators(999), "999");
        assert_eq!(with_separators(1000), "1,000");
        assert_eq!(with_separators(108_000), "108,000");
        assert_eq!(with_separators(1_234_567), "1,234,567");
    }

    #[test]
    fn the_badge_says_the_count() {
        let templates = crate::templates::Templates::builtin();
        let badge = |n| badge_svg(&templates, n).expect("a badge");
        let svg = badge(12_345);
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains(">12,345 signatures</text>"));
        assert!(badge(1).contains(">1 signature</text>"));
    }
}
