//! End-to-end tests: the real `throng` binary runs compiled guest
//! components against real servers on 127.0.0.1, and the tests assert on
//! numbers known in advance.

mod harness;

mod accounting;
mod bad_input;
mod connections;
mod downloads;
mod latency;
mod modes;
mod thresholds;
