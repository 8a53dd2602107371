//! The compiled-module cache on disk.
//!
//! A compiled component is stored under a key made of the module's SHA-256
//! and the engine's compatibility hash (wasmtime version and every setting
//! that changes code generation), so a changed module or a changed engine
//! never loads a stale artifact.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

/// The cache file for `bytes` compiled by `engine`.
pub(crate) fn entry(dir: &Path, engine: &Engine, bytes: &[u8]) -> PathBuf {
    let mut engine_hash = std::hash::DefaultHasher::new();
    engine
        .precompile_compatibility_hash()
        .hash(&mut engine_hash);
    let digest = Sha256::new()
        .chain_update(bytes)
        .chain_update(engine_hash.finish().to_le_bytes())
        .finalize();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    dir.join(format!("{hex}.cwasm"))
}

/// Load a compiled component from `path`, if it is there and usable.
pub(crate) fn load(engine: &Engine, path: &Path) -> Option<Component> {
    if !path.exists() {
        return None;
    }
    // SAFETY: wasmtime requires that the file was produced by
    // `Component::serialize` of a compatible engine. Only `store` below
    // writes into the cache folder, under a name derived from the module's
    // content and this engine's compatibility hash, and wasmtime re-checks
    // the header and the engine settings on load.
    #[allow(unsafe_code)]
    let component = unsafe { Component::deserialize_file(engine, path) };
    component.ok()
}

/// Store a compiled component; failures only cost the next run a compile.
pub(crate) fn store(component: &Component, path: &Path) {
    let Ok(bytes) = component.serialize() else {
        return;
    };
    let Some(dir) = path.parent() else {
        return;
    };
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    // Write then rename, so a concurrent run never reads half a file.
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    if std::fs::write(&tmp, bytes).is_ok() && std::fs::rename(&tmp, path).is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
}
