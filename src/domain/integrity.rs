//! Defending a count: where signatures came from (by address block, email domain and source),
//! what an organiser may invalidate in bulk, and the addresses refused at signing.

use std::net::IpAddr;

use chrono::{DateTime, Utc};

use super::{Email, FieldError, FieldErrors, SourceCode};

/// The networks a client's address belongs to, as the integrity view groups signatures: for
/// IPv4 its /24; for IPv6 its /64 (one household or device) and its /48 (one site). Only a
/// keyed hash of each is stored (see [`BlockLabel`]); the address itself never is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressBlocks {
    /// `ipv4/24` or `ipv6/64`, and the network in text.
    pub block: (&'static str, String),
    /// `ipv6/48` and the network in text; none for IPv4.
    pub network: Option<(&'static str, String)>,
}

impl AddressBlocks {
    pub fn of(address: IpAddr) -> Self {
        // The network of `prefix` bits that holds the address, as `ipnet` writes it.
        let net = |prefix: u8| {
            ipnet::IpNet::new(address.to_canonical(), prefix)
                .expect("a prefix no longer than the address")
                .trunc()
                .to_string()
        };
        match address.to_canonical() {
            IpAddr::V4(_) => Self {
                block: ("ipv4/24", net(24)),
                network: None,
            },
            IpAddr::V6(_) => Self {
                block: ("ipv6/64", net(64)),
                network: Some(("ipv6/48", net(48))),
            },
        }
    }
}

/// How the integrity view names an address block: its kind and 12 hex digits of a keyed hash
/// of the network (`ipv4/24:3fa2c1e0b4d9`). Two signatures from one block share a label; the
/// label does not give the block away.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockLabel(String);

const BLOCK_KINDS: [&str; 3] = ["ipv4/24", "ipv6/64", "ipv6/48"];
const BLOCK_HASH_DIGITS: usize = 12;

impl BlockLabel {
    /// The label of `network` (of the kind `kind`), given the hash of its text.
    pub fn new(kind: &str, hash_hex: &str) -> Self {
        Self(format!("{kind}:{}", &hash_hex[..BLOCK_HASH_DIGITS]))
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        let wrong = || {
            format!(
                "must be a block as the integrity view names it: one of {} with \
                 {BLOCK_HASH_DIGITS} hex digits, like ipv4/24:3fa2c1e0b4d9",
                BLOCK_KINDS.join(", ")
            )
        };
        let (kind, digits) = raw.trim().split_once(':').ok_or_else(wrong)?;
        if !BLOCK_KINDS.contains(&kind)
            || digits.len() != BLOCK_HASH_DIGITS
            || !digits
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        {
            return Err(wrong());
        }
        Ok(Self(raw.trim().to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An email domain as typed by an organiser: lower case, in its IDNA form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailDomain(String);

impl EmailDomain {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let trimmed = raw.trim().trim_start_matches('@');
        if trimmed.is_empty() || trimmed.len() > 253 {
            return Err("must be a domain of 1 to 253 characters, like example.org".into());
        }
        if trimmed
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '@' || c == '*')
        {
            return Err("must be a domain alone, like example.org".into());
        }
        let ascii =
            idna::domain_to_ascii(trimmed).map_err(|_| "is not a valid domain name".to_string())?;
        if ascii.is_empty() || !ascii.contains('.') {
            return Err("must be a domain with a dot, like example.org".into());
        }
        Ok(Self(ascii))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Which signatures an invalidation takes: every one, pending or confirmed, that meets all
/// the criteria given (at least one).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InvalidationFilter {
    pub block: Option<BlockLabel>,
    pub domain: Option<EmailDomain>,
    /// A partner's code, or `None` inside for signatures that came with none (direct).
    pub source: Option<Option<SourceCode>>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub emails: Option<Vec<Email>>,
}

/// At most this many emails in one pasted list.
pub const MAX_LISTED_EMAILS: usize = 10_000;

/// What an invalidation's filter was sent as, before parsing.
#[derive(Debug, Clone, Default)]
pub struct InvalidationFilterForm {
    pub block: Option<String>,
    pub domain: Option<String>,
    pub source: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub emails: Option<Vec<String>>,
}

impl InvalidationFilter {
    /// Every fault at once, each under `filter.<field>`.
    pub fn parse(form: InvalidationFilterForm) -> Result<Self, Vec<FieldError>> {
        let mut errors = FieldErrors::default();
        let block = form
            .block
            .and_then(|raw| errors.check("filter.block", BlockLabel::parse(&raw)));
        let domain = form
            .domain
            .and_then(|raw| errors.check("filter.domain", EmailDomain::parse(&raw)));
        let source = form.source.and_then(|raw| {
            if raw.trim() == "direct" {
                Some(None)
            } else {
                errors
                    .check("filter.source", SourceCode::parse(&raw))
                    .map(Some)
            }
        });
        let emails = form.emails.and_then(|list| {
            if list.is_empty() || list.len() > MAX_LISTED_EMAILS {
                errors.push(FieldError::new(
                    "filter.emails",
                    format!("must list 1 to {MAX_LISTED_EMAILS} email addresses"),
                ));
                return None;
            }
            let mut parsed = Vec::with_capacity(list.len());
            for (i, raw) in list.iter().enumerate() {
                match Email::parse(raw) {
                    Ok(email) => parsed.push(email),
                    Err(message) => {
                        errors.push(FieldError::new(format!("filter.emails[{i}]"), message));
                        break;
                    }
                }
            }
            Some(parsed)
        });
        if let (Some(from), Some(to)) = (form.from, form.to)
            && from >= to
        {
            errors.push(FieldError::new("filter.to", "must be after filter.from"));
        }
        let filter = Self {
            block,
            domain,
            source,
            from: form.from,
            to: form.to,
            emails,
        };
        if errors.is_empty() && filter == Self::default() {
            errors.push(FieldError::new(
                "filter",
                "must name at least one of block, domain, source, from, to or emails",
            ));
        }
        if errors.is_empty() {
            Ok(filter)
        } else {
            Err(errors.into_vec())
        }
    }
}

impl InvalidationFilter {
    /// The filter as recorded and listed: its criteria, with a pasted list of emails counted,
    /// never kept.
    pub fn record(&self) -> serde_json::Value {
        let mut record = serde_json::Map::new();
        if let Some(block) = &self.block {
            record.insert("block".into(), block.as_str().into());
        }
        if let Some(domain) = &self.domain {
            record.insert("domain".into(), domain.as_str().into());
        }
        if let Some(source) = &self.source {
            let code = source.as_ref().map_or("direct", |c| c.as_str());
            record.insert("source".into(), code.into());
        }
        if let Some(from) = self.from {
            record.insert("from".into(), serde_json::json!(from));
        }
        if let Some(to) = self.to {
            record.insert("to".into(), serde_json::json!(to));
        }
        if let Some(emails) = &self.emails {
            record.insert("emails".into(), emails.len().into());
        }
        serde_json::Value::Object(record)
    }
}

/// How many signatures an invalidation takes (or would), and a few of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidationFigures {
    pub signatures: u64,
    pub confirmed: u64,
    pub sample: Vec<InvalidationSample>,
}

/// One signature an invalidation takes, as the organiser previewing it sees it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct InvalidationSample {
    pub id: uuid::Uuid,
    pub name: Option<String>,
    pub email: Option<String>,
    pub status: String,
    pub signed_at: DateTime<Utc>,
}

/// Why an organiser invalidated signatures, for the record: up to 500 characters, line breaks
/// kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidationReason(String);

impl InvalidationReason {
    pub fn parse(raw: &str) -> Result<Self, String> {
        super::text::parse_text(raw, 500, true).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How long invalidated signatures can be put back.
pub const RESTORABLE_DAYS: i64 = 30;

/// One entry of a blocklist: a domain (`example.org`, which also blocks its subdomains;
/// `*.example.org` blocks only the subdomains) or an email pattern with `*` wildcards
/// (`*+petition@example.org`), compared with the email in its canonical form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlockPattern {
    Domain(String),
    Subdomains(String),
    Email(String),
}

/// At most this many entries in one blocklist.
pub const MAX_BLOCKLIST: usize = 1_000;

impl BlockPattern {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let trimmed = raw.trim().to_lowercase();
        if trimmed.is_empty() || trimmed.len() > 254 {
            return Err("must be 1 to 254 characters".into());
        }
        if trimmed.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err("must have no spaces or control characters".into());
        }
        if let Some((local, domain)) = trimmed.rsplit_once('@') {
            if local.is_empty() || domain.is_empty() {
                return Err(
                    "must have something on both sides of the @, like *@example.org".into(),
                );
            }
            let domain = if domain.contains('*') {
                domain.to_owned()
            } else {
                EmailDomain::parse(domain)?.0
            };
            return Ok(Self::Email(format!("{local}@{domain}")));
        }
        match trimmed.strip_prefix("*.") {
            Some(rest) => Ok(Self::Subdomains(EmailDomain::parse(rest)?.0)),
            None if trimmed.contains('*') => Err(
                "may use * only as a whole first label (*.example.org) or in an email pattern"
                    .into(),
            ),
            None => Ok(Self::Domain(EmailDomain::parse(&trimmed)?.0)),
        }
    }

    /// As listed and stored.
    pub fn as_text(&self) -> String {
        match self {
            Self::Domain(d) | Self::Email(d) => d.clone(),
            Self::Subdomains(d) => format!("*.{d}"),
        }
    }

    pub fn matches(&self, email: &Email) -> bool {
        let address = email.as_str();
        let domain = email.domain();
        match self {
            Self::Domain(d) => domain == d || is_subdomain(domain, d),
            Self::Subdomains(d) => is_subdomain(domain, d),
            Self::Email(pattern) => glob_matches(pattern, address),
        }
    }
}

fn is_subdomain(domain: &str, parent: &str) -> bool {
    domain
        .strip_suffix(parent)
        .is_some_and(|head| head.ends_with('.'))
}

/// `*` matches any run of characters (none included); everything else matches itself.
fn glob_matches(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    // Without a `*`, the pattern is the address itself.
    let [first, middle @ .., last] = parts.as_slice() else {
        return pattern == text;
    };
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// A list of blocked domains and patterns, parsed; duplicates dropped, order kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Blocklist(Vec<BlockPattern>);

impl Blocklist {
    /// Every fault at once, under `field[i]`.
    pub fn parse(field: &str, raw: &[String]) -> Result<Self, Vec<FieldError>> {
        let mut errors = FieldErrors::default();
        if raw.len() > MAX_BLOCKLIST {
            errors.push(FieldError::new(
                field,
                format!("must list at most {MAX_BLOCKLIST} entries"),
            ));
            return Err(errors.into_vec());
        }
        let mut patterns: Vec<BlockPattern> = Vec::with_capacity(raw.len());
        for (i, entry) in raw.iter().enumerate() {
            if let Some(pattern) =
                errors.check(&format!("{field}[{i}]"), BlockPattern::parse(entry))
                && !patterns.contains(&pattern)
            {
                patterns.push(pattern);
            }
        }
        if errors.is_empty() {
            Ok(Self(patterns))
        } else {
            Err(errors.into_vec())
        }
    }

    /// As stored: patterns that were checked when they were set.
    pub fn from_stored(entries: &[String]) -> Self {
        Self(
            entries
                .iter()
                .filter_map(|e| BlockPattern::parse(e).ok())
                .collect(),
        )
    }

    pub fn entries(&self) -> Vec<String> {
        self.0.iter().map(BlockPattern::as_text).collect()
    }

    pub fn blocks(&self, email: &Email) -> bool {
        self.0.iter().any(|p| p.matches(email))
    }
}

/// The domains of services that hand out throwaway inboxes (see data/disposable/README.md).
static DISPOSABLE_DOMAINS: &str = include_str!("../../data/disposable/domains.txt");

/// Whether an email's domain, or a domain it is under, hands out throwaway inboxes.
pub fn is_disposable(email: &Email) -> bool {
    use std::collections::HashSet;
    use std::sync::OnceLock;
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    let set = SET.get_or_init(|| DISPOSABLE_DOMAINS.lines().collect());
    let mut domain = email.domain();
    loop {
        if set.contains(domain) {
            return true;
        }
        match domain.split_once('.') {
            Some((_, parent)) if parent.contains('.') => domain = parent,
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email(raw: &str) -> Email {
        Email::parse(raw).unwrap()
    }

    #[test]
    fn blocks_are_cut_to_their_networks() {
        let v4 = AddressBlocks::of("203.0.113.77".parse().unwrap());
        assert_eq!(v4.block, ("ipv4/24", "203.0.113.0/24".to_owned()));
        assert_eq!(v4.network, None);
        let v6 = AddressBlocks::of("2001:db8:1:2:3:4:5:6".parse().unwrap());
        assert_eq!(v6.block.1, "2001:db8:1:2::/64");
        assert_eq!(v6.network.unwrap().1, "2001:db8:1::/48");
        // An IPv4 address seen through IPv6 is the IPv4 address.
        let mapped = AddressBlocks::of("::ffff:203.0.113.9".parse().unwrap());
        assert_eq!(mapped.block.1, "203.0.113.0/24");
    }

    #[test]
    fn block_labels_are_checked() {
        assert!(BlockLabel::parse("ipv4/24:3fa2c1e0b4d9").is_ok());
        for bad in [
            "",
            "ipv4/24",
            "ipv4/16:3fa2c1e0b4d9",
            "ipv4/24:3FA2C1E0B4D9",
            "ipv4/24:3fa2",
            "203.0.113.0/24",
        ] {
            assert!(BlockLabel::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn patterns_match_domains_subdomains_and_globs() {
        let domain = BlockPattern::parse("Example.ORG").unwrap();
        assert!(domain.matches(&email("a@example.org")));
        assert!(domain.matches(&email("a@mail.example.org")));
        assert!(!domain.matches(&email("a@notexample.org")));
        let subdomains = BlockPattern::parse("*.example.org").unwrap();
        assert!(!subdomains.matches(&email("a@example.org")));
        assert!(subdomains.matches(&email("a@x.example.org")));
        let glob = BlockPattern::parse("bot*@example.net").unwrap();
        assert!(glob.matches(&email("bot123@example.net")));
        assert!(glob.matches(&email("bot@example.net")));
        assert!(!glob.matches(&email("robot@example.net")));
        let welsh = BlockPattern::parse("caerdydd.cymru").unwrap();
        assert!(welsh.matches(&email("a@caerdydd.cymru")));
        assert!(BlockPattern::parse("exa*mple.org").is_err());
        assert!(BlockPattern::parse("").is_err());
        assert!(BlockPattern::parse("a b.org").is_err());
    }

    #[test]
    fn disposable_domains_and_their_subdomains_are_known() {
        assert!(is_disposable(&email("x@mailinator.com")));
        assert!(is_disposable(&email("x@eu.mailinator.com")));
        assert!(!is_disposable(&email("x@nyas.net")));
    }

    #[test]
    fn a_filter_needs_a_criterion_and_checks_each() {
        let none = InvalidationFilter::parse(InvalidationFilterForm::default()).unwrap_err();
        let fields = |e: Vec<FieldError>| e.into_iter().map(|e| e.field).collect::<Vec<_>>();
        assert_eq!(fields(none), vec!["filter"]);
        let bad = InvalidationFilter::parse(InvalidationFilterForm {
            block: Some("nope".into()),
            domain: Some("a b".into()),
            emails: Some(vec!["ok@example.org".into(), "=HYPERLINK(1)".into()]),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(
            fields(bad),
            vec!["filter.block", "filter.domain", "filter.emails[1]"]
        );
        let direct = InvalidationFilter::parse(InvalidationFilterForm {
            source: Some("direct".into()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(direct.source, Some(None));
    }
}
