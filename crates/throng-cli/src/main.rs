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
    // Worker threads write the requests of their VUs in batches, as they
    // run out of tasks (throng-http's `batch_writes`).
    let runtime = match throng_http::batch_writes(&mut tokio::runtime::Builder::new_multi_thread())
        .worker_threads(workers)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(Outcome::ABORTED);
        }
    };
    let outcome = runtime.block_on(async {
        match cli.command {
            Command::Run(args) => run::run(*args).await,
            Command::Demo(args) => demo::demo(args).await,
            Command::Target(args) => demo::serve_target(args).await,
            Command::Compare(args) => compare::compare(args),
            Command::Report(args) => report::report(args),
            Command::Inspect(args) => inspect::inspect(args).await,
            Command::Init(args) => init::init(args),
        }
    });
    ExitCode::from(outcome.report())
}
