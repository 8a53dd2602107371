//! Modules shipped inside the binary: the quick-mode journey behind
//! `throng run --url` and the demo's clinician. Both are real components
//! built from `crates/throng-cli/quick-get` and `examples/journeys/clinician`
//! (`cargo xtask guests` refreshes them).

/// One request per iteration to param `url` (`method`, `body`, `discard`).
pub const QUICK_GET: Builtin = Builtin {
    name: "builtin:quick-get",
    bytes: include_bytes!("../assets/quick-get.wasm"),
};

/// The demo's clinician journey.
pub const CLINICIAN: Builtin = Builtin {
    name: "builtin:clinician",
    bytes: include_bytes!("../assets/clinician.wasm"),
};

/// A component compiled into the binary.
#[derive(Debug, Clone, Copy)]
pub struct Builtin {
    pub name: &'static str,
    pub bytes: &'static [u8],
}
