//! `throng inspect`: what a module is and whether this throng can run it,
//! the first thing to look at when a module is refused.

use std::fmt::Write as _;

use serde_json::json;
use std::io::Write as _;
use throng_host::{Host, HostOptions, ImportStatus, ModuleKind, ModuleReport};

use crate::args::InspectArgs;
use crate::exit::Outcome;

/// Inspect the module and print the report; exit 0 when throng can run it.
pub async fn inspect(args: InspectArgs) -> Outcome {
    let host = match Host::new(HostOptions {
        use_cache: false,
        ..HostOptions::default()
    }) {
        Ok(host) => host,
        Err(e) => return Outcome::Aborted(e.into()),
    };
    let report = match host.inspect(&args.module).await {
        Ok(report) => report,
        Err(e) => return Outcome::BadInput(e.into()),
    };
    let text = if args.json {
        let mut text = serde_json::to_string_pretty(&as_json(&report)).unwrap_or_default();
        text.push('\n');
        text
    } else {
        as_text(&report)
    };
    // A closed pipe (`| head`) is not an error worth a panic.
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    if report.runnable() {
        Outcome::Verdict { passed: true }
    } else {
        Outcome::Refused
    }
}

fn kind_name(kind: ModuleKind) -> &'static str {
    match kind {
        ModuleKind::Component => "component",
        ModuleKind::CoreModule => "core module (not a component)",
        ModuleKind::NotWasm => "not WebAssembly",
    }
}

fn contract_line(report: &ModuleReport) -> String {
    let host = report.host_contract;
    if report.contract_versions.is_empty() {
        return format!("none (this throng speaks throng:vu@{host})");
    }
    let found: Vec<String> = report
        .contract_versions
        .iter()
        .map(|v| format!("throng:vu@{v}"))
        .collect();
    let verdict = if report.contract_matches() {
        "matches"
    } else {
        "does not match"
    };
    format!(
        "{} ({verdict} this throng's throng:vu@{host})",
        found.join(", ")
    )
}

fn status_word(status: &ImportStatus) -> &'static str {
    match status {
        ImportStatus::Provided => "provided",
        ImportStatus::Missing { .. } => "MISSING",
        ImportStatus::Unchecked => "unchecked",
    }
}

/// The human-readable report.
fn as_text(report: &ModuleReport) -> String {
    let mut out = String::new();
    let size = report.size as f64 / 1024.0;
    let _ = writeln!(out, "module    {}", report.path.display());
    let _ = writeln!(out, "size      {size:.1} KiB ({} bytes)", report.size);
    let _ = writeln!(out, "kind      {}", kind_name(report.kind));
    if report.kind == ModuleKind::Component {
        let _ = writeln!(out, "contract  {}", contract_line(report));
    }
    if let Some(time) = report.compile_time {
        let _ = writeln!(out, "compile   {} ms", time.as_millis());
    }
    if report.kind == ModuleKind::Component {
        let _ = writeln!(out, "exports   {}", report.exports.len());
        for name in &report.exports {
            let _ = writeln!(out, "  {name}");
        }
        let _ = writeln!(out, "imports   {}", report.imports.len());
        let width = report
            .imports
            .iter()
            .map(|i| i.name.len())
            .max()
            .unwrap_or(0);
        for import in &report.imports {
            let _ = write!(
                out,
                "  {:width$}  {}",
                import.name,
                status_word(&import.status)
            );
            match &import.status {
                ImportStatus::Missing { reason } if !reason.is_empty() => {
                    let _ = writeln!(out, " ({reason})");
                }
                _ => out.push('\n'),
            }
        }
    }
    if let Some(tasks) = &report.tasks {
        let _ = writeln!(out, "tasks     {}", tasks.len());
        let width = tasks.iter().map(|t| t.name.len()).max().unwrap_or(0);
        for task in tasks {
            let _ = writeln!(out, "  {:width$}  weight {}", task.name, task.weight);
        }
    }
    match &report.refusal {
        None => out.push_str("ok: throng can run this module\n"),
        Some(why) => {
            let _ = writeln!(out, "refused: {why}");
        }
    }
    out
}

/// The machine-readable report.
fn as_json(report: &ModuleReport) -> serde_json::Value {
    let kind = match report.kind {
        ModuleKind::Component => "component",
        ModuleKind::CoreModule => "core-module",
        ModuleKind::NotWasm => "not-wasm",
    };
    let imports: Vec<serde_json::Value> = report
        .imports
        .iter()
        .map(|i| match &i.status {
            ImportStatus::Missing { reason } => {
                json!({"name": i.name, "status": "missing", "reason": reason})
            }
            other => json!({"name": i.name, "status": status_word(other)}),
        })
        .collect();
    let tasks = report.tasks.as_ref().map(|tasks| {
        tasks
            .iter()
            .map(|t| json!({"name": t.name, "weight": t.weight}))
            .collect::<Vec<_>>()
    });
    json!({
        "path": report.path,
        "size_bytes": report.size,
        "kind": kind,
        "contract_versions": report.contract_versions,
        "host_contract": report.host_contract,
        "contract_matches": report.contract_matches(),
        "exports": report.exports,
        "imports": imports,
        "tasks": tasks,
        "compile_ms": report.compile_time.map(|t| t.as_secs_f64() * 1e3),
        "runnable": report.runnable(),
        "refusal": report.refusal.as_ref().map(|e| e.to_string()),
    })
}
