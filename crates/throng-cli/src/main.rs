//! The `throng` command.
//!
//! Thin by design: parse the command line, run the command on a tokio
//! runtime, and map the outcome to the documented exit code in one place
//! (0 all thresholds passed, 1 a threshold failed, 2 bad usage, plan or
//! module, 3 the run aborted).

// The binary is the one place that prints and decides how the process exits.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod allow;
mod arena;
mod args;
mod compare;
mod demo;
mod exit;
mod files;
mod health;
mod init;
mod inspect;
mod plan_file;
mod progress;
mod prometheus;
mod quick;
mod report;
mod run;
mod snapshot;
mod stream;
mod terminal;
mod trim;

use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command};
use crate::exit::Outcome;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help and version to stdout with success, and usage
            // errors to stderr; ours map to exit code 2.
            let code = if e.use_stderr() {
                Outcome::BAD_INPUT
            } else {
                0
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    // One worker per core the process may run on (tokio's own default),
    // named here so the allocator can be set up for it first.
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    arena::one_arena_for_one_worker(workers);
    let outcome = match cli.command {
        // `throng run` reads its inputs before the runtime's threads start,
        // so that the process is readied for its VUs while it has no other
        // thread (`run::Prepared`).
        Command::Run(args) => {
            let prepared = run::Prepared::new(*args);
            on_runtime(workers, prepared.run())
        }
        Command::Demo(args) => on_runtime(workers, demo::demo(args)),
        Command::Target(args) => on_runtime(workers, demo::serve_target(args)),
        Command::Compare(args) => on_runtime(workers, async { compare::compare(args) }),
        Command::Report(args) => on_runtime(workers, async { report::report(args) }),
        Command::Inspect(args) => on_runtime(workers, inspect::inspect(args)),
        Command::Init(args) => on_runtime(workers, async { init::init(args) }),
    };
    ExitCode::from(outcome)
}

/// Runs `command` on a tokio runtime with `workers` worker threads, whose
/// threads write the requests of their VUs in batches as they run out of
/// tasks (throng-http's `batch_writes`); returns its exit code.
fn on_runtime(workers: usize, command: impl Future<Output = Outcome>) -> u8 {
    match throng_http::batch_writes(&mut tokio::runtime::Builder::new_multi_thread())
        .worker_threads(workers)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(command).report(),
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            Outcome::ABORTED
        }
    }
}
