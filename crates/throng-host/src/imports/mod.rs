//! The host side of each `throng:vu` interface, one file per interface.

mod clock;
mod context;
mod data;
pub(crate) mod http;
pub(crate) mod log;
pub(crate) mod metrics;
pub(crate) mod stdio;
pub(crate) mod wasi_http;
