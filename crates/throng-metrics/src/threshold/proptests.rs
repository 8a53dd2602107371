//! Property tests of the threshold parser: arbitrary text never panics, and
//! thresholds generated from the grammar (metric, tag filter, aggregation,
//! operator, a value with its unit or a reference to a baseline) parse to
//! what was written and show as they were written.
//!
//! 256 cases per property, so the suite stays fast; `PROPTEST_CASES=100000
//! cargo test --release -p throng-metrics proptests` for a longer run.

use std::sync::LazyLock;
use std::time::{Duration, SystemTime};

use proptest::prelude::*;

use super::parse::ValueUnit;
use super::{Aggregation, Baseline, Kind, Limit, METRICS, Operator, Tags, Threshold};
use crate::{IterationOutcome, Metrics, Phases, RequestSample, RunMeta, RunResults};

/// proptest's defaults (256 cases, `PROPTEST_CASES` overrides), without
/// writing failures to files beside the source: a case it finds becomes a
/// named regression test instead.
fn config() -> ProptestConfig {
    ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// A threshold as generated, with what parsing it must give.
#[derive(Debug, Clone)]
struct Generated {
    metric: String,
    expression: String,
    aggregation: Aggregation,
    operator: Operator,
    limit: Limit,
}

/// Optional blanks, as people type them.
fn blank() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["", " ", "  "])
}

fn operator() -> impl Strategy<Value = (&'static str, Operator)> {
    prop::sample::select(vec![
        ("<", Operator::Lt),
        ("<=", Operator::Le),
        (">", Operator::Gt),
        (">=", Operator::Ge),
        ("==", Operator::Eq),
        ("!=", Operator::Ne),
    ])
}

/// A number as written (`12`, `0.5`, `7.25`) and its value.
fn number(max: u32) -> impl Strategy<Value = (String, f64)> {
    (0..=max, prop::option::of(0u32..1000)).prop_map(|(whole, thousandths)| match thousandths {
        None => (whole.to_string(), f64::from(whole)),
        Some(t) => (
            format!("{whole}.{t:03}"),
            f64::from(whole) + f64::from(t) / 1000.0,
        ),
    })
}

/// An aggregation of `kind` as written, e.g. `p(99.9)`.
fn aggregation(kind: Kind) -> BoxedStrategy<(String, Aggregation)> {
    let fixed = |list: Vec<(&'static str, Aggregation)>| {
        prop::sample::select(list)
            .prop_map(|(text, aggregation)| (text.to_owned(), aggregation))
            .boxed()
    };
    let trend = prop_oneof![
        fixed(vec![
            ("avg", Aggregation::Avg),
            ("min", Aggregation::Min),
            ("max", Aggregation::Max),
            ("med", Aggregation::Med),
        ]),
        (0u32..=100, prop::option::of(0u32..10)).prop_map(|(whole, tenth)| {
            match tenth {
                Some(t) if whole < 100 => (
                    format!("p({whole}.{t})"),
                    Aggregation::Percentile(f64::from(whole) + f64::from(t) / 10.0),
                ),
                _ => (
                    format!("p({whole})"),
                    Aggregation::Percentile(f64::from(whole)),
                ),
            }
        }),
    ];
    match kind {
        Kind::Trend => trend.boxed(),
        Kind::Rate => fixed(vec![("rate", Aggregation::Rate)]),
        Kind::Counter | Kind::Bytes => fixed(vec![
            ("count", Aggregation::Count),
            ("rate", Aggregation::Rate),
        ]),
        Kind::Gauge => fixed(vec![
            ("value", Aggregation::Value),
            ("min", Aggregation::Min),
            ("max", Aggregation::Max),
        ]),
        Kind::Custom => prop_oneof![
            trend,
            fixed(vec![
                ("count", Aggregation::Count),
                ("rate", Aggregation::Rate),
                ("value", Aggregation::Value),
            ]),
        ]
        .boxed(),
    }
}

/// A value in `unit` as written, and its value in the unit's base.
fn value(unit: ValueUnit) -> BoxedStrategy<(String, f64)> {
    let with = |units: Vec<(&'static str, f64)>, max: u32| {
        (number(max), prop::sample::select(units), blank())
            .prop_map(|((text, n), (suffix, scale), gap)| {
                let gap = if suffix.is_empty() { "" } else { gap };
                (format!("{text}{gap}{suffix}"), n * scale)
            })
            .boxed()
    };
    match unit {
        ValueUnit::Duration => with(
            vec![
                ("", 1.0),
                ("ms", 1.0),
                ("s", 1000.0),
                ("us", 0.001),
                ("µs", 0.001),
            ],
            100_000,
        ),
        ValueUnit::Fraction => prop_oneof![
            with(vec![("%", 0.01)], 100),
            // A bare fraction is at most 1.
            (0u32..=1000)
                .prop_map(|t| (format!("{}", f64::from(t) / 1000.0), f64::from(t) / 1000.0)),
        ]
        .boxed(),
        ValueUnit::Count => with(vec![("", 1.0)], 1_000_000),
        ValueUnit::PerSecond => with(vec![("", 1.0), ("/s", 1.0)], 100_000),
        ValueUnit::Bytes => with(
            vec![
                ("", 1.0),
                ("B", 1.0),
                ("kB", 1e3),
                ("KB", 1e3),
                ("MB", 1e6),
                ("GB", 1e9),
            ],
            100_000,
        ),
        ValueUnit::BytesPerSecond => with(
            vec![
                ("", 1.0),
                ("B/s", 1.0),
                ("kB/s", 1e3),
                ("MB/s", 1e6),
                ("GB/s", 1e9),
            ],
            100_000,
        ),
        ValueUnit::Number => with(
            vec![
                ("", 1.0),
                ("ms", 1.0),
                ("/s", 1.0),
                ("%", 0.01),
                ("s", 1000.0),
                ("us", 0.001),
            ],
            100_000,
        ),
    }
}

/// A scenario name: letters, digits, `_` and `-`, or the stored result.
fn source() -> impl Strategy<Value = (String, Baseline)> {
    prop_oneof![
        Just(("previous".to_owned(), Baseline::Previous)),
        "[a-z_][a-z0-9_-]{0,12}"
            .prop_filter("the stored result's name", |name| name != "previous")
            .prop_map(|name| (name.clone(), Baseline::Scenario(name))),
    ]
}

/// `2x baseline.p50`, `previous.p(95) + 20%`: a reference to the same
/// metric elsewhere, to an aggregation in the same unit as `ours`.
fn reference(kind: Kind, ours: Aggregation) -> impl Strategy<Value = (String, Limit)> {
    let unit = ValueUnit::of(kind, ours);
    let theirs = aggregation(kind)
        .prop_filter("the same unit", move |(_, a)| {
            ValueUnit::of(kind, *a) == unit
        })
        .prop_map(|(text, aggregation)| {
            // References may write percentiles short: `p95` for `p(95)`.
            let short = text
                .strip_prefix("p(")
                .and_then(|rest| rest.strip_suffix(')'))
                .map(|n| format!("p{n}"));
            (text, short, aggregation)
        });
    let factor = prop::option::of((
        1u32..1000,
        prop::sample::select(vec!["x", "×", "*"]),
        blank(),
    ));
    let percent = prop::option::of((prop::bool::ANY, 0u32..100, blank()));
    (source(), theirs, prop::bool::ANY, factor, percent).prop_map(
        |((name, baseline), (long, short, aggregation), use_short, factor, percent)| {
            let written = match short {
                Some(short) if use_short => short,
                _ => long,
            };
            let mut text = format!("{name}.{written}");
            let mut scale = 1.0;
            if let Some((tenths, sign, gap)) = factor {
                let f = f64::from(tenths) / 10.0;
                text = format!("{f}{gap}{sign}{gap}{text}");
                scale *= f;
            }
            if let Some((up, n, gap)) = percent {
                let sign = if up { '+' } else { '-' };
                text = format!("{text}{gap}{sign}{gap}{n}%");
                scale *= 1.0 + if up { 1.0 } else { -1.0 } * f64::from(n) / 100.0;
            }
            (
                text,
                Limit::Relative {
                    factor: scale,
                    baseline,
                    aggregation,
                },
            )
        },
    )
}

/// A tag filter the metric takes, without braces: `name:query`,
/// `method:POST,status:5xx`, `scenario:peak`.
fn filter(tags: Tags) -> BoxedStrategy<Option<String>> {
    let scenario = prop::option::of("[a-z][a-z0-9_-]{0,8}".prop_map(|s| format!("scenario:{s}")));
    let own: BoxedStrategy<Vec<String>> = match tags {
        Tags::None => Just(Vec::new()).boxed(),
        Tags::One(tag) => prop::option::of("[A-Za-z][A-Za-z0-9 /_.-]{0,15}")
            .prop_map(move |v| {
                v.map(|v| format!("{tag}:{}", v.trim()))
                    .into_iter()
                    .collect()
            })
            .boxed(),
        Tags::Request => prop::collection::vec(
            prop_oneof![
                "[A-Za-z][A-Za-z0-9 /_.-]{0,15}".prop_map(|v| format!("name:{}", v.trim())),
                prop::sample::select(vec!["GET", "post", "PUT"])
                    .prop_map(|m| format!("method:{m}")),
                prop_oneof![
                    (100u16..1000).prop_map(|s| s.to_string()),
                    (1u16..10).prop_map(|c| format!("{c}xx")),
                ]
                .prop_map(|s| format!("status:{s}")),
                prop::sample::select(
                    crate::ErrorClass::ALL
                        .iter()
                        .map(|c| c.as_str())
                        .chain(["none"])
                        .collect::<Vec<_>>()
                )
                .prop_map(|c| format!("error_class:{c}")),
                "[a-z]{1,8}".prop_map(|t| format!("task:{t}")),
                ("[a-z][a-z_]{0,6}", "[a-z0-9]{1,6}")
                    .prop_filter("a built-in key", |(k, _)| {
                        ![
                            "name",
                            "method",
                            "status",
                            "error_class",
                            "task",
                            "scenario",
                        ]
                        .contains(&k.as_str())
                    })
                    .prop_map(|(k, v)| format!("{k}:{v}")),
            ],
            0..3,
        )
        .prop_filter("each key once", |pairs| {
            let mut keys: Vec<&str> = pairs.iter().filter_map(|p| p.split(':').next()).collect();
            keys.sort_unstable();
            keys.windows(2).all(|w| w[0] != w[1])
        })
        .boxed(),
    };
    (own, scenario)
        .prop_map(|(mut pairs, scenario)| {
            pairs.extend(scenario);
            (!pairs.is_empty()).then(|| pairs.join(","))
        })
        .boxed()
}

/// A built-in metric, or the journey's own, named far from every built-in.
fn metric() -> impl Strategy<Value = (String, Kind, Tags)> {
    prop_oneof![
        3 => (0..METRICS.len()).prop_map(|i| {
            let m = &METRICS[i];
            (m.name.to_owned(), m.kind, m.tags)
        }),
        1 => "journey_[a-z0-9_]{1,10}".prop_map(|name| (name, Kind::Custom, Tags::None)),
    ]
}

/// A well-formed threshold from the grammar.
fn generated() -> impl Strategy<Value = Generated> {
    metric()
        .prop_flat_map(|(name, kind, tags)| {
            (
                Just(name),
                filter(tags),
                aggregation(kind).prop_flat_map(move |(text, ours)| {
                    let fixed = value(ValueUnit::of(kind, ours))
                        .prop_map(|(text, n)| (text, Limit::Fixed(n)));
                    (
                        Just((text, ours)),
                        prop_oneof![3 => fixed, 1 => reference(kind, ours)],
                    )
                }),
                operator(),
                (blank(), blank(), blank(), blank()),
            )
        })
        .prop_map(
            |(
                name,
                filter,
                ((agg_text, aggregation), (value_text, limit)),
                (op, operator),
                gaps,
            )| {
                let metric = match filter {
                    Some(filter) => format!("{name}{{{filter}}}"),
                    None => name,
                };
                let (a, b, c, d) = gaps;
                Generated {
                    metric,
                    expression: format!("{a}{agg_text}{b}{op}{c}{value_text}{d}"),
                    aggregation,
                    operator,
                    limit,
                }
            },
        )
}

/// A few requests, checks and iterations over `seconds` (0 included: every
/// rate divides by it).
fn some_results(seconds: u64) -> RunResults {
    let metrics = Metrics::new();
    for (i, status) in [200, 200, 503, 404].into_iter().enumerate() {
        metrics.record_request(&RequestSample {
            name: if i % 2 == 0 { "query" } else { "login" },
            method: "GET",
            status: Some(status),
            error: None,
            duration: Duration::from_millis(10 * (i as u64 + 1)),
            phases: Phases::default(),
            bytes_received: 100,
            bytes_sent: 10,
            error_message: None,
        });
        metrics.record_check("ok", status == 200);
    }
    metrics.record_iteration(Duration::from_millis(50), IterationOutcome::Completed, None);
    metrics.results(RunMeta {
        started_at: SystemTime::UNIX_EPOCH,
        duration: Duration::from_secs(seconds),
        scenario: "default".into(),
        executor: "constant-vus".into(),
        vus: 1,
        module: "journey.wasm".into(),
    })
}

/// Judging a parsed threshold never panics, on results with data or
/// without, with a stored result or without.
fn judge_all(threshold: &Threshold) {
    // Made once: a recorder is costly to build.
    static RESULTS: LazyLock<[RunResults; 3]> = LazyLock::new(|| {
        let instant = some_results(0);
        let empty = Metrics::new().results(instant.meta.clone());
        [empty, instant, some_results(10)]
    });
    let [empty, instant, some] = &*RESULTS;
    for results in [empty, instant, some] {
        for previous in [None, Some(some), Some(empty)] {
            let outcome = threshold.evaluate_with(results, previous);
            assert_eq!(outcome.metric, threshold.metric);
        }
    }
}

fn near(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_text_never_panics(metric in any::<String>(), expression in any::<String>()) {
        if let Ok(threshold) = Threshold::parse(&metric, &expression) {
            judge_all(&threshold);
        }
    }

    /// Text made of the grammar's own characters reaches deeper than
    /// random Unicode does.
    #[test]
    fn grammar_shaped_text_never_panics(
        metric in r"[a-z_{}:, 0-9x]{0,30}",
        expression in r"[a-z()<>=!. 0-9%µx×*+/_-]{0,30}",
    ) {
        if let Ok(threshold) = Threshold::parse(&metric, &expression) {
            judge_all(&threshold);
        }
    }

    #[test]
    fn generated_thresholds_parse_to_what_was_written(g in generated()) {
        let parsed = Threshold::parse(&g.metric, &g.expression);
        let threshold = match parsed {
            Ok(threshold) => threshold,
            Err(e) => return Err(TestCaseError::fail(format!("{g:?}: {e}"))),
        };
        prop_assert_eq!(threshold.aggregation, g.aggregation);
        prop_assert_eq!(threshold.operator, g.operator);
        match (&threshold.limit, &g.limit) {
            (Limit::Fixed(a), Limit::Fixed(b)) => prop_assert!(near(*a, *b), "{} vs {}", a, b),
            (
                Limit::Relative { factor: a, baseline: ab, aggregation: aa },
                Limit::Relative { factor: b, baseline: bb, aggregation: ba },
            ) => {
                prop_assert!(near(*a, *b), "factor {} vs {}", a, b);
                prop_assert_eq!(ab, bb);
                prop_assert_eq!(aa, ba);
            }
            (ours, theirs) => prop_assert!(false, "{:?} vs {:?}", ours, theirs),
        }

        // Display round-trips: it shows the threshold as written, and that
        // text parses back to the same threshold.
        let shown = threshold.to_string();
        prop_assert_eq!(&shown, &format!("{}: {}", g.metric, g.expression));
        let after_filter = shown.find('}').map_or(0, |i| i + 1);
        let colon = after_filter + shown[after_filter..].find(':').unwrap();
        let again = Threshold::parse(&shown[..colon], &shown[colon + 1..]).unwrap();
        prop_assert_eq!(again.source, threshold.source.clone());
        prop_assert_eq!(again.aggregation, threshold.aggregation);
        prop_assert_eq!(again.operator, threshold.operator);
        prop_assert_eq!(again.limit, threshold.limit.clone());
        judge_all(&threshold);
    }
}

/// The percentage of a reference is the last `+`/`-`: a scenario name may
/// hold a `-` of its own.
#[test]
fn a_hyphenated_baseline_with_a_percentage() {
    let threshold = Threshold::parse(
        "http_req_duration{scenario:multi-user}",
        "p(95) < single-user.p(95) + 20%",
    )
    .unwrap();
    let Limit::Relative {
        factor,
        baseline,
        aggregation,
    } = threshold.limit
    else {
        panic!("{:?}", threshold.limit);
    };
    assert!(near(factor, 1.2), "{factor}");
    assert_eq!(baseline, Baseline::Scenario("single-user".into()));
    assert_eq!(aggregation, Aggregation::Percentile(95.0));
}
