//! Which hosts a run's requests may reach, checked before any socket is
//! opened: first the URL's host and port against the list, then, for a host
//! name, every address DNS gave for it.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::str::FromStr;

use crate::ErrorKind;
use crate::error::Failure;
use crate::target::Target;

/// The hosts requests may go to.
///
/// A request is checked before anything leaves the machine, in two steps:
///
/// 1. Its URL's host and port must match an [`AllowedHost`]. A host name
///    matches an entry with the same name (ASCII case and a trailing dot
///    ignored) or a `*.` wildcard it is a subdomain of; an IP address
///    matches an entry naming that address. An entry with a port matches
///    that port only, one without matches any port.
/// 2. A host name is then resolved, and each address is screened. Loopback
///    (127.0.0.0/8, `::1`), private (10/8, 172.16/12, 192.168/16,
///    100.64/10, fc00::/7, fec0::/10), link-local (169.254/16 with the
///    cloud metadata address 169.254.169.254, fe80::/10), unspecified
///    (0.0.0.0/8, `::`), broadcast and multicast addresses are never
///    dialed for a host name, unless the list names that address itself
///    (an IP entry whose port, if it has one, is the request's), or, for
///    loopback, the host is `localhost`. So an allowed name that a hostile
///    DNS answer points at the metadata service or the office network
///    (DNS rebinding) is refused. Refused addresses are skipped; when none
///    is left the request is denied.
///
/// An IP address in the URL skips step 2: the entry that let it through
/// names it. A denied request fails with
/// [`ErrorKind::Denied`](crate::ErrorKind::Denied), opens no socket, and for
/// step 1 sends no DNS query either.
///
/// The client never follows redirects: a 3xx response goes back to the
/// caller, and a request to its `location` is a new request, checked the
/// same way.
///
/// [`AllowList::any`] (an entry `*`) turns both steps off.
/// [`AllowList::default`] allows nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowList {
    any: bool,
    entries: Vec<AllowedHost>,
}

/// One entry of an [`AllowList`], parsed from text with [`str::parse`]:
///
/// | text | matches |
/// |---|---|
/// | `api.example.com` | that host, on any port |
/// | `api.example.com:8443` | that host on port 8443 only |
/// | `*.example.com` | every subdomain of `example.com` (not `example.com` itself), any port |
/// | `*.example.com:443` | those subdomains on port 443 only |
/// | `127.0.0.1`, `127.0.0.1:8080` | that IPv4 address, any port or one |
/// | `::1`, `[::1]`, `[::1]:8080` | that IPv6 address, any port or one |
/// | `*` | everything: the check is off |
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AllowedHost {
    pattern: Pattern,
    port: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Pattern {
    /// Every host.
    Any,
    /// One host name, lower case, without a trailing dot.
    Name(Box<str>),
    /// Subdomains of a name: `.example.com`, lower case, with the dot.
    Subdomains(Box<str>),
    /// One IP address.
    Ip(IpAddr),
}

/// Why a text is not an [`AllowedHost`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AllowHostError {
    /// The text is empty.
    #[error("an allowed host cannot be empty")]
    Empty,
    /// The text is a URL rather than a host.
    #[error("{0:?} is a URL; write the host, as `api.example.com` or `api.example.com:8443`")]
    Url(String),
    /// The port is not a number from 1 to 65535.
    #[error("{text:?} has an invalid port {port:?}; a port is a number from 1 to 65535")]
    Port {
        /// The whole text.
        text: String,
        /// What stood after the colon.
        port: String,
    },
    /// `*` was given a port or a suffix other than `.domain`.
    #[error("{0:?}: `*` stands alone (every host) or starts `*.example.com` (its subdomains)")]
    Wildcard(String),
    /// The host is neither a host name nor an IP address.
    #[error(
        "{0:?} is not a host name or IP address (names are letters, digits, `-` and `_` between dots)"
    )]
    Host(String),
}

impl AllowList {
    /// Every host is allowed and no address is screened: the check is off.
    pub fn any() -> AllowList {
        AllowList {
            any: true,
            entries: Vec::new(),
        }
    }

    /// Only what `entries` match; an entry `*` turns the check off.
    pub fn only(entries: impl IntoIterator<Item = AllowedHost>) -> AllowList {
        let mut list = AllowList::default();
        list.extend(entries);
        list
    }

    /// Adds `entries`, skipping ones already listed.
    pub fn extend(&mut self, entries: impl IntoIterator<Item = AllowedHost>) {
        for entry in entries {
            if entry.pattern == Pattern::Any {
                self.any = true;
            } else if !self.entries.contains(&entry) {
                self.entries.push(entry);
            }
        }
    }

    /// Whether the check is off.
    pub fn allows_any(&self) -> bool {
        self.any
    }

    /// The entries, in the order given (without `*`).
    pub fn entries(&self) -> &[AllowedHost] {
        &self.entries
    }

    /// Step 1: the URL's host and port against the entries.
    pub(crate) fn check(&self, target: &Target) -> Result<Grant, Failure> {
        if self.any {
            return Ok(Grant::Unscreened);
        }
        let port = target.port;
        let ports = |e: &&AllowedHost| e.port.is_none_or(|p| p == port);
        let mut matching = self.entries.iter().filter(ports);
        let grant = match target.ip() {
            Some(ip) => matching
                .any(|e| e.pattern == Pattern::Ip(ip))
                .then_some(Grant::Unscreened),
            None => {
                let host = normalize(target.host());
                let named = matching.any(|e| match &e.pattern {
                    Pattern::Name(name) => **name == *host,
                    Pattern::Subdomains(suffix) => {
                        host.len() > suffix.len() && host.ends_with(&**suffix)
                    }
                    Pattern::Any | Pattern::Ip(_) => false,
                });
                named.then_some(Grant::Screened {
                    localhost: host == "localhost",
                })
            }
        };
        grant.ok_or_else(|| {
            let entry = hint(target.host(), port);
            Failure::new(
                ErrorKind::Denied,
                format!(
                    "{entry} is not an allowed host; add it to allow_hosts or pass --allow-host {entry}"
                ),
            )
        })
    }

    /// Step 2: drops the addresses a host name may not reach under `grant`;
    /// denied when none is left.
    pub(crate) fn screen(
        &self,
        grant: Grant,
        host: &str,
        mut addrs: Vec<SocketAddr>,
    ) -> Result<Vec<SocketAddr>, Failure> {
        let Grant::Screened { localhost } = grant else {
            return Ok(addrs);
        };
        let mut refused = None;
        addrs.retain(|addr| {
            let Some(kind) = restricted(addr.ip()) else {
                return true;
            };
            let named = self.entries.iter().any(|e| {
                e.pattern == Pattern::Ip(addr.ip()) && e.port.is_none_or(|p| p == addr.port())
            });
            let ok = named || (localhost && kind == Restricted::Loopback);
            if !ok && refused.is_none() {
                refused = Some((*addr, kind));
            }
            ok
        });
        match refused {
            Some((addr, kind)) if addrs.is_empty() => {
                let ip = hint(&addr.ip().to_string(), addr.port());
                Err(Failure::new(
                    ErrorKind::Denied,
                    format!(
                        "{host} resolves to {}, a {kind} address, which an allowed host name may not reach; if that is intended, add {ip} to allow_hosts or pass --allow-host {ip}",
                        addr.ip()
                    ),
                ))
            }
            _ => Ok(addrs),
        }
    }
}

/// What step 1 decided about the addresses a request may reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Grant {
    /// No screening: the check is off, or the URL's IP address is named.
    Unscreened,
    /// A host name: its addresses are screened.
    Screened {
        /// The host is `localhost`, so loopback addresses may be reached.
        localhost: bool,
    },
}

impl AllowedHost {
    /// The host and port a URL goes to, `None` unless it is an absolute
    /// `http://` or `https://` URL. A URL without a port gives its scheme's
    /// (80 or 443).
    pub fn from_url(url: &str) -> Option<AllowedHost> {
        let target = Target::parse(url).ok()?;
        let pattern = match target.ip() {
            Some(ip) => Pattern::Ip(ip),
            None => Pattern::Name(normalize(target.host()).into()),
        };
        Some(AllowedHost {
            pattern,
            port: Some(target.port),
        })
    }

    /// Whether this entry names one host (an IP address or a name) on one
    /// port: a single destination, whose connections from one local
    /// address the local port range bounds.
    pub fn is_one_destination(&self) -> bool {
        self.port.is_some() && matches!(self.pattern, Pattern::Ip(_) | Pattern::Name(_))
    }

    /// The IP address this entry names, if it names one.
    pub fn ip(&self) -> Option<IpAddr> {
        match self.pattern {
            Pattern::Ip(ip) => Some(ip),
            _ => None,
        }
    }
}

impl FromStr for AllowedHost {
    type Err = AllowHostError;

    fn from_str(text: &str) -> Result<AllowedHost, AllowHostError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(AllowHostError::Empty);
        }
        if text.contains("://") || text.contains('/') {
            return Err(AllowHostError::Url(text.to_owned()));
        }
        if text == "*" {
            return Ok(AllowedHost {
                pattern: Pattern::Any,
                port: None,
            });
        }
        // A bare IPv6 address has colons of its own and so no port.
        if let Ok(ip) = text.parse::<Ipv6Addr>() {
            return Ok(AllowedHost {
                pattern: Pattern::Ip(IpAddr::V6(ip)),
                port: None,
            });
        }
        let (host, port) = if let Some(rest) = text.strip_prefix('[') {
            let Some((inside, after)) = rest.split_once(']') else {
                return Err(AllowHostError::Host(text.to_owned()));
            };
            let ip = inside
                .parse::<Ipv6Addr>()
                .map_err(|_| AllowHostError::Host(text.to_owned()))?;
            let port = match after {
                "" => None,
                _ => match after.strip_prefix(':') {
                    Some(port) => Some(port),
                    None => return Err(AllowHostError::Host(text.to_owned())),
                },
            };
            (Pattern::Ip(IpAddr::V6(ip)), port)
        } else {
            let (host, port) = match text.rsplit_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (text, None),
            };
            (host_pattern(text, host)?, port)
        };
        let port = match port {
            None => None,
            Some(p) => match p.parse::<u16>() {
                Ok(n) if n > 0 => Some(n),
                _ => {
                    return Err(AllowHostError::Port {
                        text: text.to_owned(),
                        port: p.to_owned(),
                    });
                }
            },
        };
        Ok(AllowedHost {
            pattern: host,
            port,
        })
    }
}

/// The pattern of `host`, the part before any port of `text`.
fn host_pattern(text: &str, host: &str) -> Result<Pattern, AllowHostError> {
    if let Ok(ip) = host.parse::<Ipv4Addr>() {
        return Ok(Pattern::Ip(IpAddr::V4(ip)));
    }
    let (wildcard, name) = match host.strip_prefix("*.") {
        Some(name) => (true, name),
        None => (false, host),
    };
    if name.contains('*') {
        return Err(AllowHostError::Wildcard(text.to_owned()));
    }
    let name = normalize(name);
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && l.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if name.is_empty() || name.len() > 253 || !name.split('.').all(label_ok) {
        return Err(AllowHostError::Host(text.to_owned()));
    }
    Ok(if wildcard {
        Pattern::Subdomains(format!(".{name}").into())
    } else {
        Pattern::Name(name.into())
    })
}

impl fmt::Display for AllowedHost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let host = match &self.pattern {
            Pattern::Any => return f.write_str("*"),
            Pattern::Name(name) => name.to_string(),
            Pattern::Subdomains(suffix) => format!("*{suffix}"),
            Pattern::Ip(IpAddr::V4(ip)) => ip.to_string(),
            Pattern::Ip(IpAddr::V6(ip)) if self.port.is_some() => format!("[{ip}]"),
            Pattern::Ip(IpAddr::V6(ip)) => ip.to_string(),
        };
        match self.port {
            Some(port) => write!(f, "{host}:{port}"),
            None => f.write_str(&host),
        }
    }
}

/// `host:port` as an allow entry would be written, IPv6 in brackets.
fn hint(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// A host name as entries hold it: lower case, no trailing dot.
fn normalize(host: &str) -> String {
    host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase()
}

/// The ranges a host name may not reach unless the list names the address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Restricted {
    Loopback,
    Private,
    LinkLocal,
    Unspecified,
    Broadcast,
    Multicast,
}

impl fmt::Display for Restricted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Restricted::Loopback => "loopback",
            Restricted::Private => "private",
            Restricted::LinkLocal => "link-local (cloud metadata)",
            Restricted::Unspecified => "unspecified",
            Restricted::Broadcast => "broadcast",
            Restricted::Multicast => "multicast",
        })
    }
}

/// The restricted range `ip` falls in, if any. IPv4 addresses written as
/// IPv6 (`::ffff:a.b.c.d`, and NAT64's `64:ff9b::a.b.c.d`) count as the
/// IPv4 address they carry.
fn restricted(ip: IpAddr) -> Option<Restricted> {
    match ip.to_canonical() {
        IpAddr::V4(v4) => restricted_v4(v4),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
                let [a, b] = s[6].to_be_bytes();
                let [c, d] = s[7].to_be_bytes();
                return restricted_v4(Ipv4Addr::new(a, b, c, d));
            }
            if v6.is_loopback() {
                Some(Restricted::Loopback)
            } else if v6.is_unspecified() {
                Some(Restricted::Unspecified)
            } else if v6.is_unicast_link_local() {
                Some(Restricted::LinkLocal)
            } else if v6.is_unique_local() || s[0] & 0xffc0 == 0xfec0 {
                // fc00::/7, and the old site-local fec0::/10.
                Some(Restricted::Private)
            } else if v6.is_multicast() {
                Some(Restricted::Multicast)
            } else {
                None
            }
        }
    }
}

fn restricted_v4(ip: Ipv4Addr) -> Option<Restricted> {
    let [a, b, ..] = ip.octets();
    if ip.is_loopback() {
        Some(Restricted::Loopback)
    } else if a == 0 {
        // 0.0.0.0/8: connecting to 0.0.0.0 reaches this machine on Linux.
        Some(Restricted::Unspecified)
    } else if ip.is_link_local() {
        Some(Restricted::LinkLocal)
    } else if ip.is_private() || (a == 100 && b & 0xc0 == 64) {
        // 100.64/10, carrier-grade NAT, holds some clouds' metadata too.
        Some(Restricted::Private)
    } else if ip.is_broadcast() {
        Some(Restricted::Broadcast)
    } else if ip.is_multicast() {
        Some(Restricted::Multicast)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(entries: &[&str]) -> AllowList {
        AllowList::only(entries.iter().map(|e| e.parse::<AllowedHost>().unwrap()))
    }

    fn check(list: &AllowList, url: &str) -> Result<Grant, String> {
        let target = Target::parse(url).unwrap();
        list.check(&target).map_err(|f| {
            assert_eq!(f.kind, ErrorKind::Denied);
            f.message
        })
    }

    #[test]
    fn entries_parse_and_print_back() {
        for (text, printed) in [
            ("api.example.com", "api.example.com"),
            ("API.Example.com.", "api.example.com"),
            ("api.example.com:8443", "api.example.com:8443"),
            ("*.example.com", "*.example.com"),
            ("*.example.com:443", "*.example.com:443"),
            ("127.0.0.1", "127.0.0.1"),
            ("127.0.0.1:8080", "127.0.0.1:8080"),
            ("::1", "::1"),
            ("[::1]", "::1"),
            ("[::1]:8080", "[::1]:8080"),
            ("localhost", "localhost"),
            ("my_host-1.internal", "my_host-1.internal"),
            (" 10.0.0.5 ", "10.0.0.5"),
            ("*", "*"),
        ] {
            let entry: AllowedHost = text.parse().unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(entry.to_string(), printed, "{text}");
        }
    }

    #[test]
    fn bad_entries_say_what_is_wrong() {
        for (text, expected) in [
            ("", AllowHostError::Empty),
            (
                "http://api.example.com",
                AllowHostError::Url("http://api.example.com".into()),
            ),
            (
                "api.example.com/v1",
                AllowHostError::Url("api.example.com/v1".into()),
            ),
            (
                "api.example.com:0",
                AllowHostError::Port {
                    text: "api.example.com:0".into(),
                    port: "0".into(),
                },
            ),
            (
                "api.example.com:http",
                AllowHostError::Port {
                    text: "api.example.com:http".into(),
                    port: "http".into(),
                },
            ),
            (
                "api.example.com:",
                AllowHostError::Port {
                    text: "api.example.com:".into(),
                    port: "".into(),
                },
            ),
            ("*:80", AllowHostError::Wildcard("*:80".into())),
            ("a.*.com", AllowHostError::Wildcard("a.*.com".into())),
            (
                "*example.com",
                AllowHostError::Wildcard("*example.com".into()),
            ),
            ("exa mple.com", AllowHostError::Host("exa mple.com".into())),
            ("a..b", AllowHostError::Host("a..b".into())),
            ("[::1", AllowHostError::Host("[::1".into())),
            ("[::1]8080", AllowHostError::Host("[::1]8080".into())),
            ("[nope]:1", AllowHostError::Host("[nope]:1".into())),
        ] {
            assert_eq!(text.parse::<AllowedHost>(), Err(expected), "{text:?}");
        }
        let message = "http://x".parse::<AllowedHost>().unwrap_err().to_string();
        assert!(message.contains("write the host"), "{message}");
    }

    #[test]
    fn hosts_match_by_name_wildcard_address_and_port() {
        let list = list(&[
            "api.example.com",
            "*.cdn.example.com",
            "pinned.example.com:8443",
            "127.0.0.1:8080",
            "[::1]:9000",
            "10.0.0.5",
            "localhost",
        ]);
        let allowed = |url: &str| check(&list, url).is_ok();
        let table = [
            // A name without a port matches every port, in any case.
            ("http://api.example.com/x", true),
            ("https://api.example.com:8443/", true),
            ("http://API.EXAMPLE.COM./", true),
            ("http://example.com/", false),
            ("http://evil-api.example.com/", false),
            ("http://api.example.com.evil.net/", false),
            // A wildcard matches subdomains at any depth, not the domain.
            ("https://a.cdn.example.com/", true),
            ("https://a.b.cdn.example.com/", true),
            ("https://cdn.example.com/", false),
            ("https://xcdn.example.com/", false),
            // A port pins the entry to that port (https's default is 443).
            ("https://pinned.example.com:8443/", true),
            ("https://pinned.example.com/", false),
            ("http://127.0.0.1:8080/", true),
            ("http://127.0.0.1:8081/", false),
            ("http://[::1]:9000/", true),
            ("http://[::1]:9001/", false),
            ("http://10.0.0.5:1234/", true),
            ("http://10.0.0.6/", false),
            // An address matches IP entries only, a name name entries only.
            ("http://localhost:8080/", true),
            ("http://169.254.169.254/", false),
            ("http://2130706433/", false),
        ];
        for (url, expected) in table {
            assert_eq!(allowed(url), expected, "{url}");
        }
    }

    #[test]
    fn a_denial_names_the_host_and_how_to_allow_it() {
        let list = list(&["api.example.com:443"]);
        assert_eq!(
            check(&list, "http://evil.example.net/steal").unwrap_err(),
            "evil.example.net:80 is not an allowed host; add it to allow_hosts or pass --allow-host evil.example.net:80"
        );
        assert!(
            check(&list, "http://[fe80::1]:8080/")
                .unwrap_err()
                .starts_with("[fe80::1]:8080 is not an allowed host")
        );
        // Nothing is allowed by an empty list, everything by `*`.
        assert!(check(&AllowList::default(), "http://127.0.0.1/").is_err());
        assert_eq!(
            check(&AllowList::any(), "http://169.254.169.254/"),
            Ok(Grant::Unscreened)
        );
        let mut extended = list.clone();
        extended.extend(["*".parse().unwrap()]);
        assert!(extended.allows_any());
    }

    #[test]
    fn grants_screen_names_but_not_named_addresses() {
        let list = list(&["api.example.com", "localhost", "127.0.0.1:8080"]);
        assert_eq!(
            check(&list, "http://api.example.com/"),
            Ok(Grant::Screened { localhost: false })
        );
        assert_eq!(
            check(&list, "http://LOCALHOST:1/"),
            Ok(Grant::Screened { localhost: true })
        );
        assert_eq!(
            check(&list, "http://127.0.0.1:8080/"),
            Ok(Grant::Unscreened)
        );
    }

    #[test]
    fn ranges_are_classified() {
        use Restricted::*;
        let table = [
            ("127.0.0.1", Some(Loopback)),
            ("127.255.0.9", Some(Loopback)),
            ("::1", Some(Loopback)),
            ("::ffff:127.0.0.1", Some(Loopback)),
            ("10.1.2.3", Some(Private)),
            ("172.16.0.1", Some(Private)),
            ("172.31.255.255", Some(Private)),
            ("172.32.0.1", None),
            ("192.168.1.1", Some(Private)),
            ("100.64.0.1", Some(Private)),
            ("100.100.100.200", Some(Private)),
            ("100.128.0.1", None),
            ("fc00::1", Some(Private)),
            ("fd12:3456::1", Some(Private)),
            ("fec0::1", Some(Private)),
            ("169.254.169.254", Some(LinkLocal)),
            ("169.254.0.1", Some(LinkLocal)),
            ("::ffff:169.254.169.254", Some(LinkLocal)),
            ("64:ff9b::a9fe:a9fe", Some(LinkLocal)),
            ("fe80::1", Some(LinkLocal)),
            ("febf::1", Some(LinkLocal)),
            ("fd00:ec2::254", Some(Private)),
            ("0.0.0.0", Some(Unspecified)),
            ("0.1.2.3", Some(Unspecified)),
            ("::", Some(Unspecified)),
            ("255.255.255.255", Some(Broadcast)),
            ("224.0.0.1", Some(Multicast)),
            ("ff02::1", Some(Multicast)),
            ("93.184.216.34", None),
            ("8.8.8.8", None),
            ("2606:4700::1111", None),
            ("64:ff9b::808:808", None),
        ];
        for (ip, expected) in table {
            let ip: IpAddr = ip.parse().unwrap();
            assert_eq!(restricted(ip), expected, "{ip}");
        }
    }

    #[test]
    fn resolved_addresses_are_screened() {
        let list = list(&["api.example.com", "localhost", "10.0.0.5:8080"]);
        let addr = |text: &str| text.parse::<SocketAddr>().unwrap();
        let screen = |grant, addrs: &[&str]| {
            list.screen(grant, "host.test", addrs.iter().map(|a| addr(a)).collect())
                .map(|kept| kept.iter().map(ToString::to_string).collect::<Vec<_>>())
                .map_err(|f| {
                    assert_eq!(f.kind, ErrorKind::Denied);
                    f.message
                })
        };
        let name = Grant::Screened { localhost: false };
        let localhost = Grant::Screened { localhost: true };
        // Public addresses pass; restricted ones are dropped.
        assert_eq!(
            screen(name, &["93.184.216.34:80", "10.9.9.9:80"]),
            Ok(vec!["93.184.216.34:80".to_owned()])
        );
        // A name that resolves only to the metadata service (rebinding).
        assert_eq!(
            screen(name, &["169.254.169.254:80"]),
            Err("host.test resolves to 169.254.169.254, a link-local (cloud metadata) address, which an allowed host name may not reach; if that is intended, add 169.254.169.254:80 to allow_hosts or pass --allow-host 169.254.169.254:80".to_owned())
        );
        for restricted in ["127.0.0.1:80", "[::1]:80", "192.168.0.1:80", "0.0.0.0:80"] {
            assert!(screen(name, &[restricted]).is_err(), "{restricted}");
        }
        // Loopback only for localhost; other ranges not even then.
        assert_eq!(
            screen(localhost, &["[::1]:80", "127.0.0.1:80"]),
            Ok(vec!["[::1]:80".to_owned(), "127.0.0.1:80".to_owned()])
        );
        assert!(screen(localhost, &["192.168.0.1:80"]).is_err());
        // A private address the list names is allowed, on the named port.
        assert_eq!(
            screen(name, &["10.0.0.5:8080"]),
            Ok(vec!["10.0.0.5:8080".to_owned()])
        );
        assert!(screen(name, &["10.0.0.5:8081"]).is_err());
        // Literal addresses and `*` are not screened.
        assert!(screen(Grant::Unscreened, &["169.254.169.254:80"]).is_ok());
    }

    #[test]
    fn urls_give_their_host_and_port() {
        let from = |url: &str| AllowedHost::from_url(url).map(|e| e.to_string());
        assert_eq!(
            from("http://127.0.0.1:8080/x"),
            Some("127.0.0.1:8080".into())
        );
        assert_eq!(
            from("https://API.example.com/v1"),
            Some("api.example.com:443".into())
        );
        assert_eq!(from("http://[::1]/"), Some("[::1]:80".into()));
        assert_eq!(from("ftp://example.com"), None);
        assert_eq!(from("example.com"), None);
        assert_eq!(
            AllowedHost::from_url("http://169.254.169.254/").and_then(|e| e.ip()),
            Some(IpAddr::V4(Ipv4Addr::new(169, 254, 169, 254)))
        );
    }
}
