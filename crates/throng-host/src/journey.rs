//! Loading a journey component: read, check, compile (or load from cache),
//! pre-link and list its tasks.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use throng_engine::TaskInfo;
use wasmtime::Store;
use wasmtime::component::Component;

use crate::bindings::VuPre;
use crate::cache;
use crate::config::Host;
use crate::error::{LoadError, chain};
use crate::memory::StackRegion;
use crate::state::VuState;

/// The contract version this host speaks (`package throng:vu@...` in `wit/`).
pub const CONTRACT_VERSION: &str = "0.1.0";

/// A loaded, checked, pre-linked journey: instantiate it once per VU.
#[derive(Clone)]
pub struct Journey {
    pub(crate) pre: VuPre<VuState>,
    /// Where the guest keeps its shadow stack, when its layout says.
    pub(crate) stack: Option<StackRegion>,
    tasks: Vec<TaskInfo>,
    path: PathBuf,
    info: LoadInfo,
}

/// How loading went, for the person running the test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadInfo {
    /// Size of the component in bytes.
    pub size: usize,
    /// Whether the compiled artifact came from the cache.
    pub cached: bool,
    /// Time from reading the file to a pre-linked component (compile or
    /// cache load included).
    pub load_time: Duration,
}

impl Journey {
    /// The tasks the journey offers, with their default weights.
    pub fn tasks(&self) -> &[TaskInfo] {
        &self.tasks
    }

    /// The file it came from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// How loading went.
    pub fn load_info(&self) -> LoadInfo {
        self.info
    }
}

/// How the first bytes of a file classify it.
pub(crate) enum Kind {
    Component,
    CoreModule,
    NotWasm,
}

pub(crate) fn kind(bytes: &[u8]) -> Kind {
    match bytes.get(..8) {
        Some([0, b'a', b's', b'm', 1, 0, 0, 0]) => Kind::CoreModule,
        // Component binaries: version 0x0d, layer 1.
        Some([0, b'a', b's', b'm', _, _, 1, 0]) => Kind::Component,
        _ => Kind::NotWasm,
    }
}

impl Host {
    /// Load the journey at `path`.
    pub async fn load(&self, path: &Path) -> Result<Journey, LoadError> {
        let bytes = std::fs::read(path).map_err(|cause| LoadError::Read {
            path: path.into(),
            cause,
        })?;
        self.load_bytes(path, &bytes).await
    }

    /// Load a journey from memory; `path` names it in messages.
    pub async fn load_bytes(&self, path: &Path, bytes: &[u8]) -> Result<Journey, LoadError> {
        let began = Instant::now();
        match kind(bytes) {
            Kind::Component => {}
            Kind::CoreModule => return Err(LoadError::CoreModule { path: path.into() }),
            Kind::NotWasm => return Err(LoadError::NotWasm { path: path.into() }),
        }
        let (component, cached) = self.compile(path, bytes)?;
        check_contract(&self.engine, &component, path)?;
        let instance_pre =
            self.linker
                .instantiate_pre(&component)
                .map_err(|e| LoadError::Unsatisfied {
                    path: path.into(),
                    message: chain(&e),
                })?;
        let pre = VuPre::new(instance_pre).map_err(|e| LoadError::Unsatisfied {
            path: path.into(),
            message: chain(&e),
        })?;
        let info = LoadInfo {
            size: bytes.len(),
            cached,
            load_time: began.elapsed(),
        };
        let tasks = self.probe_tasks(&pre, path).await?;
        Ok(Journey {
            pre,
            // Only the memories throng makes are throng's to release.
            stack: self
                .options
                .owns_memories()
                .then(|| StackRegion::find(bytes))
                .flatten(),
            tasks,
            path: path.into(),
            info,
        })
    }

    fn compile(&self, path: &Path, bytes: &[u8]) -> Result<(Component, bool), LoadError> {
        let entry = self
            .cache_dir()
            .map(|dir| cache::entry(&dir, &self.engine, bytes));
        if let Some(component) = entry.as_deref().and_then(|e| cache::load(&self.engine, e)) {
            return Ok((component, true));
        }
        let component = Component::new(&self.engine, bytes).map_err(|e| LoadError::Compile {
            path: path.into(),
            message: chain(&e),
        })?;
        if let Some(entry) = &entry {
            cache::store(&component, entry);
        }
        Ok((component, false))
    }

    /// Instantiate once to ask the journey for its tasks.
    pub(crate) async fn probe_tasks(
        &self,
        pre: &VuPre<VuState>,
        path: &Path,
    ) -> Result<Vec<TaskInfo>, LoadError> {
        let fail = |e: wasmtime::Error| LoadError::Tasks {
            path: path.into(),
            message: chain(&e),
        };
        let mut store = Store::new(&self.engine, VuState::probe(self));
        store.set_epoch_deadline(deadline_ticks(self.options.iteration_timeout));
        store.epoch_deadline_trap();
        store.limiter(|s| &mut s.limits);
        let vu = pre.instantiate_async(&mut store).await.map_err(fail)?;
        let tasks = vu
            .throng_vu_journey()
            .call_tasks(&mut store)
            .await
            .map_err(fail)?;
        Ok(tasks
            .into_iter()
            .map(|t| TaskInfo {
                name: t.name,
                weight: t.weight,
            })
            .collect())
    }
}

/// Epoch ticks that make up `timeout`.
pub(crate) fn deadline_ticks(timeout: Duration) -> u64 {
    (timeout.as_millis() / crate::config::EPOCH_TICK.as_millis()).max(1) as u64
}

/// Refuse components of another contract version, or without a journey.
pub(crate) fn check_contract(
    engine: &wasmtime::Engine,
    component: &Component,
    path: &Path,
) -> Result<(), LoadError> {
    let ty = component.component_type();
    let names: Vec<String> = ty
        .imports(engine)
        .map(|(n, _)| n.to_owned())
        .chain(ty.exports(engine).map(|(n, _)| n.to_owned()))
        .collect();
    for name in &names {
        let Some(rest) = name.strip_prefix("throng:vu/") else {
            continue;
        };
        let version = rest.split_once('@').map(|(_, v)| v).unwrap_or("");
        if !compatible(version) {
            return Err(LoadError::ContractVersion {
                path: path.into(),
                item: name.clone(),
                found: version.to_owned(),
                expected: CONTRACT_VERSION,
            });
        }
    }
    let exports: Vec<&str> = ty.exports(engine).map(|(n, _)| n).collect();
    if !exports.iter().any(|n| n.starts_with("throng:vu/journey@")) {
        let found = if exports.is_empty() {
            "nothing".to_owned()
        } else {
            exports.join(", ")
        };
        return Err(LoadError::MissingExport {
            path: path.into(),
            expected: CONTRACT_VERSION,
            found,
        });
    }
    Ok(())
}

/// 0.x versions are compatible when major and minor match (semver for 0.x).
pub(crate) fn compatible(version: &str) -> bool {
    fn major_minor(v: &str) -> Vec<&str> {
        v.split('.').take(2).collect()
    }
    major_minor(version) == major_minor(CONTRACT_VERSION)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_match_on_major_and_minor() {
        assert!(compatible("0.1.0"));
        assert!(compatible("0.1.7"));
        assert!(!compatible("0.2.0"));
        assert!(!compatible("1.1.0"));
        assert!(!compatible(""));
    }

    #[test]
    fn headers_classify_files() {
        assert!(matches!(kind(b"\0asm\x01\0\0\0"), Kind::CoreModule));
        assert!(matches!(kind(b"\0asm\x0d\0\x01\0rest"), Kind::Component));
        assert!(matches!(kind(b"hello world"), Kind::NotWasm));
        assert!(matches!(kind(b""), Kind::NotWasm));
    }
}
