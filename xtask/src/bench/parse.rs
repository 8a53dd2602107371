//! Reading each tool's own figures from its output: wrk, hey and ab text,
//! oha JSON, Locust's stats CSV and throng's results JSON.

use anyhow::{Context, Result, anyhow};
use serde_json::Value;

/// What a throughput run of a peer reports.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Throughput {
    /// Requests completed.
    pub requests: u64,
    /// Requests per second, as the tool computes it.
    pub req_per_s: f64,
    /// Requests that failed or got a status the tool counts as an error.
    pub errors: u64,
    /// Bytes received per second, where the tool says.
    pub bytes_per_s: Option<f64>,
}

/// The first number after `key` on the first line that contains it.
fn number_after(text: &str, key: &str) -> Option<f64> {
    let line = text.lines().find(|l| l.contains(key))?;
    let rest = &line[line.find(key)? + key.len()..];
    rest.split_whitespace()
        .next()?
        .trim_end_matches(',')
        .parse()
        .ok()
}

/// A size as wrk prints it (`338.74MB`, binary multiples), in bytes.
fn wrk_size(s: &str) -> Option<f64> {
    let split = s.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(s.len());
    let value: f64 = s[..split].parse().ok()?;
    let scale = match &s[split..] {
        "" | "B" => 1.0,
        "KB" => 1024.0,
        "MB" => 1024.0 * 1024.0,
        "GB" => 1024.0 * 1024.0 * 1024.0,
        "TB" => 1024f64.powi(4),
        _ => return None,
    };
    Some(value * scale)
}

/// Parses wrk's report.
pub fn wrk(text: &str) -> Result<Throughput> {
    let line = text
        .lines()
        .find(|l| l.contains(" requests in "))
        .ok_or_else(|| anyhow!("wrk: no `N requests in` line"))?;
    let requests = line
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .context("wrk: request count")?;
    let req_per_s = number_after(text, "Requests/sec:").context("wrk: no Requests/sec")?;
    let socket_errors: u64 = text
        .lines()
        .find(|l| l.contains("Socket errors:"))
        .map(|l| {
            l.split(',')
                .filter_map(|part| part.split_whitespace().last()?.parse::<u64>().ok())
                .sum()
        })
        .unwrap_or(0);
    let non_2xx = number_after(text, "Non-2xx or 3xx responses:").unwrap_or(0.0) as u64;
    let bytes_per_s = text
        .lines()
        .find(|l| l.starts_with("Transfer/sec:"))
        .and_then(|l| wrk_size(l.split_whitespace().nth(1)?));
    Ok(Throughput {
        requests,
        req_per_s,
        errors: socket_errors + non_2xx,
        bytes_per_s,
    })
}

/// Parses hey's summary.
pub fn hey(text: &str) -> Result<Throughput> {
    let req_per_s = number_after(text, "Requests/sec:").context("hey: no Requests/sec")?;
    let mut ok = 0;
    let mut other = 0;
    let mut in_codes = false;
    for line in text.lines() {
        if line.starts_with("Status code distribution:") {
            in_codes = true;
            continue;
        }
        if in_codes {
            let t = line.trim();
            if !t.starts_with('[') {
                if t.is_empty() {
                    continue;
                }
                break;
            }
            let code: u16 = t[1..t.find(']').unwrap_or(1)].parse().unwrap_or(0);
            let n: u64 = t
                .split_whitespace()
                .nth(1)
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            if (200..400).contains(&code) {
                ok += n;
            } else {
                other += n;
            }
        }
    }
    let errors: u64 = text
        .split("Error distribution:")
        .nth(1)
        .map(|rest| {
            rest.lines()
                .filter_map(|l| {
                    l.trim()
                        .strip_prefix('[')?
                        .split(']')
                        .next()?
                        .parse::<u64>()
                        .ok()
                })
                .sum()
        })
        .unwrap_or(0);
    Ok(Throughput {
        requests: ok + other + errors,
        req_per_s,
        errors: other + errors,
        bytes_per_s: None,
    })
}

/// Parses ab's report.
pub fn ab(text: &str) -> Result<Throughput> {
    let requests =
        number_after(text, "Complete requests:").context("ab: no Complete requests")? as u64;
    let failed = number_after(text, "Failed requests:").unwrap_or(0.0) as u64;
    let non_2xx = number_after(text, "Non-2xx responses:").unwrap_or(0.0) as u64;
    let req_per_s =
        number_after(text, "Requests per second:").context("ab: no Requests per second")?;
    let bytes_per_s = number_after(text, "Transfer rate:").map(|k| k * 1024.0);
    Ok(Throughput {
        requests,
        req_per_s,
        errors: failed + non_2xx,
        bytes_per_s,
    })
}

/// Parses oha's `--output-format json` report.
pub fn oha(text: &str) -> Result<Throughput> {
    let v: Value = serde_json::from_str(text).context("oha: JSON")?;
    let summary = &v["summary"];
    let req_per_s = summary["requestsPerSec"]
        .as_f64()
        .context("oha: summary.requestsPerSec")?;
    let mut requests = 0;
    let mut errors = 0;
    if let Some(codes) = v["statusCodeDistribution"].as_object() {
        for (code, n) in codes {
            let n = n.as_u64().unwrap_or(0);
            requests += n;
            if !code.starts_with('2') && !code.starts_with('3') {
                errors += n;
            }
        }
    }
    if let Some(errs) = v["errorDistribution"].as_object() {
        // `-z` cancels the requests in flight at the deadline: not errors.
        let n: u64 = errs
            .iter()
            .filter(|(what, _)| !what.contains("aborted due to deadline"))
            .filter_map(|(_, n)| n.as_u64())
            .sum();
        requests += n;
        errors += n;
    }
    let bytes_per_s = summary["sizePerSec"].as_f64();
    Ok(Throughput {
        requests,
        req_per_s,
        errors,
        bytes_per_s,
    })
}

/// Parses Goose's JSON report (`--report-file X.json`): the `Aggregated`
/// row's counts, over the time from the first user starting to the last
/// stopping (Goose's own rate divides by whole seconds).
pub fn goose(text: &str) -> Result<Throughput> {
    let v: Value = serde_json::from_str(text).context("goose: JSON")?;
    let aggregated = v["raw_request_metrics"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["name"] == "Aggregated"))
        .context("goose: no Aggregated row in raw_request_metrics")?;
    let requests = aggregated["number_of_requests"]
        .as_u64()
        .context("goose: number_of_requests")?;
    let errors = aggregated["number_of_failures"].as_u64().unwrap_or(0);
    let history = v["raw_metrics"]["history"].as_array();
    let at = |action: &str| {
        history?
            .iter()
            .find(|h| h["action"] == action)
            .and_then(|h| seconds_of_day(h["timestamp"].as_str()?))
    };
    let req_per_s = match (at("Increasing"), at("Finished")) {
        (Some(from), Some(to)) => {
            // Across midnight the time of day wraps.
            let took = if to >= from {
                to - from
            } else {
                to + 86_400.0 - from
            };
            requests as f64 / took.max(1e-9)
        }
        _ => aggregated["requests_per_second"]
            .as_f64()
            .context("goose: requests_per_second")?,
    };
    Ok(Throughput {
        requests,
        req_per_s,
        errors,
        bytes_per_s: None,
    })
}

/// Seconds since midnight of an RFC 3339 UTC time such as
/// `2026-11-23T08:34:15.156067923Z`.
fn seconds_of_day(timestamp: &str) -> Option<f64> {
    let time = timestamp.split_once('T')?.1.trim_end_matches('Z');
    let mut parts = time.split(':');
    let h: f64 = parts.next()?.parse().ok()?;
    let m: f64 = parts.next()?.parse().ok()?;
    let s: f64 = parts.next()?.parse().ok()?;
    Some(h * 3600.0 + m * 60.0 + s)
}

/// Parses the `Aggregated` row of Locust's `PREFIX_stats.csv`.
pub fn locust_csv(text: &str) -> Result<Throughput> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().context("locust: CSV header")?.clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| anyhow!("locust: no `{name}` column"))
    };
    let (name, count, fails, rps) = (
        col("Name")?,
        col("Request Count")?,
        col("Failure Count")?,
        col("Requests/s")?,
    );
    for row in reader.records() {
        let row = row.context("locust: CSV row")?;
        if row.get(name) == Some("Aggregated") {
            let field = |i: usize| row.get(i).unwrap_or("");
            return Ok(Throughput {
                requests: field(count).parse().context("locust: Request Count")?,
                errors: field(fails).parse().context("locust: Failure Count")?,
                req_per_s: field(rps).parse().context("locust: Requests/s")?,
                bytes_per_s: None,
            });
        }
    }
    Err(anyhow!("locust: no Aggregated row"))
}

/// The figures the harness takes from a throng results file.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThrongRun {
    /// `totals.requests`.
    pub requests: u64,
    /// `totals.failed`.
    pub failed: u64,
    /// `totals.req_per_s`.
    pub req_per_s: f64,
    /// `totals.iterations.total`.
    pub iterations: u64,
    /// `totals.dropped_iterations`.
    pub dropped: u64,
    /// `totals.vu_start_failures`.
    pub vu_start_failures: u64,
    /// `meta.duration_s`.
    pub duration_s: f64,
    /// `totals.bytes_received`.
    pub bytes_received: u64,
    /// `http_req_duration.p50`, ms.
    pub p50_ms: f64,
    /// `http_req_duration.p99`, ms.
    pub p99_ms: f64,
    /// `iteration_duration.avg`, ms.
    pub iteration_avg_ms: f64,
    /// `schedule_lag.p99`, ms.
    pub lag_p99_ms: f64,
    /// `schedule_lag.max`, ms.
    pub lag_max_ms: f64,
    /// `generator.max_cpu_percent` (% of the cores throng could use).
    pub generator_max_cpu: f64,
}

/// Parses a `throng.results/v1` file.
pub fn throng(text: &str) -> Result<ThrongRun> {
    let v: Value = serde_json::from_str(text).context("throng results: JSON")?;
    if v["schema"] != "throng.results/v1" {
        return Err(anyhow!(
            "throng results: schema is {}, not throng.results/v1",
            v["schema"]
        ));
    }
    let u = |p: &str| v.pointer(p).and_then(Value::as_u64).unwrap_or(0);
    let f = |p: &str| v.pointer(p).and_then(Value::as_f64).unwrap_or(0.0);
    Ok(ThrongRun {
        requests: u("/totals/requests"),
        failed: u("/totals/failed"),
        req_per_s: f("/totals/req_per_s"),
        iterations: u("/totals/iterations/total"),
        dropped: u("/totals/dropped_iterations"),
        vu_start_failures: u("/totals/vu_start_failures"),
        duration_s: f("/meta/duration_s"),
        bytes_received: u("/totals/bytes_received"),
        p50_ms: f("/http_req_duration/p50"),
        p99_ms: f("/http_req_duration/p99"),
        iteration_avg_ms: f("/iteration_duration/avg"),
        lag_p99_ms: f("/schedule_lag/p99"),
        lag_max_ms: f("/schedule_lag/max"),
        generator_max_cpu: f("/generator/max_cpu_percent"),
    })
}

/// One line of throng's `--jsonl` stream (docs/outputs.md), the parts the
/// harness reads.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum StreamLine {
    /// A `point`: a scenario's cumulative figures at one moment.
    Point {
        /// Seconds since the plan started.
        t_s: f64,
        /// Requests so far.
        requests: u64,
    },
    /// The `end` line: the run's totals.
    End {
        /// `totals.requests`.
        requests: u64,
        /// `totals.failed`.
        failed: u64,
        /// `totals.req_per_s`.
        req_per_s: f64,
    },
    /// A `threshold` line, or a type the harness does not read.
    Other,
}

/// Parses one line of throng's `--jsonl` stream.
pub fn throng_stream_line(line: &str) -> Result<StreamLine> {
    let v: Value = serde_json::from_str(line).context("throng stream: JSON line")?;
    let u = |p: &str| {
        v.pointer(p)
            .and_then(Value::as_u64)
            .with_context(|| format!("throng stream: no `{p}` in a `{}` line", v["type"]))
    };
    let f = |p: &str| {
        v.pointer(p)
            .and_then(Value::as_f64)
            .with_context(|| format!("throng stream: no `{p}` in a `{}` line", v["type"]))
    };
    Ok(match v["type"].as_str() {
        Some("point") => StreamLine::Point {
            t_s: f("/t_s")?,
            requests: u("/requests")?,
        },
        Some("end") => StreamLine::End {
            requests: u("/totals/requests")?,
            failed: u("/totals/failed")?,
            req_per_s: f("/totals/req_per_s")?,
        },
        Some(_) => StreamLine::Other,
        None => return Err(anyhow!("throng stream: a line without `type`")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // Real outputs captured on this machine against the bench's nginx.
    const WRK: &str = include_str!("fixtures/wrk.txt");
    const WRK_DOWNLOAD: &str = include_str!("fixtures/wrk-download.txt");
    const HEY: &str = include_str!("fixtures/hey.txt");
    const AB: &str = include_str!("fixtures/ab.txt");
    const OHA: &str = include_str!("fixtures/oha.json");
    const GOOSE: &str = include_str!("fixtures/goose.json");
    const LOCUST: &str = include_str!("fixtures/locust_stats.csv");
    const THRONG: &str = include_str!("fixtures/throng-results.json");
    // The `--jsonl` stream of a 2 M-request run (50 VUs, `--iterations 40000`).
    const THRONG_STREAM: &str = include_str!("fixtures/throng-stream.jsonl");

    #[test]
    fn wrk_report() {
        let t = wrk(WRK).unwrap();
        assert_eq!((t.requests, t.req_per_s, t.errors), (20431, 19943.21, 0));
        assert_eq!(t.bytes_per_s, Some(3.06 * 1024.0 * 1024.0));
        let d = wrk(WRK_DOWNLOAD).unwrap();
        assert_eq!((d.requests, d.req_per_s), (14, 11.57));
        assert_eq!(d.bytes_per_s, Some(338.74 * 1024.0 * 1024.0));
    }

    #[test]
    fn wrk_counts_socket_errors_and_bad_statuses() {
        let text = "  10 requests in 1.00s, 1KB read\n  Socket errors: connect 1, read 2, write 0, timeout 3\n  Non-2xx or 3xx responses: 4\nRequests/sec:     10.00\n";
        assert_eq!(wrk(text).unwrap().errors, 10);
        assert!(wrk("Running 1s test\n").is_err());
    }

    #[test]
    fn hey_summary() {
        let t = hey(HEY).unwrap();
        assert_eq!((t.requests, t.req_per_s, t.errors), (11622, 11609.1359, 0));
        let with_errors = "  Requests/sec:\t5.0\n\nStatus code distribution:\n  [200]\t3 responses\n  [503]\t1 responses\n\nError distribution:\n  [2]\tGet \"http://x\": dial tcp: connection refused\n";
        let t = hey(with_errors).unwrap();
        assert_eq!((t.requests, t.errors), (6, 3));
    }

    #[test]
    fn ab_report() {
        let t = ab(AB).unwrap();
        assert_eq!((t.requests, t.req_per_s, t.errors), (17348, 16993.32, 0));
        assert_eq!(t.bytes_per_s, Some(2671.80 * 1024.0));
    }

    #[test]
    fn goose_json() {
        // 355,064 requests from 08:34:15.156067923 to 08:34:22.172811813.
        let t = goose(GOOSE).unwrap();
        assert_eq!((t.requests, t.errors), (355_064, 0));
        assert!(
            (t.req_per_s - 355_064.0 / 7.016_743_89).abs() < 0.01,
            "{}",
            t.req_per_s
        );
        let no_history = r#"{"raw_request_metrics":[{"name":"/","number_of_requests":9},{"name":"Aggregated","number_of_requests":9,"number_of_failures":2,"requests_per_second":4.5}]}"#;
        let t = goose(no_history).unwrap();
        assert_eq!((t.requests, t.errors, t.req_per_s), (9, 2, 4.5));
        assert!(goose(r#"{"raw_request_metrics":[]}"#).is_err());
        assert_eq!(seconds_of_day("2026-11-23T00:00:01.5Z"), Some(1.5));
    }

    #[test]
    fn oha_json() {
        // Its `errorDistribution` holds the 50 requests `-z` cancelled.
        let t = oha(OHA).unwrap();
        assert_eq!((t.requests, t.errors), (27930, 0));
        assert_eq!(t.req_per_s, 27918.79894955349);
        let failing = r#"{"summary":{"requestsPerSec":2.0},"statusCodeDistribution":{"200":1,"500":2},"errorDistribution":{"connection refused":3}}"#;
        let t = oha(failing).unwrap();
        assert_eq!((t.requests, t.errors), (6, 5));
        assert!(oha("{}").is_err());
    }

    #[test]
    fn locust_aggregated_row() {
        let t = locust_csv(LOCUST).unwrap();
        assert_eq!((t.requests, t.errors), (3782, 0));
        assert_eq!(t.req_per_s, 2050.0106976806096);
        assert!(locust_csv("Type,Name\n").is_err());
    }

    #[test]
    fn throng_results() {
        let r = throng(THRONG).unwrap();
        assert_eq!((r.requests, r.failed, r.iterations), (16174, 0, 16174));
        assert_eq!(r.req_per_s, 5359.506236053415);
        assert_eq!(r.p99_ms, 28.127);
        assert!(throng(r#"{"schema":"other"}"#).is_err());
    }

    #[test]
    fn throng_stream_points_and_end() {
        let lines: Vec<StreamLine> = THRONG_STREAM
            .lines()
            .map(|l| throng_stream_line(l).unwrap())
            .collect();
        let points: Vec<(f64, u64)> = lines
            .iter()
            .filter_map(|l| match l {
                StreamLine::Point { t_s, requests } => Some((*t_s, *requests)),
                _ => None,
            })
            .collect();
        assert_eq!(points.len(), 44);
        assert_eq!(points[0], (0.0, 0));
        assert_eq!(points[2], (2.0, 100_705));
        // The last point is taken as the run stops.
        assert_eq!(points[43], (42.202216522, 2_000_000));
        assert_eq!(
            lines.last(),
            Some(&StreamLine::End {
                requests: 2_000_000,
                failed: 0,
                req_per_s: 47396.74598027703
            })
        );
    }

    #[test]
    fn throng_stream_skips_thresholds_and_refuses_broken_lines() {
        let threshold = r#"{"type":"threshold","metric":"http_req_duration","expression":"p(95) < 500ms","observed":21.935,"unit":"ms","passed":true}"#;
        assert_eq!(throng_stream_line(threshold).unwrap(), StreamLine::Other);
        assert!(throng_stream_line(r#"{"type":"point","t_s":1.0}"#).is_err());
        assert!(throng_stream_line(r#"{"requests":1}"#).is_err());
        assert!(throng_stream_line("{\"type\":\"po").is_err());
    }
}
