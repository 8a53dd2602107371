//! The wasmtime embedding: journey components become virtual users.
//!
//! [`Host`] owns one wasmtime engine and linker for the process. [`Host::load`]
//! reads a component, checks it speaks this host's contract version and
//! exports a journey, compiles it once (or loads the compiled artifact from
//! the on-disk cache, keyed by the module's hash and the engine's
//! configuration) and pre-links it ([`Journey`]). [`VuFactory`] then
//! instantiates it per VU from that `InstancePre` and implements the engine's
//! [`throng_engine::VuFactory`] trait: each VU is a wasmtime store with its
//! own HTTP session, context and limits, driven on its own async fiber, so a
//! VU waiting on the network or asleep holds no thread. The plan's data sets
//! ([`throng_data::Feeders`], given with [`VuFactory::with_data`]) are shared
//! by every VU; each has its own cursor over them. [`Host::inspect`] runs
//! the same checks without keeping the module and reports what it found
//! ([`ModuleReport`]): its contract version, exports, imports (each
//! provided or missing), tasks, and why a run would refuse it.
//!
//! [`layout_for`] decides, from the planned VU count, how each VU's memory
//! is laid out so the process stays under the kernel's cap on memory
//! mappings, or says which setting to raise.
//!
//! Only this crate knows wasmtime. The guest sees the `throng:vu` contract
//! (`wit/`) and, for toolchains that need it, a WASI with no files, no
//! environment and no sockets.
//!
//! ```ignore
//! let host = Host::new(HostOptions::default())?;
//! let journey = host.load(Path::new("journey.wasm"))?;
//! let factory = VuFactory::new(&host, journey, http_client, metrics, params)
//!     .with_data(feeders);
//! Run::new(scenario, metrics).execute(Arc::new(factory)).await?;
//! ```

mod bindings;
mod cache;
mod capacity;
mod config;
mod error;
mod imports;
mod inspect;
mod journey;
mod limits;
mod memory;
mod stacks;
mod state;
mod vu;

pub use capacity::{CapacityError, Kernel, MemoryLayout, choose_layout, layout_for};
pub use config::{Host, HostOptions};
pub use error::LoadError;
pub use imports::log::{LogLevel, LogSink};
pub use inspect::{Import, ImportStatus, ModuleKind, ModuleReport};
pub use journey::{CONTRACT_VERSION, Journey, LoadInfo};
pub use vu::{VuFactory, WasmVu};

/// Whether a component lays its one linear memory out stack first, as
/// Rust's toolchain does (its shadow stack below every data segment, its
/// stack pointer named): throng can then give back that stack's pages
/// while a VU thinks ([`HostOptions::stack_first`]). False for anything
/// else, and for bytes that do not parse.
pub fn stack_first(component: &[u8]) -> bool {
    memory::StackRegion::find(component).is_some()
}
