//! How long the target takes to answer a query: a fixed delay, a uniform
//! range, or a log-normal distribution with a long tail.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use rand::Rng;
use rand_distr::Distribution;

/// The z-score of the 99th percentile of a standard normal distribution.
///
/// A log-normal variable is `exp(mu + sigma * Z)`, so its p99 is
/// `median * exp(sigma * Z99)`; this is how `sigma` is derived from the
/// median and p99 a person actually thinks in.
const Z99: f64 = 2.326_347_874_040_841;

/// A distribution of server-side delays.
///
/// Parsed from the text a plan or a command line would hold:
///
/// | text                   | meaning                                   |
/// |------------------------|-------------------------------------------|
/// | `20ms`                 | [`Latency::Fixed`]                        |
/// | `10ms..30ms`           | [`Latency::Uniform`], both ends included  |
/// | `lognormal:50ms:180ms` | [`Latency::LogNormal`] (median, then p99) |
///
/// Durations use humantime's syntax (`500us`, `1.5s`, `2m`).
///
/// ```
/// use std::time::Duration;
/// use throng_target::Latency;
///
/// let latency: Latency = "10ms..30ms".parse().unwrap();
/// assert_eq!(latency, Latency::Uniform(Duration::from_millis(10), Duration::from_millis(30)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Latency {
    /// Always the same delay.
    Fixed(Duration),
    /// Uniformly distributed between the two bounds, both included.
    Uniform(Duration, Duration),
    /// Log-normal: half of the delays are below `median`, 99 % below `p99`.
    LogNormal {
        /// The 50th percentile.
        median: Duration,
        /// The 99th percentile; at least `median`.
        p99: Duration,
    },
}

impl Default for Latency {
    /// Log-normal around a 50 ms median with a p99 of 180 ms, roughly what an
    /// inference service backed by a database looks like.
    fn default() -> Self {
        Latency::LogNormal {
            median: Duration::from_millis(50),
            p99: Duration::from_millis(180),
        }
    }
}

impl Latency {
    /// No delay at all.
    pub const ZERO: Latency = Latency::Fixed(Duration::ZERO);

    /// Draws one delay from this distribution.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Duration {
        match *self {
            Latency::Fixed(delay) => delay,
            Latency::Uniform(low, high) if low >= high => low,
            Latency::Uniform(low, high) => rng.random_range(low..=high),
            Latency::LogNormal { median, p99 } => {
                let mu = median.as_secs_f64().ln();
                let sigma = (p99.as_secs_f64().ln() - mu) / Z99;
                match rand_distr::LogNormal::new(mu, sigma) {
                    // `try_from_secs_f64` only fails on overflow or NaN, which a
                    // finite median and p99 cannot produce in practice; keep
                    // the median rather than panic if it ever does.
                    Ok(dist) => Duration::try_from_secs_f64(dist.sample(rng)).unwrap_or(median),
                    // A zero median gives `mu = -inf`: the only sensible delay is none.
                    Err(_) => median,
                }
            }
        }
    }
}

impl fmt::Display for Latency {
    /// Writes the same syntax [`FromStr`] reads.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let human = humantime::format_duration;
        match *self {
            Latency::Fixed(delay) => write!(f, "{}", human(delay)),
            Latency::Uniform(low, high) => write!(f, "{}..{}", human(low), human(high)),
            Latency::LogNormal { median, p99 } => {
                write!(f, "lognormal:{}:{}", human(median), human(p99))
            }
        }
    }
}

/// Why a latency text could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseLatencyError {
    /// A duration inside the text is not a valid duration.
    #[error(
        "invalid duration {duration:?} in latency {input:?}: {reason} (expected e.g. \"20ms\")"
    )]
    Duration {
        /// The whole text that was being parsed.
        input: String,
        /// The part that is not a duration.
        duration: String,
        /// What humantime said about it.
        reason: String,
    },
    /// The text has no recognised shape.
    #[error(
        "invalid latency {input:?}: expected \"20ms\", \"10ms..30ms\" or \"lognormal:50ms:180ms\""
    )]
    Shape {
        /// The text that was being parsed.
        input: String,
    },
    /// A range or distribution whose upper bound is below its lower bound.
    #[error("invalid latency {input:?}: {high} must not be less than {low}")]
    Inverted {
        /// The text that was being parsed.
        input: String,
        /// The name of the lower bound (`low` or `median`).
        low: &'static str,
        /// The name of the upper bound (`high` or `p99`).
        high: &'static str,
    },
}

impl FromStr for Latency {
    type Err = ParseLatencyError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let text = input.trim();
        let duration = |part: &str| {
            humantime::parse_duration(part.trim()).map_err(|err| ParseLatencyError::Duration {
                input: input.to_owned(),
                duration: part.trim().to_owned(),
                reason: err.to_string(),
            })
        };
        let inverted = |low, high| ParseLatencyError::Inverted {
            input: input.to_owned(),
            low,
            high,
        };

        if let Some(rest) = text.strip_prefix("lognormal:") {
            let Some((median, p99)) = rest.split_once(':') else {
                return Err(ParseLatencyError::Shape {
                    input: input.to_owned(),
                });
            };
            let (median, p99) = (duration(median)?, duration(p99)?);
            if p99 < median {
                return Err(inverted("median", "p99"));
            }
            Ok(Latency::LogNormal { median, p99 })
        } else if let Some((low, high)) = text.split_once("..") {
            let (low, high) = (duration(low)?, duration(high)?);
            if high < low {
                return Err(inverted("low", "high"));
            }
            Ok(Latency::Uniform(low, high))
        } else if text.contains(':') || text.is_empty() {
            Err(ParseLatencyError::Shape {
                input: input.to_owned(),
            })
        } else {
            Ok(Latency::Fixed(duration(text)?))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn parses_the_three_shapes() {
        assert_eq!("20ms".parse(), Ok(Latency::Fixed(ms(20))));
        assert_eq!("10ms..30ms".parse(), Ok(Latency::Uniform(ms(10), ms(30))));
        assert_eq!(
            "lognormal:50ms:180ms".parse(),
            Ok(Latency::LogNormal {
                median: ms(50),
                p99: ms(180)
            })
        );
    }

    #[test]
    fn display_round_trips() {
        for text in ["20ms", "10ms..1s 500ms", "lognormal:50ms:180ms"] {
            let latency: Latency = text.parse().unwrap();
            assert_eq!(latency.to_string(), text);
            assert_eq!(latency.to_string().parse(), Ok(latency));
        }
    }

    #[test]
    fn errors_name_the_part_at_fault() {
        let err = "10ms..3xs".parse::<Latency>().unwrap_err();
        assert!(err.to_string().contains("\"3xs\""), "{err}");

        let err = "30ms..10ms".parse::<Latency>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid latency \"30ms..10ms\": high must not be less than low"
        );

        let err = "gaussian:1ms:2ms".parse::<Latency>().unwrap_err();
        assert!(err.to_string().contains("expected \"20ms\""), "{err}");
    }

    #[test]
    fn lognormal_hits_its_median_and_p99() {
        let latency = Latency::default();
        let mut rng = StdRng::seed_from_u64(7);
        let mut samples: Vec<Duration> = (0..20_000).map(|_| latency.sample(&mut rng)).collect();
        samples.sort();
        let median = samples[samples.len() / 2].as_secs_f64() * 1e3;
        let p99 = samples[samples.len() * 99 / 100].as_secs_f64() * 1e3;
        assert!((47.0..53.0).contains(&median), "median {median} ms");
        assert!((165.0..195.0).contains(&p99), "p99 {p99} ms");
    }

    #[test]
    fn degenerate_distributions_do_not_panic() {
        let mut rng = StdRng::seed_from_u64(3);
        let zero = Latency::LogNormal {
            median: Duration::ZERO,
            p99: Duration::ZERO,
        };
        assert_eq!(zero.sample(&mut rng), Duration::ZERO);
        let flat = Latency::LogNormal {
            median: ms(50),
            p99: ms(50),
        };
        let sample = flat.sample(&mut rng);
        assert!(
            sample.abs_diff(ms(50)) < Duration::from_micros(1),
            "{sample:?}"
        );
        assert_eq!(Latency::Uniform(ms(5), ms(5)).sample(&mut rng), ms(5));
    }

    #[test]
    fn uniform_stays_in_bounds() {
        let latency = Latency::Uniform(ms(10), ms(12));
        let mut rng = StdRng::seed_from_u64(1);
        for _ in 0..1000 {
            let delay = latency.sample(&mut rng);
            assert!((ms(10)..=ms(12)).contains(&delay), "{delay:?}");
        }
    }
}
