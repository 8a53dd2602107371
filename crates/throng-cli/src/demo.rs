//! `throng demo` and `throng target`: the bundled system under test.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::anyhow;
use throng_engine::{Executor, Plan, Scenario};
use throng_metrics::Threshold;
use throng_target::{Target, TargetConfig};

use crate::args::{DemoArgs, LoadArgs, TargetArgs};
use crate::exit::Outcome;
use crate::plan_file::{HttpSettings, Limits, Lowered};
use crate::quick::CLINICIAN;
use crate::run::execute;

/// The demo's SLA: what a clinician-facing team would write.
const DEMO_THRESHOLDS: [(&str, &str); 4] = [
    ("http_req_duration{name:query}", "p(95) < 500ms"),
    ("http_req_duration{name:login}", "p(99) < 200ms"),
    ("http_req_failed", "rate < 1%"),
    ("checks", "rate > 99%"),
];

pub async fn demo(args: DemoArgs) -> Outcome {
    let (think_min, think_max) = match args.think.split_once("..") {
        Some((lo, hi)) if lo.trim().parse::<f64>().is_ok() && hi.trim().parse::<f64>().is_ok() => {
            (lo.trim().to_owned(), hi.trim().to_owned())
        }
        _ => {
            return Outcome::BadInput(anyhow!(
                "--think {:?} is not `MIN..MAX` seconds, e.g. `1..5`",
                args.think
            ));
        }
    };
    let target = match Target::start(TargetConfig::default()).await {
        Ok(target) => target,
        Err(e) => return Outcome::Aborted(anyhow!("cannot start the demo target: {e}")),
    };
    if !args.output.quiet {
        eprintln!("throng demo: target listening on {}", target.base_url());
    }
    let executor = Executor::ConstantVus {
        vus: args.vus,
        duration: args.duration,
    };
    let mut scenario = Scenario::new(CLINICIAN.name, executor);
    scenario.name = "clinicians".into();
    scenario.graceful_stop = Duration::from_secs(10);
    scenario.params = BTreeMap::from([
        ("base_url".to_owned(), target.base_url()),
        ("think_min_s".to_owned(), think_min),
        ("think_max_s".to_owned(), think_max),
    ]);
    let thresholds = DEMO_THRESHOLDS
        .iter()
        .map(|(metric, expr)| Threshold::parse(metric, expr))
        .collect::<Result<Vec<_>, _>>();
    let thresholds = match thresholds {
        Ok(t) => t,
        Err(e) => return Outcome::Aborted(anyhow!("demo thresholds: {e}")),
    };
    let plan = Plan {
        scenarios: vec![scenario],
        thresholds,
    };
    let http = HttpSettings {
        allow: crate::allow::lower(None, &[], &plan.scenarios),
        ..HttpSettings::default()
    };
    let lowered = Lowered {
        plan,
        http,
        limits: Limits::default(),
        data: Vec::new(),
        previous: None,
        max_regression: None,
    };
    let outcome = execute(lowered, Some(CLINICIAN), &args.output, &LoadArgs::default()).await;
    target.shutdown().await;
    outcome
}

pub async fn serve_target(args: TargetArgs) -> Outcome {
    let mut config = TargetConfig {
        addr: args.addr,
        tls: args.tls,
        ..TargetConfig::default()
    };
    if let Some(latency) = &args.query_latency {
        match latency.parse() {
            Ok(l) => config.query_latency = l,
            Err(e) => return Outcome::BadInput(anyhow!("--query-latency: {e}")),
        }
    }
    let target = match Target::start(config).await {
        Ok(target) => target,
        Err(e) => {
            return Outcome::Aborted(anyhow!("cannot start the target on {}: {e}", args.addr));
        }
    };
    println!(
        "throng target listening on {} (Ctrl-C to stop)",
        target.base_url()
    );
    let _ = tokio::signal::ctrl_c().await;
    target.shutdown().await;
    Outcome::Verdict { passed: true }
}
