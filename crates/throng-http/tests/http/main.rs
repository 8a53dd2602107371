//! The client against real servers on 127.0.0.1: hyper servers in process,
//! over plain HTTP/1.1 and over TLS with HTTP/2 chosen by ALPN, plus raw TCP
//! servers that misbehave.

mod harness;

mod allow;
mod batched;
mod bodies;
mod failures;
mod keepalive;
mod prepared;
mod roundtrip;
mod shared;
mod target_faults;
mod tls;
mod wire_h1;
