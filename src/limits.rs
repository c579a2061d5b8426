//! Rate limits (governor), keyed by client address, account, campaign or partner key, and
//! the client address itself as seen through trusted proxies.

use std::hash::Hash;
use std::net::{IpAddr, Ipv4Addr};
use std::num::NonZeroU32;
use std::time::Duration;

use actix_web::HttpRequest;
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use ipnet::IpNet;

use crate::error::ApiError;

/// A limit of `per_minute` requests a minute for each key, allowing that many in a burst.
pub struct KeyedLimiter<K: Hash + Eq + Clone> {
    limiter: RateLimiter<K, DefaultKeyedStateStore<K>, DefaultClock, StateInformationMiddleware>,
    per_minute: u32,
}

/// What is left of a limit after a request, for the `RateLimit-*` headers (IETF
/// draft-ietf-httpapi-ratelimit-headers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allowance {
    pub limit: u32,
    pub remaining: u32,
    /// Seconds until the whole allowance is back.
    pub reset_seconds: u64,
}

impl Allowance {
    /// The tighter of two limits a request passed.
    pub fn tighter(self, other: Allowance) -> Allowance {
        if other.remaining < self.remaining {
            other
        } else {
            self
        }
    }

    pub fn headers(&self) -> [(&'static str, String); 3] {
        [
            ("RateLimit-Limit", self.limit.to_string()),
            ("RateLimit-Remaining", self.remaining.to_string()),
            ("RateLimit-Reset", self.reset_seconds.to_string()),
        ]
    }
}

impl<K: Hash + Eq + Clone> KeyedLimiter<K> {
    pub fn per_minute(per_minute: u32) -> Self {
        let per_minute = NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN);
        Self {
            limiter: RateLimiter::keyed(Quota::per_minute(per_minute))
                .with_middleware::<StateInformationMiddleware>(),
            per_minute: per_minute.get(),
        }
    }

    /// Counts one request for `key`; over the limit, the 429 says when to try again.
    pub fn check(&self, key: &K) -> Result<Allowance, ApiError> {
        match self.limiter.check_key(key) {
            Ok(state) => {
                let remaining = state.remaining_burst_capacity();
                let used = u64::from(self.per_minute - remaining.min(self.per_minute));
                Ok(Allowance {
                    limit: self.per_minute,
                    remaining,
                    reset_seconds: (used * 60).div_ceil(u64::from(self.per_minute)),
                })
            }
            Err(not_until) => {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                Err(ApiError::RateLimited {
                    retry_after: wait.max(Duration::from_secs(1)),
                    limit: Some(self.per_minute),
                })
            }
        }
    }

    /// Forgets keys whose limit has fully recovered, so memory does not grow with every
    /// address ever seen.
    pub fn prune(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }
}

/// Who a request's client is, for limits: its address (see `client_address`), with an IPv6
/// address cut to its network of `ipv6_prefix` bits, since one ordinary IPv6 allocation (a
/// /64) holds more addresses than any limit could count one by one.
pub fn client_key(req: &HttpRequest, trusted_proxies: &[IpNet], ipv6_prefix: u8) -> IpAddr {
    key_of(client_address(req, trusted_proxies), ipv6_prefix)
}

/// A client's address as the limits count it (see `client_key`).
pub fn key_of(address: IpAddr, ipv6_prefix: u8) -> IpAddr {
    match address.to_canonical() {
        IpAddr::V6(v6) => ipnet::Ipv6Net::new(v6, ipv6_prefix.min(128))
            .map(|net| IpAddr::V6(net.network()))
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

/// The address of the client that made a request: the peer, unless the peer is a trusted
/// proxy, in which case the `X-Forwarded-For` hops are read from the right (the hop our proxy
/// added) and the first address that is not itself a trusted proxy is the client. An untrusted
/// peer's `X-Forwarded-For` is ignored, so a client cannot choose its own rate-limit key.
pub fn client_address(req: &HttpRequest, trusted_proxies: &[IpNet]) -> IpAddr {
    let peer = req
        .peer_addr()
        .map(|a| a.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    let trusted = |ip: &IpAddr| trusted_proxies.iter().any(|net| net.contains(ip));
    if !trusted(&peer) {
        return peer;
    }
    let hops: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        if !trusted(&client) {
            break;
        }
        match hop.parse::<IpAddr>() {
            Ok(ip) => client = ip,
            // A hop we cannot read ends the walk at the last address we could.
            Err(_) => break,
        }
    }
    client
}

/// How many long-lived connections (live count streams) are open, per client and in all,
/// with a ceiling on each: beyond either, a new one is refused (429) until one closes.
pub struct OpenConnections {
    per_client: usize,
    total: usize,
    open: std::sync::Mutex<(usize, std::collections::HashMap<IpAddr, usize>)>,
}

/// One open connection, counted until it is dropped.
pub struct ConnectionSlot {
    owner: std::sync::Arc<OpenConnections>,
    client: IpAddr,
}

impl OpenConnections {
    pub fn new(per_client: usize, total: usize) -> std::sync::Arc<Self> {
        std::sync::Arc::new(Self {
            per_client,
            total,
            open: Default::default(),
        })
    }

    pub fn open(self: &std::sync::Arc<Self>, client: IpAddr) -> Result<ConnectionSlot, ApiError> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let (total, per_client) = &mut *open;
        let mine = per_client.entry(client).or_insert(0);
        if *total >= self.total || *mine >= self.per_client {
            return Err(ApiError::RateLimited {
                retry_after: Duration::from_secs(10),
                limit: None,
            });
        }
        *total += 1;
        *mine += 1;
        Ok(ConnectionSlot {
            owner: self.clone(),
            client,
        })
    }
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        let mut open = self.owner.open.lock().unwrap_or_else(|e| e.into_inner());
        let (total, per_client) = &mut *open;
        *total = total.saturating_sub(1);
        if let Some(mine) = per_client.get_mut(&self.client) {
            *mine -= 1;
            if *mine == 0 {
                per_client.remove(&self.client);
            }
        }
    }
}

/// A ceiling on failures per key in a fixed window: only failures count, and a key at its
/// ceiling waits for the window to end. Used for an account's failed logins from everywhere
/// together, set high enough that strangers cannot lock its owner out.
pub struct FailureCeiling<K: Hash + Eq> {
    ceiling: u32,
    window: Duration,
    failures: std::sync::Mutex<std::collections::HashMap<K, (std::time::Instant, u32)>>,
}

impl<K: Hash + Eq> FailureCeiling<K> {
    pub fn new(ceiling: u32, window: Duration) -> Self {
        Self {
            ceiling: ceiling.max(1),
            window,
            failures: Default::default(),
        }
    }

    /// 429 while the key has reached its ceiling in the current window.
    pub fn check(&self, key: &K) -> Result<(), ApiError> {
        let failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        match failures.get(key) {
            Some((since, count)) if *count >= self.ceiling && since.elapsed() < self.window => {
                Err(ApiError::RateLimited {
                    retry_after: self.window - since.elapsed(),
                    limit: None,
                })
            }
            _ => Ok(()),
        }
    }

    pub fn failed(&self, key: K) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let entry = failures
            .entry(key)
            .or_insert_with(|| (std::time::Instant::now(), 0));
        if entry.0.elapsed() >= self.window {
            *entry = (std::time::Instant::now(), 0);
        }
        entry.1 += 1;
    }

    /// Forgets keys whose window has ended.
    pub fn prune(&self) {
        let window = self.window;
        self.failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|_, (since, _)| since.elapsed() < window);
    }
}

/// Clients an account has logged in from: a signed cookie the browser keeps (`undersigned_device`,
/// an HMAC of the account's email), or the client (address, or IPv6 network) that logged in
/// before, for a month. Failures from elsewhere never lock such a client out.
pub struct KnownClients {
    key: [u8; 32],
    seen: std::sync::Mutex<
        std::collections::HashMap<(crate::domain::Email, IpAddr), std::time::Instant>,
    >,
}

impl KnownClients {
    /// How long a client that logged in is remembered by its address.
    const MEMORY: Duration = Duration::from_secs(30 * 24 * 3600);
    /// The cookie a browser that logged in keeps.
    pub const COOKIE: &'static str = "undersigned_device";

    pub fn new(key: [u8; 32]) -> Self {
        Self {
            key,
            seen: Default::default(),
        }
    }

    /// The cookie's value for an account: only this service can make it.
    pub fn token(&self, email: &crate::domain::Email) -> String {
        use hmac::Mac;
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&self.key).expect("any key");
        mac.update(email.as_str().as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// Whether a login for `email` comes from a client that logged in to it before.
    pub fn knows(
        &self,
        email: &crate::domain::Email,
        client: IpAddr,
        cookie: Option<&str>,
    ) -> bool {
        use hmac::Mac;
        let signed = cookie
            .and_then(|value| hex::decode(value).ok())
            .is_some_and(|given| {
                let mut mac =
                    hmac::Hmac::<sha2::Sha256>::new_from_slice(&self.key).expect("any key");
                mac.update(email.as_str().as_bytes());
                mac.verify_slice(&given).is_ok()
            });
        signed
            || self
                .seen
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get(&(email.clone(), client))
                .is_some_and(|at| at.elapsed() < Self::MEMORY)
    }

    pub fn remember(&self, email: &crate::domain::Email, client: IpAddr) {
        self.seen
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert((email.clone(), client), std::time::Instant::now());
    }

    pub fn prune(&self) {
        self.seen
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|_, at| at.elapsed() < Self::MEMORY);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn request(peer: &str, xff: Option<&str>) -> HttpRequest {
        let mut req = TestRequest::default().peer_addr(format!("{peer}:4000").parse().unwrap());
        if let Some(xff) = xff {
            req = req.insert_header(("X-Forwarded-For", xff));
        }
        req.to_http_request()
    }

    #[test]
    fn an_untrusted_peer_cannot_choose_its_address() {
        let req = request("203.0.113.9", Some("198.51.100.1"));
        assert_eq!(client_address(&req, &[]).to_string(), "203.0.113.9");
    }

    #[test]
    fn behind_trusted_proxies_the_first_untrusted_hop_is_the_client() {
        let proxies = vec!["10.0.0.0/8".parse().unwrap()];
        let req = request("10.0.0.2", Some("198.51.100.7, 203.0.113.5, 10.0.0.3"));
        // 198.51.100.7 was written by the client itself; 203.0.113.5 is who reached our proxy.
        assert_eq!(client_address(&req, &proxies).to_string(), "203.0.113.5");
    }

    #[test]
    fn an_ipv6_client_is_its_network_and_a_mapped_ipv4_client_its_address() {
        let proxies = vec!["127.0.0.1/32".parse().unwrap()];
        let key = |xff| client_key(&request("127.0.0.1", Some(xff)), &proxies, 64).to_string();
        assert_eq!(key("2001:db8:1:2::1"), "2001:db8:1:2::");
        assert_eq!(key("2001:db8:1:2:ffff::9"), "2001:db8:1:2::");
        assert_eq!(key("2001:db8:1:3::1"), "2001:db8:1:3::");
        assert_eq!(key("::ffff:198.51.100.7"), "198.51.100.7");
        assert_eq!(key("198.51.100.7"), "198.51.100.7");
    }

    #[test]
    fn a_failure_ceiling_counts_failures_only_until_its_window_ends() {
        let ceiling = FailureCeiling::new(2, Duration::from_millis(200));
        assert!(ceiling.check(&"a").is_ok());
        ceiling.failed("a");
        assert!(ceiling.check(&"a").is_ok());
        ceiling.failed("a");
        assert!(ceiling.check(&"a").is_err());
        assert!(ceiling.check(&"b").is_ok());
        std::thread::sleep(Duration::from_millis(250));
        assert!(ceiling.check(&"a").is_ok());
    }

    #[test]
    fn limits_are_per_key_and_tell_when_to_retry() {
        let limiter = KeyedLimiter::per_minute(2);
        assert_eq!(limiter.check(&"a").unwrap().remaining, 1);
        assert_eq!(limiter.check(&"a").unwrap().remaining, 0);
        match limiter.check(&"a") {
            Err(ApiError::RateLimited { retry_after, .. }) => {
                assert!(retry_after >= Duration::from_secs(1));
                assert!(retry_after <= Duration::from_secs(30));
            }
            other => panic!("expected a rate limit, got {other:?}"),
        }
        assert!(limiter.check(&"b").is_ok());
    }
}
