//! Inspecting a module without running it: what it is, which contract it
//! speaks, what it imports and exports, its tasks, and whether this host
//! can run it.
//!
//! Inspection follows the same checks, in the same order, as
//! [`Host::load`], so its verdict is the refusal a run would give; but it
//! goes on after a refusal to gather what it can (a module of another
//! contract version still lists its imports).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use throng_engine::TaskInfo;
use wasmtime::component::types::ComponentItem;
use wasmtime::component::{Component, Linker, LinkerInstance, ResourceType};

use crate::bindings::VuPre;
use crate::config::Host;
use crate::error::{LoadError, chain};
use crate::journey::{CONTRACT_VERSION, Kind, check_contract, kind};
use crate::state::VuState;

/// What kind of file a module is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModuleKind {
    /// A WebAssembly component: what throng runs.
    Component,
    /// A core WebAssembly module (built for `wasm32-unknown-unknown` or
    /// `wasm32-wasip1`, not wrapped as a component).
    CoreModule,
    /// Not WebAssembly at all.
    NotWasm,
}

/// Whether the host provides one import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportStatus {
    /// The host defines it with a matching type.
    Provided,
    /// The host lacks it, or defines it with another type.
    Missing {
        /// wasmtime's account of the mismatch (empty when the name is not
        /// defined at all).
        reason: String,
    },
    /// Not checked: an earlier import could not be set aside to check the
    /// ones after it.
    Unchecked,
}

/// One import of a component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    /// The import name, e.g. `throng:vu/http@0.1.0` or
    /// `wasi:cli/environment@0.2.3`.
    pub name: String,
    /// Whether this host provides it.
    pub status: ImportStatus,
}

/// Everything `throng inspect` reports about a module.
#[derive(Debug)]
pub struct ModuleReport {
    /// The file inspected.
    pub path: PathBuf,
    /// Its size in bytes.
    pub size: usize,
    /// What kind of file it is.
    pub kind: ModuleKind,
    /// The `throng:vu` versions its imports and exports name, sorted and
    /// without repeats (empty when it names none).
    pub contract_versions: Vec<String>,
    /// The contract version this host speaks.
    pub host_contract: &'static str,
    /// Its exports, in the component's order.
    pub exports: Vec<String>,
    /// Its imports, in the component's order, each with whether this host
    /// provides it.
    pub imports: Vec<Import>,
    /// Its tasks and their weights, when it could be instantiated.
    pub tasks: Option<Vec<TaskInfo>>,
    /// How long compiling took (never from the cache), when it compiled.
    pub compile_time: Option<Duration>,
    /// Why a run would refuse it; `None` when throng can run it.
    pub refusal: Option<LoadError>,
}

impl ModuleReport {
    /// Whether this host can run the module.
    pub fn runnable(&self) -> bool {
        self.refusal.is_none()
    }

    /// Whether the module's `throng:vu` version is the one this host
    /// speaks (0.x versions match on major and minor).
    pub fn contract_matches(&self) -> bool {
        !self.contract_versions.is_empty()
            && self
                .contract_versions
                .iter()
                .all(|v| crate::journey::compatible(v))
    }
}

impl Host {
    /// Inspect the module at `path`: only an unreadable file is an error;
    /// a module this host cannot run gives a report with its
    /// [`ModuleReport::refusal`].
    pub async fn inspect(&self, path: &Path) -> Result<ModuleReport, LoadError> {
        let bytes = std::fs::read(path).map_err(|cause| LoadError::Read {
            path: path.into(),
            cause,
        })?;
        let mut report = ModuleReport {
            path: path.into(),
            size: bytes.len(),
            kind: ModuleKind::NotWasm,
            contract_versions: Vec::new(),
            host_contract: CONTRACT_VERSION,
            exports: Vec::new(),
            imports: Vec::new(),
            tasks: None,
            compile_time: None,
            refusal: None,
        };
        match kind(&bytes) {
            Kind::Component => report.kind = ModuleKind::Component,
            Kind::CoreModule => {
                report.kind = ModuleKind::CoreModule;
                report.refusal = Some(LoadError::CoreModule { path: path.into() });
                return Ok(report);
            }
            Kind::NotWasm => {
                report.refusal = Some(LoadError::NotWasm { path: path.into() });
                return Ok(report);
            }
        }
        let began = Instant::now();
        let component = match Component::new(&self.engine, &bytes) {
            Ok(component) => component,
            Err(e) => {
                report.refusal = Some(LoadError::Compile {
                    path: path.into(),
                    message: chain(&e),
                });
                return Ok(report);
            }
        };
        report.compile_time = Some(began.elapsed());
        let ty = component.component_type();
        report.exports = ty
            .exports(&self.engine)
            .map(|(n, _)| n.to_owned())
            .collect();
        let import_names: Vec<String> = ty
            .imports(&self.engine)
            .map(|(n, _)| n.to_owned())
            .collect();
        report.contract_versions = contract_versions(&import_names, &report.exports);
        report.imports = import_status(&self.linker, &component, &import_names);
        if let Err(refusal) = check_contract(&self.engine, &component, path) {
            report.refusal = Some(refusal);
            return Ok(report);
        }
        let pre = self
            .linker
            .instantiate_pre(&component)
            .and_then(VuPre::new)
            .map_err(|e| LoadError::Unsatisfied {
                path: path.into(),
                message: chain(&e),
            });
        match pre {
            Ok(pre) => match self.probe_tasks(&pre, path).await {
                Ok(tasks) => report.tasks = Some(tasks),
                Err(refusal) => report.refusal = Some(refusal),
            },
            Err(refusal) => report.refusal = Some(refusal),
        }
        Ok(report)
    }
}

/// The `throng:vu` versions named by `imports` and `exports`.
fn contract_versions(imports: &[String], exports: &[String]) -> Vec<String> {
    let mut versions: Vec<String> = imports
        .iter()
        .chain(exports)
        .filter_map(|n| n.strip_prefix("throng:vu/"))
        .map(|rest| rest.split_once('@').map_or("", |(_, v)| v).to_owned())
        .collect();
    versions.sort();
    versions.dedup();
    versions
}

/// Whether `linker` provides each of `names`, the imports of `component`.
///
/// wasmtime checks imports in order and names the first it cannot
/// satisfy. Each time, that import is marked missing and replaced in a
/// scratch linker by stubs (as `define_unknown_imports_as_traps` does for
/// the whole component), so the check goes on to the next one.
fn import_status(linker: &Linker<VuState>, component: &Component, names: &[String]) -> Vec<Import> {
    let mut status = vec![ImportStatus::Provided; names.len()];
    let mut scratch = linker.clone();
    scratch.allow_shadowing(true);
    let engine = linker.engine().clone();
    let ty = component.component_type();
    for _ in 0..=names.len() {
        let Err(e) = scratch.instantiate_pre(component) else {
            break;
        };
        let top = e.to_string();
        let failed = top
            .split('`')
            .nth(1)
            .and_then(|n| names.iter().position(|name| name == n));
        let Some(index) = failed.filter(|&i| status[i] == ImportStatus::Provided) else {
            // Not an import we can name, or one we could not set aside:
            // what is left is unknown.
            mark_unchecked(&mut status);
            break;
        };
        let reason: Vec<String> = e.chain().skip(1).map(|c| c.to_string()).collect();
        status[index] = ImportStatus::Missing {
            reason: reason.join(": "),
        };
        let stubbed = ty
            .get_import(&engine, &names[index])
            .is_some_and(|item| stub(&mut scratch.root(), &names[index], &item.ty, &engine));
        if !stubbed {
            mark_unchecked(&mut status);
            break;
        }
    }
    names
        .iter()
        .zip(status)
        .map(|(name, status)| Import {
            name: name.clone(),
            status,
        })
        .collect()
}

/// Imports not yet found missing become unchecked (the loop stopped
/// before reaching them, or could not go on).
fn mark_unchecked(status: &mut [ImportStatus]) {
    // Imports are checked in order: everything after the last missing one
    // was not reached.
    let last_missing = status
        .iter()
        .rposition(|s| matches!(s, ImportStatus::Missing { .. }));
    let from = last_missing.map_or(0, |i| i + 1);
    for s in &mut status[from..] {
        *s = ImportStatus::Unchecked;
    }
}

/// Define `item` under `name` with functions that trap, so the import
/// type-checks; false for items that cannot be stubbed.
fn stub(
    linker: &mut LinkerInstance<'_, VuState>,
    name: &str,
    item: &ComponentItem,
    engine: &wasmtime::Engine,
) -> bool {
    match item {
        ComponentItem::ComponentFunc(_) => linker
            .func_new(name, |_, _, _, _| {
                Err(wasmtime::Error::msg("stub of a missing import"))
            })
            .is_ok(),
        ComponentItem::Resource(_) => linker
            .resource(name, ResourceType::host::<()>(), |_, _| Ok(()))
            .is_ok(),
        ComponentItem::ComponentInstance(instance) => {
            let Ok(mut inner) = linker.instance(name) else {
                return false;
            };
            let exports: Vec<(String, ComponentItem)> = instance
                .exports(engine)
                .map(|(n, i)| (n.to_owned(), i.ty))
                .collect();
            exports.iter().all(|(n, i)| stub(&mut inner, n, i, engine))
        }
        // Types need no definition.
        ComponentItem::Type(_) => true,
        ComponentItem::CoreFunc(_) | ComponentItem::Module(_) | ComponentItem::Component(_) => {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contract_versions_come_from_throng_names() {
        let imports = vec![
            "throng:vu/http@0.1.0".to_owned(),
            "wasi:io/streams@0.2.3".to_owned(),
            "throng:vu/log@0.1.0".to_owned(),
        ];
        let exports = vec!["throng:vu/journey@0.2.0".to_owned()];
        assert_eq!(
            contract_versions(&imports, &exports),
            vec!["0.1.0".to_owned(), "0.2.0".to_owned()]
        );
        assert!(contract_versions(&[], &["wasi:cli/run@0.2.0".to_owned()]).is_empty());
    }

    #[test]
    fn imports_after_the_last_missing_one_become_unchecked() {
        let missing = ImportStatus::Missing {
            reason: String::new(),
        };
        let mut status = vec![
            ImportStatus::Provided,
            missing.clone(),
            ImportStatus::Provided,
        ];
        mark_unchecked(&mut status);
        assert_eq!(
            status,
            vec![ImportStatus::Provided, missing, ImportStatus::Unchecked]
        );
    }
}
