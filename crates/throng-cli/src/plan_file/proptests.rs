//! Property tests of the plan parser: arbitrary text and random plans
//! (every key the format has, values of the right type or not, absurd
//! numbers, with random command-line overrides) never panic; reading
//! returns a plan or an error, and lowering returns a valid plan or an
//! error.
//!
//! 256 cases per property, so the suite stays fast; `PROPTEST_CASES=100000
//! cargo test --release -p throng-cli --bin throng proptests` for a longer
//! run.

use proptest::prelude::*;
use toml::{Table, Value};

use super::*;

/// proptest's defaults (256 cases, `PROPTEST_CASES` overrides), without
/// writing failures to files beside the source: a case it finds becomes a
/// named regression test instead.
fn config() -> ProptestConfig {
    ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Reads `text` as the file `plan.toml` would be (so errors locate lines),
/// then lowers it; a plan that lowers is valid.
fn read_and_lower(text: &str, load: &LoadArgs) {
    let mut file: PlanFile = match toml::from_str(text) {
        Ok(file) => file,
        Err(e) => {
            // The hint is computed from any message without panicking.
            let _ = unknown_field_hint(e.message());
            return;
        }
    };
    file.source = Some((PathBuf::from("plan.toml"), text.to_owned()));
    if let Ok(lowered) = lower(file, Path::new("/plans"), None, load) {
        assert!(!lowered.plan.scenarios.is_empty());
        lowered.plan.validate().expect("a lowered plan is valid");
    }
}

/// Duration text: mostly good, sometimes zero, absurd, or not a duration.
fn duration_text() -> BoxedStrategy<String> {
    prop_oneof![
        8 => (1u64..120, prop::sample::select(vec!["ms", "s", "m"]))
            .prop_map(|(n, unit)| format!("{n}{unit}")),
        1 => (0u64..5000, prop::sample::select(vec!["ns", "us", "h", "d", "y"]))
            .prop_map(|(n, unit)| format!("{n}{unit}")),
        1 => (any::<u64>(), prop::sample::select(vec!["s", "h", "d", "y"]))
            .prop_map(|(n, unit)| format!("{n}{unit}")),
        1 => Just("0s".to_owned()),
        1 => "[0-9a-z .]{0,12}",
    ]
    .boxed()
}

/// Think time: a duration, a range, pacing, or nonsense.
fn think_text() -> BoxedStrategy<String> {
    prop_oneof![
        duration_text(),
        (duration_text(), duration_text()).prop_map(|(a, b)| format!("{a}..{b}")),
        duration_text().prop_map(|d| format!("every {d}")),
    ]
    .boxed()
}

/// A count as the plan may write it: mostly small, sometimes zero, huge
/// or negative.
fn count() -> BoxedStrategy<Value> {
    prop_oneof![
        8 => (1i64..50).prop_map(Value::Integer),
        1 => Just(Value::Integer(0)),
        1 => (0i64..3_000_000).prop_map(Value::Integer),
        1 => any::<i64>().prop_map(Value::Integer),
    ]
    .boxed()
}

/// Any value of any TOML type, for keys given the wrong one.
fn anything() -> BoxedStrategy<Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::Integer),
        any::<f64>().prop_map(Value::Float),
        any::<bool>().prop_map(Value::Boolean),
        "\\PC{0,12}".prop_map(Value::String),
        Just(Value::Array(Vec::new())),
        Just(Value::Table(Table::new())),
    ]
    .boxed()
}

/// Mostly of the right type, sometimes not.
fn or_anything(right: BoxedStrategy<Value>) -> BoxedStrategy<Value> {
    prop_oneof![12 => right, 1 => anything()].boxed()
}

fn string(s: BoxedStrategy<String>) -> BoxedStrategy<Value> {
    or_anything(s.prop_map(Value::String).boxed())
}

/// A threshold as the plan writes it: mostly a good one, sometimes text
/// of the grammar's characters.
fn threshold() -> BoxedStrategy<(String, String)> {
    prop_oneof![
        6 => prop::sample::select(vec![
            ("http_req_duration", "p(95) < 500ms"),
            ("http_req_failed", "rate < 1%"),
            ("http_reqs", "count > 10"),
            ("http_req_duration{scenario:warmup}", "p(99) < 2x peak.p50"),
            ("http_req_duration{name:query}", "p(95) < previous.p(95) + 20%"),
            ("checks{check:ok}", "rate > 99%"),
            ("journey_things", "count < 5"),
            ("iterations", "rate >= 1"),
        ])
        .prop_map(|(m, e)| (m.to_owned(), e.to_owned())),
        1 => (
            prop::sample::select(vec!["http_req_duration", "http_req_duraton", "vus{scenario:soak}"]),
            "[a-z()<>=!. 0-9%x+-]{0,20}",
        )
            .prop_map(|(m, e)| (m.to_owned(), e)),
    ]
    .boxed()
}

fn thresholds() -> BoxedStrategy<Value> {
    let entry = prop_oneof![
        4 => threshold().prop_map(|(m, e)| (m, Value::String(e))),
        1 => (
            threshold(),
            prop::option::of(prop::sample::select(vec!["error", "warning", "fatal"])),
            prop::option::of(or_anything(any::<bool>().prop_map(Value::Boolean).boxed())),
            prop::option::weighted(0.3, duration_text()),
            prop::option::weighted(0.1, "[a-z_]{1,15}"),
        )
            .prop_map(|((metric, expression), severity, abort, delay, extra)| {
                let mut t = Table::new();
                t.insert("threshold".into(), Value::String(expression));
                if let Some(s) = severity {
                    t.insert("severity".into(), Value::String(s.into()));
                }
                if let Some(a) = abort {
                    t.insert("abort_on_fail".into(), a);
                }
                if let Some(d) = delay {
                    t.insert("delay_abort_eval".into(), Value::String(d));
                }
                if let Some(key) = extra {
                    t.insert(key, Value::Boolean(true));
                }
                (metric, Value::Table(t))
            }),
        1 => anything().prop_map(|v| ("http_req_duration".to_owned(), v)),
    ];
    prop::collection::vec(entry, 1..4)
        .prop_map(|entries| {
            let mut table = Table::new();
            for (metric, entry) in entries {
                let list = table
                    .entry(metric)
                    .or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(list) = list {
                    list.push(entry);
                }
            }
            Value::Table(table)
        })
        .boxed()
}

fn stages() -> BoxedStrategy<Value> {
    let stage = (duration_text(), count()).prop_map(|(d, target)| {
        let mut t = Table::new();
        t.insert("duration".into(), Value::String(d));
        t.insert("target".into(), target);
        Value::Table(t)
    });
    or_anything(
        prop::collection::vec(stage, 0..4)
            .prop_map(Value::Array)
            .boxed(),
    )
}

/// A value for a scenario key: mostly one the key takes.
fn field(key: &'static str, names: &[String]) -> BoxedStrategy<Value> {
    match key {
        "module" => string(Just("other.wasm".to_owned()).boxed()),
        "executor" => string(
            prop::sample::select(EXECUTORS.iter().chain(&["constant-vu"]).collect::<Vec<_>>())
                .prop_map(|e| (*e).to_owned())
                .boxed(),
        ),
        "vus" | "iterations" | "start_vus" | "rate" | "start_rate" | "pre_allocated_vus"
        | "max_vus" => or_anything(count()),
        "duration" | "max_duration" | "time_unit" | "graceful_stop" | "start_time" | "duraton" => {
            string(duration_text())
        }
        "stages" => stages(),
        "think_time" => string(think_text()),
        "rate_per_vu" => or_anything(
            prop_oneof![
                4 => (0.01f64..1000.0).prop_map(Value::Float),
                1 => any::<f64>().prop_map(Value::Float),
                1 => count(),
            ]
            .boxed(),
        ),
        "after" => string(prop::sample::select(names.to_vec()).boxed()),
        "tasks" => or_anything(
            prop::collection::btree_map("[a-z]{1,6}", count(), 0..3)
                .prop_map(|m| Value::Table(m.into_iter().collect()))
                .boxed(),
        ),
        _ => anything(),
    }
}

/// The keys an executor reads besides the common ones.
fn executor_keys(executor: &str) -> &'static [&'static str] {
    match executor {
        "constant-vus" => &["vus", "duration"],
        "per-vu-iterations" | "shared-iterations" => &["vus", "iterations", "max_duration"],
        "ramping-vus" => &["start_vus", "stages"],
        "constant-arrival-rate" => &[
            "rate",
            "time_unit",
            "duration",
            "pre_allocated_vus",
            "max_vus",
        ],
        _ => &[
            "start_rate",
            "time_unit",
            "stages",
            "pre_allocated_vus",
            "max_vus",
        ],
    }
}

/// Every key a scenario table has, and one misspelt.
const SCENARIO_KEYS: [&str; 21] = [
    "module",
    "executor",
    "vus",
    "duration",
    "iterations",
    "max_duration",
    "start_vus",
    "stages",
    "rate",
    "start_rate",
    "time_unit",
    "pre_allocated_vus",
    "max_vus",
    "think_time",
    "rate_per_vu",
    "graceful_stop",
    "after",
    "start_time",
    "tasks",
    "params",
    "duraton",
];

/// One scenario table: an executor (named, or implied by its keys) with
/// most of the keys it reads, some common ones, and now and then a key it
/// does not read or does not have.
fn scenario(names: Vec<String>) -> BoxedStrategy<Value> {
    (
        prop::sample::select(EXECUTORS.to_vec()),
        any::<bool>(),
        // Now and then a key the executor does not read, or a misspelt one.
        prop::option::weighted(0.3, prop::sample::select(SCENARIO_KEYS.to_vec())),
    )
        .prop_flat_map(move |(executor, named, extra)| {
            let closed = !executor.contains("arrival");
            let mut keys: Vec<&'static str> = executor_keys(executor).to_vec();
            keys.extend(["graceful_stop", "after", "start_time", "tasks", "module"]);
            if closed {
                keys.extend(["think_time", "rate_per_vu"]);
            }
            keys.extend(extra);
            let picks: Vec<BoxedStrategy<Option<(&'static str, Value)>>> = keys
                .into_iter()
                .map(|key| {
                    let likely = executor_keys(executor).contains(&key);
                    prop::option::weighted(
                        if likely { 0.9 } else { 0.15 },
                        field(key, &names).prop_map(move |v| (key, v)),
                    )
                    .boxed()
                })
                .collect();
            picks.prop_map(move |picked| {
                let mut table: Table = picked
                    .into_iter()
                    .flatten()
                    .map(|(k, v)| (k.to_owned(), v))
                    .collect();
                if named {
                    table.insert("executor".into(), Value::String(executor.to_owned()));
                }
                Value::Table(table)
            })
        })
        .boxed()
}

/// A whole plan: the top-level keys, `[scenario]` or some
/// `[scenarios.*]`, thresholds, data and http.
fn plan() -> impl Strategy<Value = String> {
    let names = prop::collection::vec(
        prop::sample::select(vec!["warmup", "peak", "soak", "default"]),
        1..4,
    )
    .prop_map(|mut names| {
        names.dedup();
        names.into_iter().map(str::to_owned).collect::<Vec<_>>()
    });
    (names, any::<bool>()).prop_flat_map(|(names, short)| {
        let scenarios = prop::collection::vec(scenario(names.clone()), names.len());
        let data = prop::option::weighted(
            0.3,
            (
                "[a-z]{1,6}",
                prop::sample::select(vec!["p.csv", "p.json", "p.txt"]),
                prop::option::of(prop::sample::select(vec![
                    "random",
                    "round-robin",
                    "sequential-unique",
                    "shuffled",
                ])),
            ),
        );
        let http = prop::option::weighted(
            0.3,
            (
                prop::option::of(any::<bool>()),
                prop::option::of(duration_text()),
            ),
        );
        (
            Just(names),
            Just(short),
            scenarios,
            prop::option::weighted(0.4, thresholds()),
            data,
            http,
            prop::option::weighted(
                0.15,
                prop::sample::select(vec!["20%", "20%", "-5%", "abc", "1e400%"]),
            ),
            prop::bool::weighted(0.3),
        )
            .prop_map(
                |(names, short, scenarios, thresholds, data, http, max_regression, previous)| {
                    let mut top = Table::new();
                    top.insert("module".into(), Value::String("j.wasm".into()));
                    if short {
                        top.insert("scenario".into(), scenarios[0].clone());
                    } else {
                        let named: Table = names.into_iter().zip(scenarios).collect();
                        top.insert("scenarios".into(), Value::Table(named));
                    }
                    if let Some(t) = thresholds {
                        top.insert("thresholds".into(), t);
                    }
                    if let Some((name, file, strategy)) = data {
                        let mut d = Table::new();
                        d.insert("file".into(), Value::String(file.into()));
                        if let Some(s) = strategy {
                            d.insert("strategy".into(), Value::String(s.into()));
                        }
                        let mut sets = Table::new();
                        sets.insert(name, Value::Table(d));
                        top.insert("data".into(), Value::Table(sets));
                    }
                    if let Some((insecure, timeout)) = http {
                        let mut h = Table::new();
                        if let Some(i) = insecure {
                            h.insert("insecure".into(), Value::Boolean(i));
                        }
                        if let Some(t) = timeout {
                            h.insert("timeout".into(), Value::String(t));
                        }
                        top.insert("http".into(), Value::Table(h));
                    }
                    if let Some(m) = max_regression {
                        top.insert("max_regression".into(), Value::String(m.into()));
                    }
                    if previous {
                        top.insert("previous".into(), Value::String("last.json".into()));
                    }
                    toml::to_string(&top).expect("a table serializes")
                },
            )
    })
}

/// The command line's overrides, as clap would hand them over (`--scale`
/// is positive and finite, as its parser insists).
fn load_args() -> impl Strategy<Value = LoadArgs> {
    let duration = || {
        prop::option::weighted(
            0.1,
            prop_oneof![
                4 => (1u64..100_000).prop_map(Duration::from_millis),
                1 => Just(Duration::ZERO),
                1 => any::<u64>().prop_map(Duration::from_secs),
            ],
        )
    };
    (
        (
            prop::option::weighted(0.1, prop_oneof![4 => 1u32..100, 1 => any::<u32>()]),
            duration(),
            prop::option::weighted(0.1, prop_oneof![4 => 1u64..100, 1 => any::<u64>()]),
            duration(),
            prop::option::weighted(0.1, think_text()),
            prop::option::weighted(0.1, any::<f64>()),
        ),
        (
            prop::option::weighted(
                0.3,
                prop_oneof![1e-6f64..10.0, 1e-300f64..1e300].prop_filter("positive", |s| *s > 0.0),
            ),
            duration(),
            prop::collection::vec(
                prop_oneof![
                    threshold().prop_map(|(m, e)| format!("{m}: {e}")),
                    "[a-z_{}:]{1,25}: [a-z()<>=. 0-9%]{1,15}",
                ],
                0..2,
            ),
            prop::option::weighted(0.1, Just(PathBuf::from("prev.json"))),
            prop::option::weighted(
                0.1,
                prop::sample::select(vec!["10%", "x"]).prop_map(str::to_owned),
            ),
        ),
    )
        .prop_map(
            |(
                (vus, duration, iterations, max_duration, think_time, rate_per_vu),
                (scale, graceful_stop, thresholds, previous, max_regression),
            )| LoadArgs {
                vus,
                duration,
                iterations,
                max_duration,
                think_time,
                rate_per_vu,
                scale,
                graceful_stop,
                thresholds,
                previous,
                max_regression,
                ..LoadArgs::default()
            },
        )
}

/// `N` seconds as the plan writes it.
fn seconds(range: std::ops::Range<u32>) -> BoxedStrategy<Value> {
    range.prop_map(|n| Value::String(format!("{n}s"))).boxed()
}

fn int(range: std::ops::Range<i64>) -> BoxedStrategy<Value> {
    range.prop_map(Value::Integer).boxed()
}

fn sound_stages(target: std::ops::Range<i64>) -> BoxedStrategy<Value> {
    prop::collection::vec((seconds(1..60), int(target)), 1..4)
        .prop_map(|stages| {
            Value::Array(
                stages
                    .into_iter()
                    .map(|(duration, target)| {
                        let mut t = Table::new();
                        t.insert("duration".into(), duration);
                        t.insert("target".into(), target);
                        Value::Table(t)
                    })
                    .collect(),
            )
        })
        .boxed()
}

/// A scenario that must lower: the keys its executor reads, with values
/// it takes, and some of the common keys. `after` names one of `earlier`.
fn sound_scenario(earlier: Vec<String>) -> BoxedStrategy<(&'static str, Table)> {
    let time_unit = || prop::option::of(prop::sample::select(vec!["1s", "100ms", "1m"]));
    let executor = prop::sample::select(EXECUTORS.to_vec());
    executor
        .prop_flat_map(move |executor| {
            let keys: BoxedStrategy<Vec<(&'static str, Value)>> = match executor {
                "constant-vus" => (int(1..50), seconds(1..600))
                    .prop_map(|(v, d)| vec![("vus", v), ("duration", d)])
                    .boxed(),
                "per-vu-iterations" | "shared-iterations" => {
                    (int(1..50), int(1..1000), prop::option::of(seconds(1..3600)))
                        .prop_map(|(v, i, m)| {
                            let mut keys = vec![("vus", v), ("iterations", i)];
                            keys.extend(m.map(|m| ("max_duration", m)));
                            keys
                        })
                        .boxed()
                }
                "ramping-vus" => (int(1..10), sound_stages(0..50))
                    .prop_map(|(v, st)| vec![("start_vus", v), ("stages", st)])
                    .boxed(),
                "constant-arrival-rate" => (
                    int(1..100),
                    time_unit(),
                    seconds(1..600),
                    int(1..20),
                    prop::option::of(int(0..50)),
                )
                    .prop_map(|(r, tu, d, p, m)| {
                        let mut keys = vec![("rate", r), ("duration", d), ("pre_allocated_vus", p)];
                        keys.extend(tu.map(|tu| ("time_unit", Value::String(tu.into()))));
                        keys.extend(m.map(|m| ("max_vus", m)));
                        keys
                    })
                    .boxed(),
                _ => (
                    prop::option::of(int(0..50)),
                    time_unit(),
                    sound_stages(0..100),
                    int(1..20),
                    prop::option::of(int(0..50)),
                )
                    .prop_map(|(sr, tu, st, p, m)| {
                        let mut keys = vec![("stages", st), ("pre_allocated_vus", p)];
                        keys.extend(sr.map(|sr| ("start_rate", sr)));
                        keys.extend(tu.map(|tu| ("time_unit", Value::String(tu.into()))));
                        keys.extend(m.map(|m| ("max_vus", m)));
                        keys
                    })
                    .boxed(),
            };
            let closed = !executor.contains("arrival");
            let pause = prop_oneof![
                Just(None),
                (1u32..5000).prop_map(|ms| Some(("think_time", Value::String(format!("{ms}ms"))))),
                (0u32..1000, 0u32..1000).prop_map(|(a, b)| Some((
                    "think_time",
                    Value::String(format!("{}ms..{}ms", a.min(b), a.max(b)))
                ))),
                (1u32..60).prop_map(|s| Some(("think_time", Value::String(format!("every {s}s"))))),
                (0.1f64..100.0).prop_map(|r| Some(("rate_per_vu", Value::Float(r)))),
            ]
            .prop_map(move |pause| pause.filter(|_| closed));
            let after = if earlier.is_empty() {
                Just(None).boxed()
            } else {
                prop::option::of(prop::sample::select(earlier.clone())).boxed()
            };
            (
                Just(executor),
                keys,
                // Shared iterations must be named; the others may be
                // implied by their keys.
                prop::bool::ANY.prop_map(move |named| named || executor == "shared-iterations"),
                pause,
                prop::option::of(seconds(0..60)),
                prop::option::of(seconds(0..60)),
                after,
            )
        })
        .prop_map(|(executor, keys, named, pause, grace, start, after)| {
            let mut table: Table = keys.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
            if named {
                table.insert("executor".into(), Value::String(executor.into()));
            }
            if let Some((k, v)) = pause {
                table.insert(k.into(), v);
            }
            if let Some(g) = grace {
                table.insert("graceful_stop".into(), g);
            }
            match (after, start) {
                (Some(after), _) => {
                    table.insert("after".into(), Value::String(after));
                }
                (None, Some(start)) => {
                    table.insert("start_time".into(), start);
                }
                (None, None) => {}
            }
            (executor, table)
        })
        .boxed()
}

/// A plan that must lower, and the scenarios (name, executor) it has.
fn sound_plan() -> impl Strategy<Value = (String, Vec<(String, &'static str)>)> {
    let names = prop::sample::subsequence(vec!["warmup", "peak", "soak", "ramp"], 1..=4)
        .prop_shuffle()
        .prop_map(|names| names.into_iter().map(str::to_owned).collect::<Vec<_>>());
    (names, any::<bool>(), any::<bool>(), any::<bool>())
        .prop_flat_map(|(names, short, gated, compared)| {
            let scenarios: Vec<_> = (0..names.len())
                .map(|i| sound_scenario(names[..i].to_vec()))
                .collect();
            let reference = (
                prop::sample::select(names.clone()),
                prop::sample::select(names.clone()),
            );
            (Just(names), Just(short), scenarios, Just(gated), reference, Just(compared))
        })
        .prop_map(|(names, short, scenarios, gated, (judged, baseline), compared)| {
            let mut top = Table::new();
            top.insert("module".into(), Value::String("j.wasm".into()));
            let expected = names
                .iter()
                .zip(&scenarios)
                .map(|(name, (executor, _))| (name.clone(), *executor))
                .collect::<Vec<_>>();
            let short = short && names.len() == 1;
            let tables = scenarios.into_iter().map(|(_, t)| Value::Table(t));
            if short {
                top.insert("scenario".into(), tables.into_iter().next().unwrap());
            } else {
                top.insert(
                    "scenarios".into(),
                    Value::Table(names.iter().cloned().zip(tables).collect()),
                );
            }
            if gated {
                let judged = if short { "default".to_owned() } else { judged };
                let baseline = if short { "default".to_owned() } else { baseline };
                let text = format!(
                    r#"[thresholds]
http_req_failed = ["rate < 1%", {{ threshold = "rate < 5%", abort_on_fail = true, delay_abort_eval = "10s" }}]
"http_req_duration{{scenario:{judged}}}" = ["p(95) < 2x {baseline}.p50", {{ threshold = "p(99) < 2s", severity = "warning" }}]
"#
                );
                let extra: Table = toml::from_str(&text).unwrap();
                top.extend(extra);
            }
            if compared {
                top.insert("previous".into(), Value::String("last.json".into()));
                top.insert("max_regression".into(), Value::String("20%".into()));
            }
            let text = toml::to_string(&top).expect("a table serializes");
            let expected = if short {
                vec![("default".to_owned(), expected[0].1)]
            } else {
                expected
            };
            (text, expected)
        })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        read_and_lower(&text, &LoadArgs::default());
    }

    /// Text made of TOML's own characters and the plan's keys gets past
    /// the TOML parser more often than random Unicode does.
    #[test]
    fn toml_shaped_text_never_panics(
        lines in prop::collection::vec(
            prop_oneof![
                "\\[(scenario|scenarios\\.[a-z]{1,5}|data\\.[a-z]{1,3}|http|thresholds|params)\\]",
                "(vus|duration|iterations|executor|stages|rate|think_time|after|module|file) = (\"[a-z0-9. -]{0,8}\"|[0-9-]{1,12}|true|\\[\\])",
                "[a-z_\"{}:]{1,12} = [\\[\\]{}\"a-z0-9=,. ]{0,20}",
            ],
            0..12,
        )
    ) {
        read_and_lower(&lines.join("\n"), &LoadArgs::default());
    }

    #[test]
    fn random_plans_lower_or_fail_without_panicking(text in plan(), load in load_args()) {
        read_and_lower(&text, &load);
    }

    #[test]
    fn sound_plans_lower_to_their_scenarios(
        (text, expected) in sound_plan(),
        scale in prop::option::of(0.01f64..10.0),
    ) {
        let file: PlanFile = toml::from_str(&text).map_err(|e| TestCaseError::fail(format!("{text}\n{e}")))?;
        let load = LoadArgs { scale, ..LoadArgs::default() };
        let lowered = lower(file, Path::new("/plans"), None, &load)
            .map_err(|e| TestCaseError::fail(format!("{text}\n{e:#}")))?;
        let got: Vec<(String, &str)> = lowered
            .plan
            .scenarios
            .iter()
            .map(|s| (s.name.clone(), s.executor.name()))
            .collect();
        prop_assert_eq!(got, expected, "{}", text);
        prop_assert!(lowered.plan.validate().is_ok());
    }
}
