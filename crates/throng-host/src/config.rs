//! The process-wide wasmtime engine and linker, configured in one place.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use wasmtime::component::{HasSelf, Linker};
use wasmtime::{Config, Engine};

use crate::bindings::Vu;
use crate::capacity::MemoryLayout;
use crate::error::{LoadError, chain};
use crate::imports::log::LogSink;
use crate::memory::Memories;
use crate::stacks::Stacks;
use crate::state::VuState;

/// Knobs of the embedding.
#[derive(Clone)]
pub struct HostOptions {
    /// Where compiled modules are cached; `None` for the user's cache folder
    /// (`~/.cache/throng/modules`). The cache can be disabled with
    /// `use_cache: false`.
    pub cache_dir: Option<PathBuf>,
    /// Whether to read and write the compiled-module cache.
    pub use_cache: bool,
    /// Bytes each linear memory of a VU may grow to; growing past it traps
    /// the guest (the iteration fails and the VU gets a fresh instance).
    pub max_memory: usize,
    /// A guest call (`on_start`, an iteration, `on_stop`) still running
    /// after this long is stopped, within an epoch tick of its deadline
    /// when it computes and at once when it waits on the host, and counted
    /// as failed.
    pub iteration_timeout: Duration,
    /// Log messages a VU may write per second; the rest are counted and
    /// reported as dropped. 0 silences guest logs.
    pub log_rate: u32,
    /// Where guest log messages go.
    pub log: Option<Arc<dyn LogSink>>,
    /// How each VU's memory is laid out; [`crate::layout_for`] picks it
    /// from the planned VU count.
    pub layout: MemoryLayout,
    /// Every journey this host will load lays its memory out stack first
    /// ([`crate::stack_first`], Rust's layout). In the fast layout throng
    /// then makes the linear memories itself, as it does in the compact
    /// one, so that a resting VU gives back its guest's stack pages too;
    /// data segments are copied in instead of mapped copy-on-write, which
    /// for such small images costs nothing. A journey of another layout
    /// loaded anyway still runs, without the shared images (a
    /// JavaScript or Python snapshot would then be copied per VU).
    pub stack_first: bool,
}

impl Default for HostOptions {
    fn default() -> Self {
        HostOptions {
            cache_dir: None,
            use_cache: true,
            max_memory: 64 << 20,
            iteration_timeout: Duration::from_secs(600),
            log_rate: 20,
            log: None,
            layout: MemoryLayout::Fast,
            stack_first: false,
        }
    }
}

/// How often the epoch ticks; iteration deadlines are counted in ticks.
pub(crate) const EPOCH_TICK: Duration = Duration::from_millis(10);

/// One wasmtime engine and linker for the process, shared by every journey
/// loaded and every VU.
#[derive(Clone)]
pub struct Host {
    pub(crate) engine: Engine,
    pub(crate) linker: Arc<Linker<VuState>>,
    pub(crate) options: HostOptions,
}

impl Host {
    /// Build the engine and link the host's imports.
    pub fn new(options: HostOptions) -> Result<Host, LoadError> {
        let engine =
            Engine::new(&wasmtime_config(&options)).map_err(|e| LoadError::Engine(chain(&e)))?;
        let mut linker = Linker::new(&engine);
        Vu::add_to_linker::<VuState, HasSelf<VuState>>(&mut linker, |s| s)
            .map_err(|e| LoadError::Engine(chain(&e)))?;
        // Guests built with a std toolchain import WASI even when they never
        // use it; they get a WASI with no preopens, no env and no sockets
        // (see `state.rs`).
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)
            .map_err(|e| LoadError::Engine(chain(&e)))?;
        // `fetch` in JavaScript and other toolchains' HTTP clients reach
        // throng's own client through `wasi:http` (`imports/wasi_http.rs`).
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)
            .map_err(|e| LoadError::Engine(chain(&e)))?;
        start_epoch_ticker(&engine);
        Ok(Host {
            engine,
            linker: Arc::new(linker),
            options,
        })
    }

    /// The cache folder in use, if any.
    pub fn cache_dir(&self) -> Option<PathBuf> {
        if !self.options.use_cache {
            return None;
        }
        self.options
            .cache_dir
            .clone()
            .or_else(|| dirs::cache_dir().map(|d| d.join("throng").join("modules")))
    }
}

impl HostOptions {
    /// Whether throng makes the VUs' linear memories (`memory.rs`), and so
    /// knows where each lies.
    pub(crate) fn owns_memories(&self) -> bool {
        self.layout == MemoryLayout::Compact || self.stack_first
    }
}

/// The engine's configuration, each knob with its reason.
fn wasmtime_config(options: &HostOptions) -> Config {
    let mut config = Config::new();
    // Journeys are components of the `throng:vu` world.
    config.wasm_component_model(true);
    // Iteration deadlines: a ticker thread bumps the epoch every
    // `EPOCH_TICK`, and each VU's store calls back every tick while its
    // guest computes (`vu.rs`): past its deadline the guest traps, so a
    // guest stuck in `loop {}` loses its iteration instead of a thread;
    // before it, the guest yields to tokio, so a computing VU shares its
    // worker thread and can be interrupted at the end of a grace period.
    // Cost per check is a load and a compare.
    config.epoch_interruption(true);
    // Optimise compiled guests for speed: compile once (and cache), run
    // millions of iterations.
    config.cranelift_opt_level(wasmtime::OptLevel::Speed);
    // Traps carry a short wasm backtrace so a failed iteration says where
    // it failed, without paying for deep stacks.
    config.wasm_backtrace_max_frames(std::num::NonZeroUsize::new(16));
    // A guest that runs out of stack traps cleanly; 512 KiB is ample for a
    // journey and bounds deep recursion.
    config.max_wasm_stack(512 << 10);
    // Each VU runs on its own fiber, whose stack holds the guest's frames
    // and, below them, the host code its imports run (an HTTP send through
    // hyper and rustls). The fiber must exceed the wasm stack by enough
    // for that host code even when the guest has used all of its 512 KiB,
    // or a deep guest would crash the process instead of trapping; 1.5 MiB
    // to spare is wasmtime's default margin. Pages are only touched when
    // used.
    config.async_stack_size(2 << 20);
    // throng makes those stacks, so that a VU can give its stack's pages
    // back while it thinks (`stacks.rs`).
    config.with_host_stack(Arc::new(Stacks));
    if options.layout == MemoryLayout::Compact {
        // Many VUs (`capacity.rs`): each linear memory is one mapping of
        // its own size, with no reservation or guard regions around it
        // (bounds are checked by the compiled code), grown by moving it.
        // Adjacent memories can even share a mapping.
        config.memory_reservation(0);
        config.memory_guard_size(0);
        config.guard_before_linear_memory(false);
        config.memory_reservation_for_growth(0);
    }
    if options.owns_memories() {
        // throng makes the memories (`memory.rs`), so a resting VU can
        // give back its guest's stack: in the compact layout they grow
        // without copying; in the fast one they keep its reservation and
        // guard and never move. A custom memory cannot take a
        // copy-on-write image, so data segments are copied in: a few KiB
        // for the stack-first guests the fast layout does this for.
        config.memory_init_cow(false);
        config.with_host_memory(Arc::new(Memories));
    }
    config
}

fn start_epoch_ticker(engine: &Engine) {
    // One ticker per engine; it holds only a weak handle so the thread ends
    // when the engine is dropped.
    let weak = engine.weak();
    let spawned = std::thread::Builder::new()
        .name("throng-epoch".into())
        .spawn(move || {
            while let Some(engine) = weak.upgrade() {
                engine.increment_epoch();
                drop(engine);
                std::thread::sleep(EPOCH_TICK);
            }
        });
    // Without the ticker deadlines never fire; everything else still works.
    drop(spawned);
}
