//! Test guest: one hostile behaviour, chosen by param `do`, on the
//! iterations whose number is a multiple of param `every` (default 1: every
//! iteration). The other iterations are healthy.
//!
//! `do` is one of:
//!
//! - `loop`: spins forever without calling the host;
//! - `sleep`: sleeps (in the host) for an hour;
//! - `alloc`: allocates 1 MiB after 1 MiB, touching each, without end;
//! - `hoard`: has the host keep request after request with a 1 MiB body
//!   (`RequestBuilder::prepare`), without end; the guest's own memory
//!   holds one body at a time;
//! - `recurse`: recurses without end, calling the host at every level (so
//!   host code also runs on a nearly full stack), until the wasm call stack
//!   overflows; every 64 levels it sets the gauge `depth` and, when param
//!   `deep_url` is set, sends `GET deep_url` named `deep` from that depth;
//! - `log-spam`: writes param `lines` (default 1,000) log lines named
//!   `spam N`, then succeeds;
//! - `pry`: tries to read files, list and create folders, and read
//!   environment variables and arguments; records the check
//!   `sandbox held` (passes when every attempt failed or found nothing)
//!   and the checks `file read failed`, `folder listing failed`,
//!   `file create failed`, `env is empty` and `args are empty`, then
//!   succeeds;
//! - `panic`: panics with `hostile guest panics on purpose` (a trap);
//! - `trap`: executes `unreachable`;
//! - `error`: returns the error `hostile guest returns an error`;
//! - `none` (default): only healthy iterations.
//!
//! A healthy iteration sends `GET url` named `ok` when param `url` is set,
//! and sets the gauge `instance_iterations` to how many healthy iterations
//! this instance has run, itself included: a VU whose instance trapped
//! starts again from 1, so its maximum shows whether guest state survived a
//! trap.
//!
//! `on_start` traps (`unreachable`) on VUs whose id is a multiple of param
//! `start_trap_every` (unset: never).
use std::cell::Cell;

use throng_sdk::metrics;
use throng_sdk::prelude::*;

thread_local! {
    /// Healthy iterations this instance ran: guest state a trap must wipe.
    static HEALTHY: Cell<u64> = const { Cell::new(0) };
}

#[derive(Default)]
struct Hostile;

fn number(key: &str, default: u64) -> u64 {
    param_or(key, "").parse().unwrap_or(default)
}

impl Journey for Hostile {
    fn on_start(&mut self) -> Result<()> {
        let every = number("start_trap_every", 0);
        if every > 0 && u64::from(vu_id()).is_multiple_of(every) {
            core::arch::wasm32::unreachable();
        }
        Ok(())
    }

    fn iteration(&mut self, _task: &str) -> Result<()> {
        let every = number("every", 1).max(1);
        if iteration().is_multiple_of(every) {
            misbehave(&param_or("do", "none"))?;
        }
        healthy()
    }
}

fn healthy() -> Result<()> {
    let n = HEALTHY.get() + 1;
    HEALTHY.set(n);
    metrics::gauge("instance_iterations", n as f64);
    if let Ok(url) = param("url") {
        http::get(url).name("ok").send()?;
    }
    Ok(())
}

fn misbehave(what: &str) -> Result<()> {
    match what {
        "none" => Ok(()),
        "loop" => spin(),
        "sleep" => {
            sleep(Duration::from_secs(3600));
            Ok(())
        }
        "alloc" => allocate(),
        "hoard" => hoard(),
        "recurse" => {
            let deep_url = param("deep_url").ok();
            std::hint::black_box(dive(0, deep_url.as_deref()));
            Ok(())
        }
        "log-spam" => {
            for i in 0..number("lines", 1_000) {
                log::info(&format!("spam {i}"));
            }
            Ok(())
        }
        "pry" => {
            pry();
            Ok(())
        }
        "panic" => panic!("hostile guest panics on purpose"),
        "trap" => core::arch::wasm32::unreachable(),
        "error" => Err(Error::msg("hostile guest returns an error")),
        other => Err(Error::msg(format!("unknown behaviour `{other}`"))),
    }
}

/// Spins without calling the host: only epoch interruption can stop it.
fn spin() -> ! {
    let mut x = 0u64;
    loop {
        x = std::hint::black_box(x.wrapping_add(1));
    }
}

/// Grows without end, touching every page so nothing is optimised away.
fn allocate() -> Result<()> {
    let mut kept: Vec<Vec<u8>> = Vec::new();
    loop {
        let block = vec![kept.len() as u8; 1 << 20];
        kept.push(std::hint::black_box(block));
    }
}

fn hoard() -> Result<()> {
    let mut kept = Vec::new();
    loop {
        let body = vec![kept.len() as u8; 1 << 20];
        kept.push(http::post("http://127.0.0.1:1/").body(body).prepare());
    }
}

/// Recurses until the wasm stack runs out, calling the host at every level
/// before and after the recursive call (which keeps the recursion from
/// becoming a loop). Its frame holds only wasm locals, so the call stack
/// overflows, not the stack the guest keeps in its linear memory.
fn dive(depth: u64, deep_url: Option<&str>) -> u64 {
    let before = throng_sdk::now().as_micros() as u64;
    if depth.is_multiple_of(64) {
        metrics::gauge("depth", depth as f64);
        if let Some(url) = deep_url {
            let _ = http::get(url).name("deep").send();
        }
    }
    if depth == u64::MAX {
        return before;
    }
    let inner = dive(depth + 1, deep_url);
    inner ^ before ^ throng_sdk::iteration()
}

/// Tries what the sandbox must refuse; each check passes when it held.
fn pry() {
    let read = ["/etc/passwd", "/etc/hostname", "Cargo.toml", "."]
        .iter()
        .all(|path| std::fs::read(path).is_err());
    let listed = ["/", ".", "/tmp"]
        .iter()
        .all(|path| std::fs::read_dir(path).is_err());
    let created = std::fs::write("/tmp/throng-hostile-guest", b"escaped").is_err()
        && std::fs::create_dir("escaped").is_err();
    let env = std::env::vars_os().next().is_none()
        && std::env::var_os("HOME").is_none()
        && std::env::var_os("PATH").is_none();
    let args = std::env::args_os().next().is_none();
    check("file read failed", read);
    check("folder listing failed", listed);
    check("file create failed", created);
    check("env is empty", env);
    check("args are empty", args);
    check("sandbox held", read && listed && created && env && args);
}

throng_sdk::journey!(Hostile);
