//! Paths of compiled guest components, for tests.
//!
//! `build.rs` compiles every guest under `guests/`, every journey under
//! `examples/journeys/` and the built-in quick-GET journey to
//! `wasm32-wasip2`, and generates one constant per guest holding the path of
//! its `.wasm` file (`GUEST_GET`, `JOURNEY_CLINICIAN`, `THRONG_QUICK_GET`, ...).
//! Each guest folder's `src/lib.rs` doc comment states what it does.
//!
//! This crate is not a default workspace member: only tests need the wasm
//! target, `cargo build` of the host does not.

include!(concat!(env!("OUT_DIR"), "/guests.rs"));
