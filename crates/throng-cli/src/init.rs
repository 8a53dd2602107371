//! `throng init NAME --lang rust|js|python`: a journey project that builds
//! with one command and runs against the demo target.
//!
//! The templates live in `templates/<lang>/` and are compiled into the
//! binary, with the files a project needs from this repository: the WIT
//! contract and the language's SDK. `{{name}}` in a template becomes the
//! project's name and `{{module}}` the file name of the built component.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::args::{InitArgs, Lang};
use crate::exit::Outcome;

/// One file of a project: where it goes and what it holds.
struct File {
    path: &'static str,
    text: &'static str,
}

macro_rules! file {
    ($path:literal, $source:literal) => {
        File {
            path: $path,
            text: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/", $source)),
        }
    };
}

/// The WIT contract, which every toolchain's bindings are generated from.
const WIT: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../wit/vu.wit"));

const RUST: &[File] = &[
    file!("Cargo.toml", "templates/rust/Cargo.toml.tmpl"),
    file!(".cargo/config.toml", "templates/rust/.cargo/config.toml"),
    file!(".gitignore", "templates/rust/gitignore"),
    file!("README.md", "templates/rust/README.md"),
    file!("src/lib.rs", "templates/rust/src/lib.rs"),
    file!("throng-sdk/Cargo.toml", "../../guest-sdk/rust/Cargo.toml"),
    file!("throng-sdk/src/lib.rs", "../../guest-sdk/rust/src/lib.rs"),
    file!("throng-sdk/src/data.rs", "../../guest-sdk/rust/src/data.rs"),
    file!(
        "throng-sdk/src/error.rs",
        "../../guest-sdk/rust/src/error.rs"
    ),
    file!("throng-sdk/src/http.rs", "../../guest-sdk/rust/src/http.rs"),
    file!(
        "throng-sdk/src/metrics.rs",
        "../../guest-sdk/rust/src/metrics.rs"
    ),
    file!(
        "throng-sdk/src/runtime.rs",
        "../../guest-sdk/rust/src/runtime.rs"
    ),
];

const JS: &[File] = &[
    file!("package.json", "templates/js/package.json"),
    file!("journey.js", "templates/js/journey.js"),
    file!(".gitignore", "templates/js/.gitignore"),
    file!("README.md", "templates/js/README.md"),
    file!("throng.js", "../../guest-sdk/js/throng.js"),
];

const PYTHON: &[File] = &[
    file!("journey.py", "templates/python/journey.py"),
    file!("build.py", "templates/python/build.py"),
    file!("requirements.txt", "templates/python/requirements.txt"),
    file!(".gitignore", "templates/python/.gitignore"),
    file!("README.md", "templates/python/README.md"),
    file!(
        "throng/__init__.py",
        "../../guest-sdk/python/throng/__init__.py"
    ),
    file!(
        "throng/_context.py",
        "../../guest-sdk/python/throng/_context.py"
    ),
    file!("throng/_http.py", "../../guest-sdk/python/throng/_http.py"),
    file!(
        "throng/_journey.py",
        "../../guest-sdk/python/throng/_journey.py"
    ),
    file!("throng/_user.py", "../../guest-sdk/python/throng/_user.py"),
    file!("throng/data.py", "../../guest-sdk/python/throng/data.py"),
    file!("throng/log.py", "../../guest-sdk/python/throng/log.py"),
    file!(
        "throng/metrics.py",
        "../../guest-sdk/python/throng/metrics.py"
    ),
];

/// Where the Rust SDK finds the contract: beside its sources in the
/// repository, inside its own folder in a project.
const RUST_SDK_WIT: (&str, &str) = ("path: \"../../wit\"", "path: \"wit\"");

pub fn init(args: InitArgs) -> Outcome {
    match create(&args) {
        Ok(dir) => {
            println!("created {} ({})", dir.display(), args.lang.label());
            for line in next_steps(&args, &dir) {
                println!("  {line}");
            }
            Outcome::Verdict { passed: true }
        }
        Err(e) => Outcome::BadInput(e),
    }
}

fn create(args: &InitArgs) -> Result<PathBuf> {
    check_name(&args.name)?;
    let dir = args
        .dir
        .clone()
        .unwrap_or_else(|| PathBuf::from(&args.name));
    if dir.exists()
        && fs::read_dir(&dir)
            .with_context(|| format!("{}: cannot read the folder", dir.display()))?
            .next()
            .is_some()
    {
        bail!(
            "{}: the folder exists and is not empty; choose another name or `--dir`",
            dir.display()
        );
    }
    let module = args.name.replace('-', "_");
    let fill = |text: &str| {
        text.replace("{{name}}", &args.name)
            .replace("{{module}}", &module)
    };
    match args.lang {
        Lang::Rust => {
            for file in RUST {
                let mut text = fill(file.text);
                if file.path == "throng-sdk/src/lib.rs" {
                    text = text.replace(RUST_SDK_WIT.0, RUST_SDK_WIT.1);
                }
                write(&dir, file.path, &text)?;
            }
            write(&dir, "throng-sdk/wit/vu.wit", WIT)?;
        }
        Lang::Js => {
            for file in JS {
                write(&dir, file.path, &fill(file.text))?;
            }
            write(&dir, "wit/vu.wit", WIT)?;
        }
        Lang::Python => {
            for file in PYTHON {
                write(&dir, file.path, &fill(file.text))?;
            }
            write(&dir, "wit/vu.wit", WIT)?;
        }
    }
    Ok(dir)
}

/// Crate, package and file names all take a project name: letters, digits,
/// `-` and `_`, starting with a letter.
fn check_name(name: &str) -> Result<()> {
    let valid = name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !valid {
        bail!(
            "`{name}` is not a project name: use up to 64 letters, digits, `-` or `_`, starting with a letter"
        );
    }
    Ok(())
}

fn write(dir: &Path, path: &str, text: &str) -> Result<()> {
    let path = dir.join(path);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)
            .with_context(|| format!("{}: cannot create the folder", parent.display()))?;
    }
    fs::write(&path, text).with_context(|| format!("{}: cannot write", path.display()))
}

/// What to type next, in the project's folder.
fn next_steps(args: &InitArgs, dir: &Path) -> Vec<String> {
    let module = args.name.replace('-', "_");
    let run = "throng run {wasm} -p base_url=http://127.0.0.1:8080 --vus 10 --duration 30s";
    let (build, wasm) = match args.lang {
        Lang::Rust => (
            "cargo build --release".to_owned(),
            format!("target/wasm32-wasip2/release/{module}.wasm"),
        ),
        Lang::Js => (
            "npm install && npm run build".to_owned(),
            "journey.wasm".to_owned(),
        ),
        Lang::Python => ("python3 build.py".to_owned(), "journey.wasm".to_owned()),
    };
    vec![
        format!("cd {}", dir.display()),
        build,
        "throng target   # the demo target, in another terminal".to_owned(),
        run.replace("{wasm}", &wasm),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_names_are_checked() {
        for good in ["journey", "my-journey", "a_1"] {
            assert!(check_name(good).is_ok(), "{good}");
        }
        for bad in ["", "1abc", "-x", "a b", "a/b", "ü"] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_rust_sdk_finds_its_contract_in_a_project() {
        let sdk = RUST
            .iter()
            .find(|f| f.path == "throng-sdk/src/lib.rs")
            .unwrap();
        assert!(sdk.text.contains(RUST_SDK_WIT.0));
        assert!(WIT.contains("package throng:vu@"));
    }
}
