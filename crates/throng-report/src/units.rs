//! Numbers as a person reads them: durations in µs/ms/s, sizes in
//! B/kB/MB/GB (decimal, like k6), counts with thousands separators.

use std::time::Duration;

/// A duration given in milliseconds: `850 µs`, `2.35 ms`, `231.4 ms`,
/// `1.23 s`, `75.2 s`.
pub(crate) fn duration_ms(ms: f64) -> String {
    if ms < 1.0 {
        format!("{:.0} µs", ms * 1000.0)
    } else if ms < 10.0 {
        format!("{ms:.2} ms")
    } else if ms < 1000.0 {
        format!("{ms:.1} ms")
    } else if ms < 10_000.0 {
        format!("{:.2} s", ms / 1000.0)
    } else {
        format!("{:.1} s", ms / 1000.0)
    }
}

/// A run's wall time: `850 ms`, `30.0 s`, `2m 05s`, `1h 02m 05s`.
pub(crate) fn wall_time(duration: Duration) -> String {
    let seconds = duration.as_secs();
    match seconds {
        0 => format!("{} ms", duration.as_millis()),
        1..60 => format!("{:.1} s", duration.as_secs_f64()),
        60..3600 => format!("{}m {:02}s", seconds / 60, seconds % 60),
        _ => format!(
            "{}h {:02}m {:02}s",
            seconds / 3600,
            seconds / 60 % 60,
            seconds % 60
        ),
    }
}

/// A size in bytes: `512 B`, `12.5 kB`, `3.20 MB`, `1.05 GB`.
pub(crate) fn bytes(bytes: f64) -> String {
    const UNITS: [(f64, &str); 3] = [(1e9, "GB"), (1e6, "MB"), (1e3, "kB")];
    for (scale, unit) in UNITS {
        if bytes >= scale {
            let scaled = bytes / scale;
            return if scaled < 10.0 {
                format!("{scaled:.2} {unit}")
            } else if scaled < 100.0 {
                format!("{scaled:.1} {unit}")
            } else {
                format!("{scaled:.0} {unit}")
            };
        }
    }
    format!("{bytes:.0} B")
}

/// A count with thousands separators: `1,234,567`.
pub fn count(count: u64) -> String {
    let digits = count.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// A number in a unit throng does not know (a custom metric's), to about
/// 3 significant digits (what the histograms keep), without trailing zeros;
/// whole digits are never dropped and get thousands separators: `1,000`,
/// `-3`, `19.9`, `0.001`, `2.35`, `1,235`.
pub(crate) fn number(value: f64) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    let magnitude = value.abs();
    let decimals = match magnitude {
        m if m < 1.0 => 3,
        m if m < 10.0 => 2,
        m if m < 100.0 => 1,
        _ => 0,
    };
    let text = format!("{magnitude:.decimals$}");
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let fraction = fraction.trim_end_matches('0');
    let whole = whole
        .parse::<u64>()
        .map_or_else(|_| whole.to_owned(), count);
    let sign = if value < 0.0 && (whole != "0" || !fraction.is_empty()) {
        "-"
    } else {
        ""
    };
    if fraction.is_empty() {
        format!("{sign}{whole}")
    } else {
        format!("{sign}{whole}.{fraction}")
    }
}

/// A rate per second, precise where it is small: `0.25`, `33.3`, `1,250`.
pub(crate) fn per_second(rate: f64) -> String {
    if rate < 10.0 {
        format!("{rate:.2}")
    } else if rate < 1000.0 {
        format!("{rate:.1}")
    } else {
        count(rate.round() as u64)
    }
}

/// A fraction as a percentage: `0.20 %`.
pub(crate) fn percent(fraction: f64) -> String {
    format!("{:.2} %", fraction * 100.0)
}

/// A value in one of the units of a threshold outcome (`ms`, `%`, `/s`,
/// `B`, `B/s`, or none).
pub(crate) fn observed(value: f64, unit: &str) -> String {
    match unit {
        "ms" => duration_ms(value),
        "%" => format!("{value:.2} %"),
        "/s" => format!("{}/s", per_second(value)),
        "B" => bytes(value),
        "B/s" => format!("{}/s", bytes(value)),
        "" if value.fract() == 0.0 && value >= 0.0 => count(value as u64),
        "" => format!("{value:.2}"),
        other => format!("{value} {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_pick_a_unit() {
        let cases = [
            (0.0, "0 µs"),
            (0.85, "850 µs"),
            (2.345, "2.35 ms"),
            (231.44, "231.4 ms"),
            (1234.0, "1.23 s"),
            (75_200.0, "75.2 s"),
        ];
        for (ms, text) in cases {
            assert_eq!(duration_ms(ms), text);
        }
    }

    #[test]
    fn wall_times() {
        let cases = [
            (0, "0 ms"),
            (850, "850 ms"),
            (30_000, "30.0 s"),
            (125_000, "2m 05s"),
            (3_725_000, "1h 02m 05s"),
        ];
        for (ms, text) in cases {
            assert_eq!(wall_time(Duration::from_millis(ms)), text);
        }
    }

    #[test]
    fn sizes_counts_rates() {
        assert_eq!(bytes(512.0), "512 B");
        assert_eq!(bytes(12_500.0), "12.5 kB");
        assert_eq!(bytes(3_200_000.0), "3.20 MB");
        assert_eq!(bytes(300_000.0), "300 kB");
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1000), "1,000");
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(per_second(0.254), "0.25");
        assert_eq!(per_second(33.33), "33.3");
        assert_eq!(per_second(1250.4), "1,250");
        assert_eq!(observed(5.0, "%"), "5.00 %");
        assert_eq!(observed(10_000.0, "B/s"), "10.0 kB/s");
        assert_eq!(observed(100.0, ""), "100");
    }

    #[test]
    fn plain_numbers() {
        let cases = [
            (0.0, "0"),
            (-0.0001, "0"),
            (1000.0, "1,000"),
            (-3.0, "-3"),
            (19.91, "19.9"),
            (20.015, "20"),
            (0.001, "0.001"),
            (0.25, "0.25"),
            (2.346, "2.35"),
            (7.5, "7.5"),
            (1234.56, "1,235"),
            (-1_500_000.6, "-1,500,001"),
        ];
        for (value, text) in cases {
            assert_eq!(number(value), text, "{value}");
        }
    }
}
