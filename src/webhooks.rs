//! Delivering webhooks as Standard Webhooks 1.0 says: each message POSTed as JSON with its
//! `webhook-id` (the same on every retry), `webhook-timestamp` and `webhook-signature`, retried
//! with growing delays for about a day, `Retry-After` honoured, a 410 disabling the webhook.
//! Redirects are not followed and an attempt has 15 s.
//!
//! A webhook's address is an organiser's to choose, so it could point the service at its own
//! network: an address that resolves to a loopback, private, link-local (cloud metadata
//! included), shared or otherwise non-public address is refused, unless its host is listed in
//! `UNDERSIGNED_WEBHOOK_ALLOW_HOSTS`. The check is made on the addresses DNS gives at the time
//! of each delivery, and the connection is made to the address checked, so a name that changes
//! its answer between the check and the connection cannot get past it.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::domain::{Webhook, WebhookUrl};
use crate::store::{self, Attempted, DueMessage, Store};

/// How long an attempt may take.
const TIMEOUT: Duration = Duration::from_secs(15);
/// The delays before each retry, as the specification's example schedule has them: the first
/// within a minute, the last about a day after the first attempt.
const RETRY_DELAYS: [i64; 7] = [5, 300, 1_800, 7_200, 18_000, 36_000, 36_000];
/// A receiver's `Retry-After` is honoured up to this.
const LONGEST_RETRY_AFTER: i64 = 86_400;
/// How often the queue is looked at.
const POLL: Duration = Duration::from_secs(1);

/// Hosts (names or addresses, as written in a webhook's URL) to which the address check does
/// not apply, and which may be reached over plain `http`.
#[derive(Debug, Clone, Default)]
pub struct AllowedHosts(Vec<String>);

/// Why an address is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused(pub String);

impl AllowedHosts {
    pub fn new(hosts: &[String]) -> Self {
        Self(hosts.iter().map(|h| h.trim().to_lowercase()).collect())
    }

    fn allows(&self, url: &url::Url) -> bool {
        let host = url
            .host_str()
            .unwrap_or("")
            .trim_matches(['[', ']'])
            .to_lowercase();
        self.0.contains(&host)
    }

    /// Where a delivery to `url` connects, if it may: every address its host resolves to must
    /// be public (or the host listed), and the scheme `https` (or the host listed).
    pub async fn resolve(&self, url: &WebhookUrl) -> Result<SocketAddr, Refused> {
        let url = url.url();
        let listed = self.allows(url);
        if url.scheme() != "https" && !listed {
            return Err(Refused("must be an https:// address".into()));
        }
        if !listed && !matches!(url.host(), Some(url::Host::Domain(_))) {
            return Err(Refused("must name its host, like crm.example.org".into()));
        }
        let host = url
            .host_str()
            .unwrap_or("")
            .trim_matches(['[', ']'])
            .to_owned();
        let port = url.port_or_known_default().unwrap_or(443);
        let addresses: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), port))
            .await
            .map_err(|e| Refused(format!("its host could not be found: {e}")))?
            .collect();
        if addresses.is_empty() {
            return Err(Refused("its host has no address".into()));
        }
        if !listed && let Some(private) = addresses.iter().find(|a| !is_public(a.ip())) {
            return Err(Refused(format!(
                "its host resolves to {}, which is not a public address",
                private.ip()
            )));
        }
        Ok(addresses[0])
    }

    /// Checks an address when a webhook is made: refused only if what it resolves to now is
    /// refused. A host that cannot be looked up yet is taken (and checked at each delivery).
    pub async fn check_at_creation(&self, url: &WebhookUrl) -> Result<(), Refused> {
        match self.resolve(url).await {
            Err(Refused(why)) if why.starts_with("its host could not be found") => Ok(()),
            other => other.map(|_| ()),
        }
    }
}

/// Whether an address is on the public internet: not loopback, private, link-local (which
/// holds the cloud metadata address 169.254.169.254), shared (carrier-grade NAT),
/// documentation, benchmarking, multicast, broadcast or unspecified.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.is_multicast()
                || v4.is_unspecified()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
                || (a == 198 && (18..20).contains(&b))
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || first == 0x2001 && v6.segments()[1] == 0x0db8)
        }
    }
}

/// When to try again after the `attempts`th failed attempt (1 for the first), if at all.
pub fn next_attempt(
    attempts: u32,
    retry_after: Option<i64>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let scheduled = *RETRY_DELAYS.get(attempts as usize - 1)?;
    let delay = retry_after
        .map(|asked| asked.clamp(scheduled, LONGEST_RETRY_AFTER))
        .unwrap_or(scheduled);
    Some(now + chrono::Duration::seconds(delay))
}

/// The outcome of one attempt, before it is recorded.
struct Answer {
    status: Option<u16>,
    retry_after: Option<i64>,
    error: Option<String>,
}

/// Sends due messages until the process ends.
pub fn spawn_delivery(store: Arc<dyn Store>, allowed: AllowedHosts) {
    tokio::spawn(async move {
        loop {
            let now = store::now();
            let lease = now + chrono::Duration::seconds(TIMEOUT.as_secs() as i64 * 2);
            match store.claim_webhook_messages(now, lease, 20).await {
                Ok(due) if !due.is_empty() => {
                    let sends = due.into_iter().map(|message| {
                        let (store, allowed) = (store.clone(), allowed.clone());
                        async move { deliver(store.as_ref(), &allowed, message).await }
                    });
                    futures_util::future::join_all(sends).await;
                    continue;
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "claiming webhook messages failed"),
            }
            tokio::time::sleep(POLL).await;
        }
    });
}

async fn deliver(store: &dyn Store, allowed: &AllowedHosts, message: DueMessage) {
    let answer = attempt(allowed, &message.webhook, &message).await;
    let now = store::now();
    let attempts = message.attempts + 1;
    let outcome = match answer.status {
        Some(status) if (200..300).contains(&status) => Attempted::Delivered,
        Some(410) => {
            let reason = "the receiver answered 410 Gone";
            if let Err(e) = store.disable_webhook(message.webhook.id, reason, now).await {
                tracing::warn!(error = %e, "disabling a webhook failed");
            }
            tracing::info!(webhook = %message.webhook.id, "a webhook was disabled: its receiver answered 410 Gone");
            Attempted::GaveUp
        }
        _ => match next_attempt(attempts, answer.retry_after, now) {
            Some(at) => Attempted::Retry(at),
            None => Attempted::GaveUp,
        },
    };
    if let Err(e) = store
        .webhook_attempted(
            &message.id,
            answer.status,
            answer.error.as_deref(),
            outcome,
            now,
        )
        .await
    {
        tracing::warn!(error = %e, message = %message.id, "recording a webhook attempt failed");
    }
}

async fn attempt(allowed: &AllowedHosts, webhook: &Webhook, message: &DueMessage) -> Answer {
    let failed = |error: String| Answer {
        status: None,
        retry_after: None,
        error: Some(error),
    };
    let address = match allowed.resolve(&webhook.url).await {
        Ok(address) => address,
        Err(refused) => return failed(format!("not sent: the address {}", refused.0)),
    };
    let client = match client_to(&webhook.url, address) {
        Ok(client) => client,
        Err(e) => return failed(format!("not sent: {e}")),
    };
    let now = store::now();
    let body = message.payload.as_bytes().to_vec();
    let request = client
        .post(webhook.url.url().clone())
        .header("content-type", "application/json")
        .header("user-agent", "Undersigned-Webhooks/1")
        .header("webhook-id", &message.id)
        .header("webhook-timestamp", now.timestamp().to_string())
        .header(
            "webhook-signature",
            webhook.signature(&message.id, now, &body),
        )
        .body(body);
    match request.send().await {
        Ok(response) => {
            let status = response.status().as_u16();
            let retry_after = response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<i64>().ok());
            Answer {
                status: Some(status),
                retry_after,
                error: (!(200..300).contains(&status))
                    .then(|| format!("the receiver answered {status}")),
            }
        }
        Err(e) if e.is_timeout() => failed("no answer within 15 s".into()),
        Err(e) => failed(format!("could not be delivered: {e}")),
    }
}

/// A client that reaches `url`'s host at `address` alone, follows no redirect and gives up
/// after `TIMEOUT`.
fn client_to(url: &WebhookUrl, address: SocketAddr) -> anyhow::Result<reqwest::Client> {
    let host = url.url().host_str().unwrap_or("").trim_matches(['[', ']']);
    Ok(reqwest::Client::builder()
        .use_preconfigured_tls(crate::selfcheck::tls_config()?)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(TIMEOUT)
        .no_proxy()
        .resolve(host, address)
        .build()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses_are_public() {
        for private in [
            "127.0.0.1",
            "127.0.0.2",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
        for public in ["93.184.215.14", "2606:4700::1111", "8.8.8.8"] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }

    #[test]
    fn retries_start_within_a_minute_and_end_after_about_a_day() {
        let now = Utc::now();
        let first = next_attempt(1, None, now).unwrap();
        assert!(first - now <= chrono::Duration::minutes(1));
        let total: i64 = RETRY_DELAYS.iter().sum();
        assert!((20 * 3_600..=30 * 3_600).contains(&total), "{total}");
        assert!(next_attempt(RETRY_DELAYS.len() as u32 + 1, None, now).is_none());
        // A receiver that asks for longer gets it; one that asks for less waits the schedule.
        assert_eq!(
            next_attempt(1, Some(120), now).unwrap() - now,
            chrono::Duration::seconds(120)
        );
        assert_eq!(
            next_attempt(2, Some(1), now).unwrap() - now,
            chrono::Duration::seconds(300)
        );
    }
}
