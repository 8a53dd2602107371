//! Compiles the guests with an inner `cargo build --target wasm32-wasip2`.
//!
//! The inner build uses its own target directory (`<target>/guests`) so it
//! never waits on the lock the outer build holds.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let root = manifest_dir
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .to_path_buf();
    let mut guests = Vec::new();
    for dir in [manifest_dir.join("guests"), root.join("examples/journeys")] {
        // A guest folder added (or removed) is a change too.
        println!("cargo:rerun-if-changed={}", dir.display());
        let mut entries: Vec<_> = fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .filter(|p| p.join("Cargo.toml").exists())
            .collect();
        entries.sort();
        guests.extend(entries);
    }
    // The built-in `--url` journey runs no user code, so it is built for
    // the smallest VU with the workspace's `guest-lto` profile (why: its
    // comment in Cargo.toml); the other guests keep `release`.
    let builds = [
        ("release", guests),
        ("guest-lto", vec![root.join("crates/throng-cli/quick-get")]),
    ];

    let target_dir = env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
        .join("guests");

    let mut built = Vec::new();
    for (profile, guests) in &builds {
        let mut cmd = Command::new(env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
        cmd.current_dir(&root)
            .args([
                "build",
                "--profile",
                profile,
                "--target",
                "wasm32-wasip2",
                "--quiet",
            ])
            .env("CARGO_TARGET_DIR", &target_dir)
            // Flags and wrappers meant for the host build must not leak into the
            // guest build (clippy's wrapper, host RUSTFLAGS).
            // Guests ship without debug info: a std guest is 2.4 MB with it, 80 KB
            // without (`guest-lto` says so itself).
            .env("CARGO_PROFILE_RELEASE_DEBUG", "false")
            .env("CARGO_PROFILE_RELEASE_STRIP", "debuginfo")
            .env_remove("CARGO_ENCODED_RUSTFLAGS")
            .env_remove("RUSTFLAGS")
            .env_remove("RUSTC_WORKSPACE_WRAPPER")
            .env_remove("RUSTC_WRAPPER");
        let out_dir = target_dir.join("wasm32-wasip2").join(profile);
        for guest in guests {
            let name = package_name(guest);
            cmd.args(["-p", &name]);
            built.push((name, out_dir.clone()));
            println!("cargo:rerun-if-changed={}", guest.display());
        }
        let status = cmd.status().expect("running cargo for the guests");
        assert!(
            status.success(),
            "building the guests failed; is the target installed? (rustup target add wasm32-wasip2)"
        );
    }
    println!(
        "cargo:rerun-if-changed={}",
        root.join("guest-sdk/rust").display()
    );
    println!("cargo:rerun-if-changed={}", root.join("wit").display());
    println!(
        "cargo:rerun-if-changed={}",
        root.join("Cargo.toml").display()
    );

    let mut code = String::new();
    for (name, out_dir) in &built {
        let file = name.replace('-', "_");
        let mut path = out_dir.join(format!("{file}.wasm"));
        if !path.exists() {
            // A `bin` guest (a wasi:cli command) keeps its dashes.
            path = out_dir.join(format!("{name}.wasm"));
        }
        assert!(path.exists(), "guest {name} produced no {}", path.display());
        writeln!(
            code,
            "/// Path of the compiled `{name}` component.\npub const {}: &str = {:?};",
            file.to_uppercase(),
            path.display().to_string()
        )
        .unwrap();
    }
    // `for_each_guest!(m)` calls `m!(CONST)` for every guest, so tests can
    // require that each one is used.
    code.push_str("/// Calls `$m!(CONST)` for the path constant of every guest.\n#[macro_export]\nmacro_rules! for_each_guest {\n    ($m:ident) => {\n");
    for (name, _) in &built {
        writeln!(
            code,
            "        $m!({});",
            name.replace('-', "_").to_uppercase()
        )
        .unwrap();
    }
    code.push_str("    };\n}\n");
    let out = PathBuf::from(env::var("OUT_DIR").unwrap()).join("guests.rs");
    fs::write(out, code).unwrap();
}

fn package_name(dir: &Path) -> String {
    let manifest = fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    manifest
        .lines()
        .find_map(|l| l.strip_prefix("name = \""))
        .and_then(|l| l.strip_suffix('"'))
        .unwrap_or_else(|| panic!("no package name in {}", dir.display()))
        .to_owned()
}
