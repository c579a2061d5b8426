use actix_web::Error;
use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use tracing::Span;
use tracing_actix_web::{DefaultRootSpanBuilder, RequestId, RootSpanBuilder};
use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Structured logs to standard error; `RUST_LOG` sets the level (default `info`).
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colour codes only for a person at a terminal, never into a file or a log collector.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

/// The root span of each request: tracing-actix-web's, but with the link tokens in the
/// confirmation and withdrawal paths redacted, so that logs (and whoever reads them) never
/// hold a token that confirms or withdraws someone's signature.
pub struct RedactedRootSpan;

impl RootSpanBuilder for RedactedRootSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        let connection = request.connection_info();
        let method = request.method().as_str();
        let route = request.match_pattern().unwrap_or_default();
        let request_id = request
            .extensions()
            .get::<RequestId>()
            .map(ToString::to_string)
            .unwrap_or_default();
        tracing::info_span!(
            "HTTP request",
            http.method = %method,
            http.route = %route,
            http.scheme = %connection.scheme(),
            http.host = %connection.host(),
            http.client_ip = %connection.realip_remote_addr().unwrap_or(""),
            http.user_agent = %request
                .headers()
                .get("user-agent")
                .and_then(|v| v.to_str().ok())
                .unwrap_or(""),
            http.target = %redacted_target(
                request.uri().path_and_query().map(|p| p.as_str()).unwrap_or("")
            ),
            http.status_code = tracing::field::Empty,
            otel.name = %format!("{method} {route}"),
            otel.kind = "server",
            otel.status_code = tracing::field::Empty,
            request_id = %request_id,
            exception.message = tracing::field::Empty,
            exception.details = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(span: Span, outcome: &Result<ServiceResponse<B>, Error>) {
        // A client's mistake (4xx) is the client's to read, in its answer: the span keeps its
        // status, not a dump of the error (which may hold what a signer typed).
        if let Ok(response) = outcome
            && response.status().is_client_error()
        {
            span.record("http.status_code", i32::from(response.status().as_u16()));
            span.record("otel.status_code", "OK");
            return;
        }
        DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}

/// A request's path (and query) with the token of a confirmation or withdrawal link replaced.
pub fn redacted_target(path: &str) -> String {
    for prefix in ["/confirm/", "/withdraw/"] {
        if path.starts_with(prefix) && path.len() > prefix.len() {
            return format!("{prefix}[redacted]");
        }
    }
    path.to_owned()
}

#[cfg(test)]
mod tests {
    use super::redacted_target;

    #[test]
    fn link_tokens_are_redacted_from_logged_paths() {
        assert_eq!(redacted_target("/confirm/abc123"), "/confirm/[redacted]");
        assert_eq!(redacted_target("/withdraw/abc123"), "/withdraw/[redacted]");
        assert_eq!(redacted_target("/v1/campaigns/x"), "/v1/campaigns/x");
        assert_eq!(redacted_target("/confirm/"), "/confirm/");
    }
}
