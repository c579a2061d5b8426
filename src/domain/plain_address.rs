//! The one plain shape the service takes for an organisation's own web addresses (its website
//! and its privacy notice): `https://`, a host of labels that each start with a
//! letter, an optional port of up to four digits, then a path and a query written in URL-safe
//! ASCII. No spaces, no fragment, no user name, no characters a person cannot read back from a
//! printed letter. openapi.yaml states the same grammar as a pattern, so a client that
//! validates against the contract and the server agree on every address.

/// The characters a path may hold (RFC 3986's unreserved and sub-delimiters, `:`, `@`, `%`
/// and `/`).
fn path_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "._~!$&'()*+,;=:@%/-".contains(c)
}

fn label(label: &str) -> bool {
    label.starts_with(|c: char| c.is_ascii_alphabetic())
        && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

fn port(port: &str) -> bool {
    (1..=4).contains(&port.len()) && port.chars().all(|c| c.is_ascii_digit())
}

/// Whether `rest` (an address after its scheme) is a host of at least `min_labels` labels, an
/// optional port, a path, and (where `query` allows) a query.
fn after_scheme(rest: &str, min_labels: usize, query: bool) -> bool {
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let (host, port_part) = match authority.split_once(':') {
        Some((host, number)) => (host, Some(number)),
        None => (authority, None),
    };
    let labels: Vec<&str> = host.split('.').collect();
    if labels.len() < min_labels || !labels.iter().all(|l| label(l)) {
        return false;
    }
    if port_part.is_some_and(|p| !port(p)) {
        return false;
    }
    let (path, query_part) = match tail.split_once('?') {
        Some((path, asked)) => (path, Some(asked)),
        None => (tail, None),
    };
    path.chars().all(path_char)
        && match query_part {
            None => true,
            Some(asked) => query && asked.chars().all(|c| path_char(c) || c == '?'),
        }
}

/// An `https://` address of a public site: a host of at least two labels.
pub fn public_https(address: &str) -> bool {
    address
        .strip_prefix("https://")
        .is_some_and(|rest| after_scheme(rest, 2, true))
}

/// An `https://` address with a host of any number of labels, or `http://` on this machine
/// (`localhost` or `127.0.0.1`, for trying the service out), without a query.
pub fn https_or_local(address: &str) -> bool {
    if let Some(rest) = address.strip_prefix("https://") {
        return after_scheme(rest, 1, true);
    }
    address.strip_prefix("http://").is_some_and(|rest| {
        let local = ["localhost", "127.0.0.1"].into_iter().find_map(|host| {
            rest.strip_prefix(host)
                .filter(|after| after.is_empty() || after.starts_with([':', '/']))
        });
        local.is_some_and(|after| {
            let end = after.find('/').unwrap_or(after.len());
            let (port_part, path) = after.split_at(end);
            (port_part.is_empty() || port_part.strip_prefix(':').is_some_and(port))
                && path.chars().all(path_char)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_taken_only_in_the_plain_shape() {
        for taken in [
            "https://togetherforchildren.org.uk",
            "https://togetherforchildren.org.uk/",
            "https://www.article39.org.uk:8443/pledge/badge?from=nyas&x=1",
            "https://a.b/p%C3%A2ge",
        ] {
            assert!(public_https(taken), "{taken}");
            assert!(https_or_local(taken), "{taken}");
        }
        for refused in [
            "http://togetherforchildren.org.uk",
            "https://localhost",
            "https://1.2.3.4",
            "https://a.1b",
            "https://a..b",
            "https://-a.b",
            "https://a.b:",
            "https://a.b:12345",
            "https://a.b/x y",
            "https://a.b/x#top",
            "https://a.b/x?\u{202f}*",
            "https://user@a.b",
            "https://ex\u{e2}mple.org",
            "https://a.b/\u{e2}",
        ] {
            assert!(!public_https(refused), "{refused}");
        }
        assert!(https_or_local("https://localhost/privacy"));
        assert!(https_or_local("http://localhost:8080/privacy"));
        assert!(https_or_local("http://127.0.0.1/privacy"));
        assert!(!https_or_local("http://localhost.evil.example/privacy"));
        assert!(!https_or_local("http://localhost/privacy?x"));
        assert!(!https_or_local("http://article39.org.uk/privacy"));
    }
}
