//! End-to-end tests of throng-target over real sockets on 127.0.0.1: one
//! module per feature, sharing the tiny client in `harness`.

mod auth;
mod connections;
mod faults;
mod harness;
mod jobs;
mod models;
mod probes;
mod tls;
