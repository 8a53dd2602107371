//! From `("http_req_duration{name:query}", "p(95) < 200ms")` to a
//! [`Threshold`].

use super::{
    Aggregation, Baseline, CUSTOM, Kind, Limit, METRICS, MetricSpec, Operator, PREVIOUS, Severity,
    Source, Tags, Threshold,
};
use crate::custom::check_metric_name;
use crate::{Submetric, SubmetricError};

/// A threshold that cannot be parsed: which one, and what is wrong.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("invalid threshold `{expression}` on `{metric}`: {kind}")]
pub struct ThresholdError {
    /// The metric as written.
    pub metric: String,
    /// The expression as written.
    pub expression: String,
    /// What is wrong, with a hint.
    pub kind: ThresholdErrorKind,
}

/// What is wrong with a threshold.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ThresholdErrorKind {
    /// The metric is not one thresholds know.
    #[error("unknown metric `{name}`; {}", suggest(*.suggestion))]
    UnknownMetric {
        /// The name as written, without its tag filter.
        name: String,
        /// The closest known name, if one is close.
        suggestion: Option<&'static str>,
    },
    /// The tag filter is not of the form `{key:value}`.
    #[error("tag filter `{filter}` is not of the form `{{name:value}}`")]
    BadTagFilter {
        /// The filter as written.
        filter: String,
    },
    /// The metric cannot be filtered by this tag.
    #[error("`{metric}` cannot be filtered by `{tag}`; {}", allowed_tag(*.allowed))]
    UnsupportedTag {
        /// The metric's name.
        metric: String,
        /// The tag as written.
        tag: String,
        /// The one tag the metric can be filtered by, if any.
        allowed: Option<&'static str>,
    },
    /// A request filter's value is not one that key takes.
    #[error(transparent)]
    BadFilter(#[from] SubmetricError),
    /// The expression has no comparison operator.
    #[error("no comparison operator; write e.g. `p(95) < 200ms` (operators: < <= > >= == !=)")]
    MissingOperator,
    /// The operator is not one of `< <= > >= == !=`.
    #[error("`{found}` is not an operator; {hint}")]
    BadOperator {
        /// The operator as written.
        found: String,
        /// What to write instead.
        hint: &'static str,
    },
    /// Nothing stands before the operator.
    #[error("no aggregation before the operator; `{metric}` takes {allowed}")]
    MissingAggregation {
        /// The metric's name.
        metric: &'static str,
        /// The aggregations it has.
        allowed: &'static str,
    },
    /// The aggregation does not exist for this metric.
    #[error("`{metric}` has no aggregation `{aggregation}`; it takes {allowed}{}", percentile_hint(.aggregation))]
    UnknownAggregation {
        /// The metric's name.
        metric: &'static str,
        /// The aggregation as written.
        aggregation: String,
        /// The aggregations it has.
        allowed: &'static str,
    },
    /// `p(...)` does not hold a number from 0 to 100.
    #[error(
        "`{aggregation}` is not a percentile; write p(N) with N from 0 to 100, e.g. p(95) or p(99.9)"
    )]
    BadPercentile {
        /// The aggregation as written.
        aggregation: String,
    },
    /// Nothing stands after the operator.
    #[error("no value after the operator; expected {expected}")]
    MissingValue {
        /// What the value should look like.
        expected: &'static str,
    },
    /// The value is not a number in a unit this metric takes.
    #[error("`{value}` is not {expected}")]
    BadValue {
        /// The value as written.
        value: String,
        /// What the value should look like.
        expected: &'static str,
    },
    /// The value reads like a reference to a baseline but is not one.
    #[error(
        "`{value}` is not a reference: {problem}; write e.g. `2x baseline.p50`, `baseline.p(95)` or `previous.p(95) + 20%`"
    )]
    BadReference {
        /// The value as written.
        value: String,
        /// What is wrong with it.
        problem: String,
    },
    /// The referenced aggregation is in another unit than the threshold's.
    #[error("{0}")]
    ReferenceUnit(Box<UnitMismatch>),
}

/// A relative threshold whose two sides measure different things.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "`{reference}` is {theirs} but `{aggregation}` is {ours}; compare like with like, e.g. `{aggregation} < 2x baseline.{aggregation}`"
)]
pub struct UnitMismatch {
    /// The threshold's own aggregation.
    pub aggregation: String,
    /// The referenced aggregation, as written.
    pub reference: String,
    /// What the threshold's aggregation measures.
    pub ours: &'static str,
    /// What the referenced aggregation measures.
    pub theirs: &'static str,
}

fn suggest(suggestion: Option<&str>) -> String {
    match suggestion {
        Some(name) => format!("did you mean `{name}`?"),
        None => {
            let names: Vec<&str> = METRICS.iter().map(|metric| metric.name).collect();
            format!(
                "known metrics: {}; a journey's own metric is named with up to 128 ASCII letters, digits or `_`",
                names.join(", ")
            )
        }
    }
}

fn allowed_tag(allowed: Option<&str>) -> String {
    match allowed {
        Some(tag) => format!("it takes `{{{tag}:...}}` (and `{{scenario:...}}`)"),
        None => "it takes only `{scenario:...}`".to_owned(),
    }
}

fn percentile_hint(aggregation: &str) -> &'static str {
    let mut chars = aggregation.chars();
    if chars.next() == Some('p') && chars.next().is_some_and(|c| c.is_ascii_digit()) {
        " (write percentiles as p(95))"
    } else {
        ""
    }
}

pub(super) fn parse(metric: &str, expression: &str) -> Result<Threshold, ThresholdError> {
    let fail = |kind| ThresholdError {
        metric: metric.to_owned(),
        expression: expression.to_owned(),
        kind,
    };
    let source = parse_metric(metric).map_err(fail)?;
    let (aggregation, operator, limit) =
        parse_expression(source.metric, expression).map_err(fail)?;
    Ok(Threshold {
        metric: metric.to_owned(),
        expression: expression.to_owned(),
        source,
        aggregation,
        operator,
        limit,
        severity: Severity::Error,
        abort_on_fail: None,
    })
}

fn parse_metric(text: &str) -> Result<Source, ThresholdErrorKind> {
    let text = text.trim();
    let (name, pairs) = match text.split_once('{') {
        None => (text, Vec::new()),
        Some((name, rest)) => {
            // A name may itself hold braces (`GET /patients/{id}`), so the
            // filter runs to the last `}`, which must end the text.
            let bad = || ThresholdErrorKind::BadTagFilter {
                filter: format!("{{{rest}"),
            };
            let inner = rest.strip_suffix('}').ok_or_else(bad)?;
            (name.trim(), split_pairs(inner).ok_or_else(bad)?)
        }
    };
    let (spec, custom) = find_metric(name)?;
    let mut scenario = None;
    let mut others: Vec<(&str, &str)> = Vec::new();
    for (key, value) in pairs {
        if key == "scenario" {
            scenario = Some(value.to_owned());
        } else {
            others.push((key, value));
        }
    }
    let unsupported = |tag: &str, allowed| ThresholdErrorKind::UnsupportedTag {
        metric: custom.clone().unwrap_or_else(|| spec.name.to_owned()),
        tag: tag.to_owned(),
        allowed,
    };
    let (filter, submetric) = match (spec.tags, others.as_slice()) {
        (_, []) => (None, None),
        (Tags::None, [(key, _), ..]) => return Err(unsupported(key, None)),
        (Tags::One(tag), [(key, value)]) if *key == tag => (Some((*value).to_owned()), None),
        (Tags::One(tag), pairs) => {
            let key = pairs
                .iter()
                .find(|(key, _)| *key != tag)
                .map_or(tag, |p| p.0);
            return Err(unsupported(key, Some(tag)));
        }
        (Tags::Request, [("name", value)]) => (Some((*value).to_owned()), None),
        (Tags::Request, pairs) => (None, Some(Submetric::new(pairs.iter().copied())?)),
    };
    Ok(Source {
        metric: spec,
        filter,
        submetric,
        custom,
        scenario,
    })
}

/// `key:value` pairs separated by commas; a comma not followed by
/// `key:` belongs to the value before it (a request name may hold commas).
fn split_pairs(inner: &str) -> Option<Vec<(&str, &str)>> {
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    let mut start = 0;
    let looks_like_key = |rest: &str| {
        rest.split_once(':').is_some_and(|(key, _)| {
            let key = key.trim();
            !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
    };
    let mut segments = Vec::new();
    for (at, _) in inner.match_indices(',') {
        if looks_like_key(&inner[at + 1..]) {
            segments.push(&inner[start..at]);
            start = at + 1;
        }
    }
    segments.push(&inner[start..]);
    for segment in segments {
        let (key, value) = segment.split_once(':')?;
        let (key, value) = (key.trim(), value.trim());
        if key.is_empty() || value.is_empty() {
            return None;
        }
        pairs.push((key, value));
    }
    Some(pairs)
}

/// A built-in metric by name, or the journey's own (`Some(name)`) when the
/// name is not close enough to a built-in one to be a typo of it.
fn find_metric(name: &str) -> Result<(&'static MetricSpec, Option<String>), ThresholdErrorKind> {
    if let Some(spec) = METRICS.iter().find(|spec| spec.name == name) {
        return Ok((spec, None));
    }
    let suggestion = closest(name, METRICS.iter().map(|spec| spec.name));
    if suggestion.is_none() && check_metric_name(name).is_ok() {
        return Ok((&CUSTOM, Some(name.to_owned())));
    }
    Err(ThresholdErrorKind::UnknownMetric {
        name: name.to_owned(),
        suggestion,
    })
}

/// The candidate nearest to `name`, if it is near enough to be a typo.
pub(super) fn closest<'c>(
    name: &str,
    candidates: impl Iterator<Item = &'c str>,
) -> Option<&'c str> {
    let limit = (name.chars().count() / 3).max(2);
    candidates
        .map(|candidate| (strsim::levenshtein(name, candidate), candidate))
        .filter(|&(distance, _)| distance <= limit)
        .min_by_key(|&(distance, _)| distance)
        .map(|(_, candidate)| candidate)
}

fn parse_expression(
    metric: &'static MetricSpec,
    text: &str,
) -> Result<(Aggregation, Operator, Limit), ThresholdErrorKind> {
    let start = text
        .find(['<', '>', '=', '!'])
        .ok_or(ThresholdErrorKind::MissingOperator)?;
    let rest = &text[start..];
    let (operator, length) = parse_operator(rest)?;
    let aggregation_text = text[..start].trim();
    let value_text = rest[length..].trim();

    if aggregation_text.is_empty() {
        return Err(ThresholdErrorKind::MissingAggregation {
            metric: metric.name,
            allowed: metric.kind.aggregations(),
        });
    }
    let aggregation = parse_aggregation(metric, aggregation_text)?;
    let unit = ValueUnit::of(metric.kind, aggregation);
    if value_text.is_empty() {
        return Err(ThresholdErrorKind::MissingValue {
            expected: unit.expected(),
        });
    }
    if let Some(reference) = Reference::split(value_text) {
        let limit = reference.parse(metric, aggregation_text, aggregation)?;
        return Ok((aggregation, operator, limit));
    }
    let limit = unit
        .parse(value_text)
        .ok_or_else(|| ThresholdErrorKind::BadValue {
            value: value_text.to_owned(),
            expected: unit.expected(),
        })?;
    Ok((aggregation, operator, Limit::Fixed(limit)))
}

/// A value that reads like a reference (`2x baseline.p50`,
/// `previous.p(95) + 20%`), split into its parts but not yet checked.
struct Reference<'t> {
    text: &'t str,
    /// The number before `x`, if any.
    factor: Option<&'t str>,
    /// `baseline.p50`.
    target: &'t str,
    /// The signed percentage after the target, as written (`+ 20%`).
    percent: Option<&'t str>,
}

impl<'t> Reference<'t> {
    /// `Some` when `text` is meant as a reference: after an optional
    /// factor it starts with a letter or `_`, where a plain value starts
    /// with a digit.
    fn split(text: &'t str) -> Option<Reference<'t>> {
        let digits = text
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(text.len());
        let (factor, rest) = if digits > 0 {
            let rest = text[digits..].trim_start();
            let rest = ["x", "×", "*"]
                .iter()
                .find_map(|sign| rest.strip_prefix(sign))?;
            (Some(&text[..digits]), rest.trim_start())
        } else {
            (None, text)
        };
        if !rest.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
            return None;
        }
        // The percentage's sign is the last `+` or `-`: a scenario name may
        // hold a `-` of its own (`single-user.p50 + 20%`), and is all
        // name when no percentage follows (`single-user.p50`).
        let (target, percent) = match rest.rfind(['+', '-']) {
            Some(at) if rest[at + 1..].trim().ends_with('%') => {
                (rest[..at].trim(), Some(rest[at..].trim()))
            }
            _ => (rest.trim(), None),
        };
        Some(Reference {
            text,
            factor,
            target,
            percent,
        })
    }

    fn parse(
        &self,
        metric: &'static MetricSpec,
        aggregation_text: &str,
        aggregation: Aggregation,
    ) -> Result<Limit, ThresholdErrorKind> {
        let bad = |problem: String| ThresholdErrorKind::BadReference {
            value: self.text.to_owned(),
            problem,
        };
        let mut factor = match self.factor {
            None => 1.0,
            Some(text) => text
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite() && *f > 0.0)
                .ok_or_else(|| bad(format!("`{text}` is not a positive factor")))?,
        };
        if let Some(percent) = self.percent {
            let (sign, number) = percent.split_at(1);
            let number = number.trim().trim_end_matches('%').trim();
            let value: f64 = number
                .parse()
                .ok()
                .filter(|v: &f64| v.is_finite())
                .ok_or_else(|| bad(format!("`{percent}` is not a percentage")))?;
            let change = if sign == "-" { -value } else { value } / 100.0;
            if 1.0 + change <= 0.0 {
                return Err(bad(format!("`{percent}` leaves nothing of the baseline")));
            }
            factor *= 1.0 + change;
        }
        // The source is everything before the first dot that an aggregation
        // follows: a scenario name may hold dots (`a.prod.p95`), and so may
        // a percentile (`baseline.p99.9`). Without one, the last dot, so
        // that a misspelt aggregation gets its own error.
        let split = self
            .target
            .match_indices('.')
            .map(|(at, _)| at)
            .find(|&at| is_aggregation(&self.target[at + 1..]))
            .or_else(|| self.target.rfind('.'));
        let Some(dot) = split else {
            return Err(bad(format!(
                "`{}` names no aggregation after a `.`",
                self.target
            )));
        };
        let (source, reference) = (&self.target[..dot], &self.target[dot + 1..]);
        if source.is_empty() || reference.is_empty() {
            return Err(bad(format!(
                "`{}` is not `SOURCE.AGGREGATION`",
                self.target
            )));
        }
        let written = shorthand_percentile(reference);
        let theirs = parse_aggregation(metric, &written)?;
        let (ours_unit, theirs_unit) = (
            ValueUnit::of(metric.kind, aggregation),
            ValueUnit::of(metric.kind, theirs),
        );
        if ours_unit != theirs_unit {
            return Err(ThresholdErrorKind::ReferenceUnit(Box::new(UnitMismatch {
                aggregation: aggregation_text.to_owned(),
                reference: reference.to_owned(),
                ours: ours_unit.measures(),
                theirs: theirs_unit.measures(),
            })));
        }
        let baseline = if source == PREVIOUS {
            Baseline::Previous
        } else {
            Baseline::Scenario(source.to_owned())
        };
        Ok(Limit::Relative {
            factor,
            baseline,
            aggregation: theirs,
        })
    }
}

/// Whether `text` is written like an aggregation: a word such as `avg`,
/// or a percentile `p(N)` or `pN`, whatever N.
fn is_aggregation(text: &str) -> bool {
    const WORDS: [&str; 7] = ["avg", "min", "max", "med", "rate", "count", "value"];
    if WORDS.contains(&text) {
        return true;
    }
    let Some(rest) = text.strip_prefix('p') else {
        return false;
    };
    let number = rest
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .unwrap_or(rest);
    !number.is_empty() && number.parse::<f64>().is_ok()
}

/// `p95` as `p(95)`; anything else unchanged.
fn shorthand_percentile(text: &str) -> String {
    match text.strip_prefix('p') {
        Some(number) if number.starts_with(|c: char| c.is_ascii_digit()) => {
            format!("p({number})")
        }
        _ => text.to_owned(),
    }
}

/// The operator at the start of `text` and its length in bytes.
fn parse_operator(text: &str) -> Result<(Operator, usize), ThresholdErrorKind> {
    let two = text.get(..2).unwrap_or(text);
    let found = match two {
        "<=" => return Ok((Operator::Le, 2)),
        ">=" => return Ok((Operator::Ge, 2)),
        "==" => return Ok((Operator::Eq, 2)),
        "!=" => return Ok((Operator::Ne, 2)),
        "=<" | "=>" => two,
        _ if text.starts_with('<') => return Ok((Operator::Lt, 1)),
        _ if text.starts_with('>') => return Ok((Operator::Gt, 1)),
        _ => &text[..1],
    };
    let hint = match found {
        "=" => "use `==` to compare for equality",
        "=<" => "use `<=`",
        "=>" => "use `>=`",
        _ => "use one of < <= > >= == !=",
    };
    Err(ThresholdErrorKind::BadOperator {
        found: found.to_owned(),
        hint,
    })
}

fn parse_aggregation(
    metric: &'static MetricSpec,
    text: &str,
) -> Result<Aggregation, ThresholdErrorKind> {
    let aggregation = match text {
        "avg" => Aggregation::Avg,
        "min" => Aggregation::Min,
        "max" => Aggregation::Max,
        "med" => Aggregation::Med,
        "rate" => Aggregation::Rate,
        "count" => Aggregation::Count,
        "value" => Aggregation::Value,
        _ => match text.strip_prefix("p(") {
            Some(rest) if matches!(metric.kind, Kind::Trend | Kind::Custom) => {
                let percentile = rest
                    .strip_suffix(')')
                    .and_then(|number| number.trim().parse::<f64>().ok())
                    .filter(|percentile| (0.0..=100.0).contains(percentile));
                match percentile {
                    Some(percentile) => Aggregation::Percentile(percentile),
                    None => {
                        return Err(ThresholdErrorKind::BadPercentile {
                            aggregation: text.to_owned(),
                        });
                    }
                }
            }
            _ => return Err(unknown_aggregation(metric, text)),
        },
    };
    let allowed = match metric.kind {
        Kind::Trend => matches!(
            aggregation,
            Aggregation::Avg
                | Aggregation::Min
                | Aggregation::Max
                | Aggregation::Med
                | Aggregation::Percentile(_)
        ),
        Kind::Rate => aggregation == Aggregation::Rate,
        Kind::Counter | Kind::Bytes => {
            matches!(aggregation, Aggregation::Count | Aggregation::Rate)
        }
        Kind::Gauge => matches!(
            aggregation,
            Aggregation::Value | Aggregation::Min | Aggregation::Max
        ),
        // Which of these fits is known once the journey has recorded it.
        Kind::Custom => true,
    };
    if allowed {
        Ok(aggregation)
    } else {
        Err(unknown_aggregation(metric, text))
    }
}

fn unknown_aggregation(metric: &'static MetricSpec, text: &str) -> ThresholdErrorKind {
    ThresholdErrorKind::UnknownAggregation {
        metric: metric.name,
        aggregation: text.to_owned(),
        allowed: metric.kind.aggregations(),
    }
}

/// The unit a threshold's value is written in, decided by metric kind and
/// aggregation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ValueUnit {
    /// Milliseconds; written `ms`, `s`, `us`/`µs`, or bare.
    Duration,
    /// A fraction; written `1%` or `0.01`.
    Fraction,
    /// A plain count.
    Count,
    /// Events per second; written bare or with `/s`.
    PerSecond,
    /// Bytes; written `B`, `kB`, `MB`, `GB`, or bare.
    Bytes,
    /// Bytes per second; written `B/s`, `kB/s`, `MB/s`, `GB/s`, or bare.
    BytesPerSecond,
    /// A journey's own number: bare, a percentage (as a fraction), or a
    /// duration (in ms, for trends of milliseconds).
    Number,
}

impl ValueUnit {
    pub(super) fn of(kind: Kind, aggregation: Aggregation) -> ValueUnit {
        match (kind, aggregation) {
            (Kind::Trend, _) => ValueUnit::Duration,
            (Kind::Rate, _) => ValueUnit::Fraction,
            (Kind::Counter, Aggregation::Rate) => ValueUnit::PerSecond,
            (Kind::Counter, _) => ValueUnit::Count,
            (Kind::Bytes, Aggregation::Rate) => ValueUnit::BytesPerSecond,
            (Kind::Bytes, _) => ValueUnit::Bytes,
            (Kind::Gauge, _) => ValueUnit::Count,
            (Kind::Custom, _) => ValueUnit::Number,
        }
    }

    /// How an observed value in this unit is shown: the unit's symbol.
    pub(super) fn symbol(self) -> &'static str {
        match self {
            ValueUnit::Duration => "ms",
            ValueUnit::Fraction => "%",
            ValueUnit::Count => "",
            ValueUnit::PerSecond => "/s",
            ValueUnit::Bytes => "B",
            ValueUnit::BytesPerSecond => "B/s",
            ValueUnit::Number => "",
        }
    }

    /// What a value in this unit measures, for error messages.
    fn measures(self) -> &'static str {
        match self {
            ValueUnit::Duration => "a duration",
            ValueUnit::Fraction => "a rate",
            ValueUnit::Count => "a count",
            ValueUnit::PerSecond => "a rate per second",
            ValueUnit::Bytes => "a size",
            ValueUnit::BytesPerSecond => "a throughput",
            ValueUnit::Number => "a number",
        }
    }

    fn expected(self) -> &'static str {
        match self {
            ValueUnit::Duration => {
                "a duration; write e.g. `200ms`, `1.5s` or `500us` (a bare number is milliseconds)"
            }
            ValueUnit::Fraction => {
                "a rate; write a percentage such as `1%` or a fraction from 0 to 1 such as `0.01`"
            }
            ValueUnit::Count => "a count; write a number such as `1000`",
            ValueUnit::PerSecond => "a rate per second; write a number such as `50` or `50/s`",
            ValueUnit::Bytes => "a size; write e.g. `500MB`, `20kB` or `1024` (bytes; kB = 1000 B)",
            ValueUnit::BytesPerSecond => {
                "a throughput; write e.g. `10MB/s`, `500kB/s` or `1024` (bytes per second; kB = 1000 B)"
            }
            ValueUnit::Number => {
                "a number; write e.g. `100`, `90%` (a rate) or `200ms` (a trend of milliseconds)"
            }
        }
    }

    /// The value of `text` in this unit's base (ms, fraction, count, /s,
    /// B, B/s), or `None` if it is not written in this unit.
    fn parse(self, text: &str) -> Option<f64> {
        let split = text
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(text.len());
        let number: f64 = text[..split].parse().ok()?;
        let unit = text[split..].trim();
        let scale = match self {
            ValueUnit::Duration => match unit {
                "" | "ms" => 1.0,
                "s" => 1000.0,
                "us" | "µs" => 0.001,
                _ => return None,
            },
            ValueUnit::Fraction => match unit {
                "%" => 0.01,
                "" if number <= 1.0 => 1.0,
                _ => return None,
            },
            ValueUnit::Count => match unit {
                "" => 1.0,
                _ => return None,
            },
            ValueUnit::PerSecond => match unit {
                "" | "/s" => 1.0,
                _ => return None,
            },
            ValueUnit::Bytes => byte_scale(unit)?,
            ValueUnit::BytesPerSecond => match unit {
                "" => 1.0,
                _ => byte_scale(unit.strip_suffix("/s")?)?,
            },
            ValueUnit::Number => match unit {
                "" | "ms" | "/s" => 1.0,
                "%" => 0.01,
                "s" => 1000.0,
                "us" | "µs" => 0.001,
                _ => return None,
            },
        };
        Some(number * scale)
    }
}

fn byte_scale(unit: &str) -> Option<f64> {
    match unit {
        "" | "B" => Some(1.0),
        "kB" | "KB" => Some(1e3),
        "MB" => Some(1e6),
        "GB" => Some(1e9),
        _ => None,
    }
}
