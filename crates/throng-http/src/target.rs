//! Where a request goes: its URL checked and split into the origin that
//! picks the connection and the parts that go on the wire.

use std::net::IpAddr;

use http::Uri;

use crate::ErrorKind;
use crate::error::Failure;

/// The two schemes we speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Scheme {
    Http,
    Https,
}

/// A parsed request URL.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub(crate) scheme: Scheme,
    pub(crate) port: u16,
    /// Absolute form, as HTTP/2 wants it.
    pub(crate) uri: Uri,
}

impl Target {
    /// Parses an absolute `http://` or `https://` URL.
    pub(crate) fn parse(url: &str) -> Result<Target, Failure> {
        let invalid = |why: String| Failure::new(ErrorKind::InvalidRequest, why);
        let not_absolute = || {
            invalid(format!(
                "URL {url:?} is not absolute: it needs http:// or https://"
            ))
        };
        if !url.contains("://") {
            return Err(not_absolute());
        }
        let uri: Uri = url
            .parse()
            .map_err(|e| invalid(format!("invalid URL {url:?}: {e}")))?;
        let scheme = match uri.scheme_str() {
            Some(s) if s.eq_ignore_ascii_case("http") => Scheme::Http,
            Some(s) if s.eq_ignore_ascii_case("https") => Scheme::Https,
            Some(s) => return Err(invalid(format!("unsupported scheme {s:?} in URL {url:?}"))),
            None => return Err(not_absolute()),
        };
        let Some(authority) = uri.authority() else {
            return Err(invalid(format!("URL {url:?} has no host")));
        };
        if authority.as_str().contains('@') {
            return Err(invalid(format!(
                "URL {url:?} carries credentials; send an authorization header instead"
            )));
        }
        if authority.host().is_empty() {
            return Err(invalid(format!("URL {url:?} has no host")));
        }
        let port = match authority.port_u16() {
            Some(port) => port,
            None if authority.as_str().ends_with(':') => {
                return Err(invalid(format!("URL {url:?} has an empty port")));
            }
            None => match scheme {
                Scheme::Http => 80,
                Scheme::Https => 443,
            },
        };
        Ok(Target { scheme, port, uri })
    }

    /// The host as DNS and TLS want it: IPv6 without brackets.
    pub(crate) fn host(&self) -> &str {
        let host = self.uri.host().unwrap_or_default();
        host.strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host)
    }

    /// The host if it is an IP address, which needs no DNS.
    pub(crate) fn ip(&self) -> Option<IpAddr> {
        self.host().parse().ok()
    }

    /// `host[:port]` as written in the URL, for the `host` header.
    pub(crate) fn authority(&self) -> &str {
        self.uri.authority().map_or("", |a| a.as_str())
    }

    /// The path and query for the HTTP/1.1 request line (`/` when empty).
    pub(crate) fn origin_form(&self) -> &str {
        match self.uri.path_and_query() {
            Some(pq) if !pq.as_str().is_empty() => pq.as_str(),
            _ => "/",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(url: &str) -> Target {
        Target::parse(url).unwrap_or_else(|e| panic!("{url}: {}", e.message))
    }

    fn reject(url: &str) -> String {
        let failure = Target::parse(url).expect_err(url);
        assert_eq!(failure.kind, ErrorKind::InvalidRequest);
        failure.message
    }

    #[test]
    fn names_ipv4_and_ipv6_hosts() {
        let t = parse("http://example.com/a?b=c");
        assert_eq!(
            (t.scheme, t.host(), t.port),
            (Scheme::Http, "example.com", 80)
        );
        assert_eq!(t.authority(), "example.com");
        assert_eq!(t.origin_form(), "/a?b=c");
        assert_eq!(t.ip(), None);

        let t = parse("https://127.0.0.1:8443");
        assert_eq!(
            (t.scheme, t.host(), t.port),
            (Scheme::Https, "127.0.0.1", 8443)
        );
        assert_eq!(t.authority(), "127.0.0.1:8443");
        assert_eq!(t.origin_form(), "/");
        assert!(t.ip().is_some());

        let t = parse("https://[::1]/x");
        assert_eq!((t.host(), t.port), ("::1", 443));
        assert_eq!(t.authority(), "[::1]");
        assert_eq!(t.ip(), Some("::1".parse().unwrap()));

        assert_eq!(parse("HTTPS://example.com").scheme, Scheme::Https);
    }

    #[test]
    fn rejects_what_we_cannot_send() {
        assert_eq!(
            reject("ftp://x"),
            r#"unsupported scheme "ftp" in URL "ftp://x""#
        );
        assert_eq!(
            reject("example.com/a"),
            r#"URL "example.com/a" is not absolute: it needs http:// or https://"#
        );
        assert!(
            reject("http://exa mple.com/").starts_with(r#"invalid URL "http://exa mple.com/": "#)
        );
        assert!(reject("http://u:p@example.com/").contains("credentials"));
        assert!(reject("").contains("not absolute"));
        for url in ["http://", "http:///a", "http://:80/"] {
            let message = reject(url);
            assert!(
                message.contains("invalid URL") || message.contains("no host"),
                "{url}: {message}"
            );
        }
    }
}
