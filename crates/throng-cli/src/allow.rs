//! The hosts a run's requests may reach: the plan's `allow_hosts`, else the
//! hosts of the URLs in the journeys' params, plus every `--allow-host`.

use throng_engine::Scenario;
use throng_http::{AllowList, AllowedHost};

/// The run's allow list.
///
/// `written` is the plan's `allow_hosts`, already parsed, when the plan has
/// the key (even empty: `allow_hosts = []` allows nothing but what
/// `--allow-host` adds). Without it, the list is every host and port a
/// `http://` or `https://` URL in a scenario's params names (the plan's
/// `[params]`, the scenario's own and `-p`, as the journey sees them), so
/// quick mode and a plan whose `base_url` names its target need nothing
/// more. `extra` (`--allow-host`) extends either.
pub fn lower(
    written: Option<Vec<AllowedHost>>,
    extra: &[AllowedHost],
    scenarios: &[Scenario],
) -> AllowList {
    let mut list = match written {
        Some(entries) => AllowList::only(entries),
        None => AllowList::only(from_params(scenarios)),
    };
    list.extend(extra.iter().cloned());
    list
}

/// The host and port of every URL in the scenarios' params.
///
/// A link-local address (169.254.0.0/16, `fe80::/10`, where clouds serve
/// instance metadata and credentials) is left out even when a param names
/// it: reaching it takes an explicit `allow_hosts` entry or `--allow-host`.
fn from_params(scenarios: &[Scenario]) -> Vec<AllowedHost> {
    scenarios
        .iter()
        .flat_map(|s| s.params.values())
        .flat_map(|value| urls_in(value))
        .filter_map(AllowedHost::from_url)
        .filter(|entry| !entry.ip().is_some_and(is_link_local))
        .collect()
}

fn is_link_local(ip: std::net::IpAddr) -> bool {
    match ip.to_canonical() {
        std::net::IpAddr::V4(v4) => v4.is_link_local(),
        std::net::IpAddr::V6(v6) => v6.is_unicast_link_local(),
    }
}

/// The `http://` and `https://` URLs in `text`, any case, each up to the
/// first space, quote, bracket other than IPv6's `[]`, comma or semicolon.
fn urls_in(text: &str) -> Vec<&str> {
    // ASCII lower-casing keeps every byte where it was.
    let lower = text.to_ascii_lowercase();
    let mut urls = Vec::new();
    let mut from = 0;
    while let Some(at) = lower[from..].find("http").map(|i| from + i) {
        let rest = &lower[at..];
        if rest.starts_with("http://") || rest.starts_with("https://") {
            let len = text[at..]
                .find(|c: char| {
                    c.is_whitespace() || "\"'<>(){}|\\^`,;".contains(c) || c.is_control()
                })
                .unwrap_or(text.len() - at);
            urls.push(&text[at..at + len]);
            from = at + len.max(1);
        } else {
            from = at + "http".len();
        }
    }
    urls
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use throng_engine::{Executor, Scenario};

    use super::*;

    fn scenario(params: &[(&str, &str)]) -> Scenario {
        let mut s = Scenario::new(
            "j.wasm",
            Executor::PerVuIterations {
                vus: 1,
                iterations: 1,
                max_duration: std::time::Duration::from_secs(1),
            },
        );
        s.params = params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<BTreeMap<_, _>>();
        s
    }

    fn entries(list: &AllowList) -> Vec<String> {
        list.entries().iter().map(ToString::to_string).collect()
    }

    fn host(text: &str) -> AllowedHost {
        text.parse().unwrap()
    }

    #[test]
    fn urls_are_found_inside_any_text() {
        assert_eq!(urls_in("http://a:1"), ["http://a:1"]);
        assert_eq!(
            urls_in("see HTTPS://B.example/x?y=1, then http://[::1]:9/z; done"),
            ["HTTPS://B.example/x?y=1", "http://[::1]:9/z"]
        );
        assert_eq!(
            urls_in(r#"{"cb":"http://c.example/hook"}"#),
            ["http://c.example/hook"]
        );
        assert!(urls_in("httpx http:/ nothing here").is_empty());
        assert!(urls_in("").is_empty());
    }

    #[test]
    fn the_default_is_the_hosts_of_the_params_urls() {
        let scenarios = [
            scenario(&[
                ("base_url", "http://127.0.0.1:8080"),
                ("think", "1s"),
                ("cdn", "https://cdn.example.com/a https://CDN.example.com/b"),
            ]),
            scenario(&[
                ("url", "http://localhost:9000/x"),
                ("metadata", "http://169.254.169.254/latest/meta-data/"),
                ("v6", "http://[fe80::1]/"),
                ("templated", "http://{host}/"),
            ]),
        ];
        let list = lower(None, &[], &scenarios);
        assert!(!list.allows_any());
        assert_eq!(
            entries(&list),
            ["127.0.0.1:8080", "cdn.example.com:443", "localhost:9000"]
        );
    }

    #[test]
    fn allow_hosts_replaces_the_default_and_the_flag_extends_either() {
        let scenarios = [scenario(&[("base_url", "http://127.0.0.1:8080")])];
        let written = Some(vec![host("*.example.com")]);
        let list = lower(written, &[host("10.0.0.5")], &scenarios);
        assert_eq!(entries(&list), ["*.example.com", "10.0.0.5"]);

        let list = lower(None, &[host("api.example.com:443")], &scenarios);
        assert_eq!(entries(&list), ["127.0.0.1:8080", "api.example.com:443"]);

        // An empty list allows nothing; `*` everything.
        assert!(
            lower(Some(Vec::new()), &[], &scenarios)
                .entries()
                .is_empty()
        );
        assert!(lower(None, &[host("*")], &scenarios).allows_any());
        assert!(lower(Some(vec![host("*")]), &[], &scenarios).allows_any());
    }
}
