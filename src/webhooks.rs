//! Delivering webhooks as Standard Webhooks 1.0 says: each message POSTed as JSON with its
//! `webhook-id` (the same on every retry), `webhook-timestamp` and `webhook-signature`, retried
//! with growing delays for about a day, `Retry-After` honoured, a 410 disabling the webhook.
//! Redirects are not followed and an attempt has 10 s.
//!
//! Each receiver gets one delivery at a time, in order, and up to `AT_ONCE` go out together in
//! all: a receiver that is slow holds up only its own messages, and one that fails rests (its
//! messages wait) until its failed message is next due, at most `LONGEST_REST`.
//!
//! A webhook's address is an organiser's to choose, so it could point the service at its own
//! network: an address that resolves to anything but a global unicast address (see
//! `is_public`) is refused, unless its host (or host and port) is listed in
//! `UNDERSIGNED_WEBHOOK_ALLOW_HOSTS`. The check is made on the addresses DNS gives at creation
//! and again at each delivery, and the connection is made to the address checked (the client
//! is given that address for the host, and no proxy), so a name that changes its answer
//! between the check and the connection cannot get past it. What a listed (private) receiver
//! answered is kept as delivered or failed only: its status and errors are not shown.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::domain::{Webhook, WebhookUrl};
use crate::store::{self, Attempted, DueMessage, Store};

/// How long an attempt may take.
const TIMEOUT: Duration = Duration::from_secs(10);
/// Deliveries in flight at once, to all receivers together.
const AT_ONCE: usize = 32;
/// The longest a failing receiver rests before its next message is tried.
const LONGEST_REST: chrono::TimeDelta = chrono::TimeDelta::minutes(5);
/// The delays before each retry, as the specification's example schedule has them: the first
/// within a minute, the last about a day after the first attempt.
const RETRY_DELAYS: [i64; 7] = [5, 300, 1_800, 7_200, 18_000, 36_000, 36_000];
/// A receiver's `Retry-After` is honoured up to this.
const LONGEST_RETRY_AFTER: i64 = 86_400;
/// How often the queue is looked at.
const POLL: Duration = Duration::from_secs(1);

/// Hosts (names or addresses, as written in a webhook's URL), each with one port or all of
/// them, to which the address check does not apply, and which may be reached over plain `http`.
#[derive(Debug, Clone, Default)]
pub struct AllowedHosts(Vec<AllowedHost>);

/// One listed host: `host:port` allows that port, a bare host every port.
#[derive(Debug, Clone, PartialEq, Eq)]
struct AllowedHost {
    host: String,
    port: Option<u16>,
}

impl AllowedHost {
    /// `crm.internal`, `crm.internal:8443`, `10.0.0.5:8080`, `::1` or `[::1]:8080`.
    fn parse(raw: &str) -> Self {
        let raw = raw.trim().to_lowercase();
        let split = match raw.strip_prefix('[') {
            Some(rest) => rest
                .split_once(']')
                .map(|(host, port)| (host.to_owned(), port.strip_prefix(':'))),
            // One colon is a port; more are an IPv6 address written bare.
            None if raw.matches(':').count() == 1 => raw
                .split_once(':')
                .map(|(host, port)| (host.to_owned(), Some(port))),
            None => None,
        };
        match split {
            Some((host, port)) => AllowedHost {
                host,
                port: port.and_then(|p| p.parse().ok()),
            },
            None => AllowedHost {
                host: raw,
                port: None,
            },
        }
    }
}

/// Why an address is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused(pub String);

/// Where a delivery connects, and whether it is a listed (private) receiver.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    pub address: SocketAddr,
    pub listed: bool,
}

impl AllowedHosts {
    pub fn new(hosts: &[String]) -> Self {
        Self(
            hosts
                .iter()
                .filter(|h| !h.trim().is_empty())
                .map(|h| AllowedHost::parse(h))
                .collect(),
        )
    }

    /// The hosts listed without a port, which open every port they have: worth a warning.
    pub fn every_port(&self) -> Vec<&str> {
        self.0
            .iter()
            .filter(|h| h.port.is_none())
            .map(|h| h.host.as_str())
            .collect()
    }

    fn allows(&self, url: &url::Url) -> bool {
        let host = url
            .host_str()
            .unwrap_or("")
            .trim_matches(['[', ']'])
            .to_lowercase();
        let port = url.port_or_known_default();
        self.0
            .iter()
            .any(|allowed| allowed.host == host && allowed.port.is_none_or(|p| Some(p) == port))
    }

    /// Where a delivery to `url` connects, if it may: every address its host resolves to must
    /// be public (or the host listed), and the scheme `https` (or the host listed).
    pub async fn resolve(&self, url: &WebhookUrl) -> Result<Target, Refused> {
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
            .map_err(|_| Refused(NOT_FOUND.into()))?
            .collect();
        if addresses.is_empty() {
            return Err(Refused("its host has no address".into()));
        }
        // Which address it resolved to is not said: that would map the service's network.
        if !listed && addresses.iter().any(|a| !is_public(a.ip())) {
            // Said so that whoever runs the service knows the one way to allow it.
            return Err(Refused(
                "its host is not a public address; a receiver on your own network can be \
                 allowed by whoever runs this service, by listing it as host:port in \
                 UNDERSIGNED_WEBHOOK_ALLOW_HOSTS and restarting the service"
                    .into(),
            ));
        }
        Ok(Target {
            address: addresses[0],
            listed,
        })
    }

    /// Checks an address when a webhook is made: refused only if what it resolves to now is
    /// refused. A host that cannot be looked up yet is taken (and checked at each delivery).
    pub async fn check_at_creation(&self, url: &WebhookUrl) -> Result<(), Refused> {
        match self.resolve(url).await {
            Err(Refused(why)) if why == NOT_FOUND => Ok(()),
            other => other.map(|_| ()),
        }
    }
}

/// Why a host that DNS does not know is refused at delivery.
const NOT_FOUND: &str = "its host could not be found";

/// Whether an address is on the public internet, as a webhook may reach. IPv4: anything but
/// "this network", loopback, private, link-local (which holds the cloud metadata address
/// 169.254.169.254), shared (carrier-grade NAT), IETF protocol assignments (192.0.0.0/24),
/// documentation, the 6to4 relay, benchmarking, multicast, reserved and broadcast. IPv6: global
/// unicast (2000::/3) alone, so every form that embeds an IPv4 address or reaches an internal
/// network outside it (IPv4-mapped and -compatible, NAT64 `64:ff9b::/96` and
/// `64:ff9b:1::/48`, site-local, unique local, link-local, discard `100::/64`, multicast) is
/// refused, and within it the ranges that tunnel to IPv4 or are not routed: 6to4 `2002::/16`,
/// the IETF protocol assignments `2001::/23` (Teredo `2001::/32` among them) and
/// documentation `2001:db8::/32`.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.is_multicast()
                || v4.is_unspecified()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
                || (a == 192 && b == 0 && c == 0)
                || (a == 192 && b == 88 && c == 99)
                || (a == 198 && (18..20).contains(&b))
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            let [first, second, ..] = v6.segments();
            let global_unicast = (first & 0xe000) == 0x2000;
            global_unicast
                && first != 0x2002
                && !(first == 0x2001 && second < 0x0200)
                && !(first == 0x2001 && second == 0x0db8)
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
    /// Whether the receiver is a listed (private) host.
    listed: bool,
}

/// Receivers resting after a failure, until when.
type Resting = Arc<std::sync::Mutex<std::collections::HashMap<uuid::Uuid, DateTime<Utc>>>>;

/// Sends due messages until the process ends: one at a time to each receiver, `AT_ONCE` in
/// all, each as soon as a place is free.
pub fn spawn_delivery(store: Arc<dyn Store>, allowed: AllowedHosts) {
    tokio::spawn(async move {
        let places = Arc::new(tokio::sync::Semaphore::new(AT_ONCE));
        let resting: Resting = Default::default();
        let finished = Arc::new(tokio::sync::Notify::new());
        loop {
            let free = places.available_permits();
            if free > 0 {
                let now = store::now();
                let lease = now + chrono::Duration::seconds(TIMEOUT.as_secs() as i64 * 2);
                let still_resting: Vec<uuid::Uuid> = {
                    let mut resting = resting.lock().unwrap_or_else(|e| e.into_inner());
                    resting.retain(|_, until| *until > now);
                    resting.keys().copied().collect()
                };
                match store
                    .claim_webhook_messages(now, lease, free as u32, &still_resting)
                    .await
                {
                    Ok(due) => {
                        let claimed_all = due.len() == free;
                        for message in due {
                            let Ok(place) = places.clone().try_acquire_owned() else {
                                break;
                            };
                            let (store, allowed) = (store.clone(), allowed.clone());
                            let (resting, finished) = (resting.clone(), finished.clone());
                            tokio::spawn(async move {
                                let webhook = message.webhook.id;
                                if let Some(until) =
                                    deliver(store.as_ref(), &allowed, message).await
                                {
                                    let until = until.min(store::now() + LONGEST_REST);
                                    resting
                                        .lock()
                                        .unwrap_or_else(|e| e.into_inner())
                                        .insert(webhook, until);
                                }
                                drop(place);
                                finished.notify_one();
                            });
                        }
                        if claimed_all {
                            // There may be more, and no place free: wait for one.
                            finished.notified().await;
                            continue;
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "claiming webhook messages failed"),
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(POLL) => {}
                _ = finished.notified() => {}
            }
        }
    });
}

/// Makes one attempt and records it; when it failed and will be tried again, when.
async fn deliver(
    store: &dyn Store,
    allowed: &AllowedHosts,
    message: DueMessage,
) -> Option<DateTime<Utc>> {
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
    // A listed receiver is on a private network: its organiser learns whether it took the
    // message, not what it answered, so a webhook cannot be used to read that network.
    let (status, error) = if answer.listed {
        let took = matches!(outcome, Attempted::Delivered);
        (None, (!took).then_some("not delivered".to_owned()))
    } else {
        (answer.status, answer.error)
    };
    if let Err(e) = store
        .webhook_attempted(&message.id, status, error.as_deref(), outcome, now)
        .await
    {
        tracing::warn!(error = %e, message = %message.id, "recording a webhook attempt failed");
    }
    match outcome {
        Attempted::Retry(at) => Some(at),
        _ => None,
    }
}

async fn attempt(allowed: &AllowedHosts, webhook: &Webhook, message: &DueMessage) -> Answer {
    let failed = |error: String, listed: bool| Answer {
        status: None,
        retry_after: None,
        error: Some(error),
        listed,
    };
    let target = match allowed.resolve(&webhook.url).await {
        Ok(target) => target,
        Err(refused) => return failed(format!("not sent: the address {}", refused.0), false),
    };
    let client = match client_to(&webhook.url, target.address) {
        Ok(client) => client,
        Err(e) => return failed(format!("not sent: {e}"), target.listed),
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
                listed: target.listed,
            }
        }
        Err(e) if e.is_timeout() => failed("no answer within 10 s".into(), target.listed),
        Err(e) => failed(format!("could not be delivered: {e}"), target.listed),
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
    fn only_global_unicast_addresses_are_public() {
        for private in [
            "127.0.0.1",
            "127.0.0.2",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "0.1.2.3",
            "192.0.0.8",
            "192.0.2.1",
            "192.88.99.1",
            "198.18.0.1",
            "198.19.255.255",
            "224.0.0.1",
            "240.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "fe80::1",
            "fec0::1",
            "fd00::1",
            "fc00::1",
            "ff02::1",
            "100::1",
            // IPv4 inside IPv6, in every spelling the parser takes.
            "::ffff:127.0.0.1",
            "::ffff:7f00:1",
            "0:0:0:0:0:ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::ffff:8.8.8.8",
            "::127.0.0.1",
            "::a9fe:a9fe",
            "64:ff9b::7f00:1",
            "64:ff9b::10.0.0.1",
            "64:ff9b:1::a00:1",
            "2002:7f00:1::1",
            "2002:a9fe:a9fe::",
            "2001::1",
            "2001:0:4136:e378:8000:63bf:3fff:fdd2",
            "2001:2::1",
            "2001:db8::1",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
        for public in [
            "93.184.215.14",
            "8.8.8.8",
            "1.1.1.1",
            "2606:4700::1111",
            "2a00:1450:4009:81f::200e",
            "2001:4860:4860::8888",
        ] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }

    #[test]
    fn a_listed_host_opens_its_port_or_with_none_every_port() {
        let allowed = AllowedHosts::new(&[
            "crm.internal:8443".into(),
            " 10.0.0.5 ".into(),
            "[::1]:8080".into(),
            "fd00::5".into(),
        ]);
        let allows = |url: &str| allowed.allows(&url::Url::parse(url).unwrap());
        assert!(allows("https://crm.internal:8443/hooks"));
        assert!(allows("https://CRM.internal:8443/"));
        assert!(!allows("https://crm.internal/hooks"), "443 is not 8443");
        assert!(!allows("http://crm.internal:8080/"));
        assert!(allows("http://10.0.0.5:9000/") && allows("https://10.0.0.5/"));
        assert!(allows("http://[::1]:8080/") && !allows("http://[::1]:8081/"));
        assert!(allows("http://[fd00::5]:1234/"));
        assert!(!allows("https://10.0.0.6/"));
        assert_eq!(allowed.every_port(), ["10.0.0.5", "fd00::5"]);
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
