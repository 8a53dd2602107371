//! Why a module could not be loaded.

use std::path::PathBuf;

/// A journey module that cannot run. Each message names the file and what
/// is wrong with it.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read.
    // The I/O error is in the message, not the error's source, so a chain
    // printed with `{:#}` says it once.
    #[error("cannot read module {}: {cause}", path.display())]
    Read {
        /// The module path.
        path: PathBuf,
        /// The I/O error.
        cause: std::io::Error,
    },
    /// The file is not WebAssembly at all.
    #[error("{} is not a WebAssembly file (it does not start with the `\\0asm` magic bytes)", path.display())]
    NotWasm {
        /// The module path.
        path: PathBuf,
    },
    /// A core module where a component is needed.
    #[error(
        "{} is a core WebAssembly module, not a component; build the journey for the \
         `wasm32-wasip2` target (or wrap it with `wasm-tools component new`)",
        path.display()
    )]
    CoreModule {
        /// The module path.
        path: PathBuf,
    },
    /// The component does not export the journey interface.
    #[error(
        "{} does not export `throng:vu/journey@{expected}` (it exports: {found}); a journey \
         must implement the `vu` world, e.g. with `throng_sdk::journey!(MyJourney)`",
        path.display()
    )]
    MissingExport {
        /// The module path.
        path: PathBuf,
        /// The contract version this host speaks.
        expected: &'static str,
        /// What the component exports instead.
        found: String,
    },
    /// The component was built against another contract version.
    #[error(
        "{} was built against contract throng:vu@{found} ({item}), but this throng speaks \
         throng:vu@{expected}; rebuild the journey with a matching throng-sdk",
        path.display()
    )]
    ContractVersion {
        /// The module path.
        path: PathBuf,
        /// The import or export that carries the other version.
        item: String,
        /// The version the component uses.
        found: String,
        /// The version this host speaks.
        expected: &'static str,
    },
    /// The component needs an import this host does not provide.
    #[error("{} needs imports this host does not provide: {message}", path.display())]
    Unsatisfied {
        /// The module path.
        path: PathBuf,
        /// wasmtime's account of the missing import.
        message: String,
    },
    /// wasmtime refused the component (invalid, or failed to compile).
    #[error("{} could not be compiled: {message}", path.display())]
    Compile {
        /// The module path.
        path: PathBuf,
        /// wasmtime's error chain.
        message: String,
    },
    /// Calling `tasks()` on a probe instance failed.
    #[error("{} failed while listing its tasks: {message}", path.display())]
    Tasks {
        /// The module path.
        path: PathBuf,
        /// The trap or error.
        message: String,
    },
    /// The engine could not be configured.
    #[error("cannot set up the WebAssembly engine: {0}")]
    Engine(String),
}

/// Renders a wasmtime error with its whole chain on one line.
pub(crate) fn chain(e: &wasmtime::Error) -> String {
    format!("{e:#}")
}
