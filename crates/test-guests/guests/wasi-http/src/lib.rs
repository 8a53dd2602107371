//! Test guest: one plain `wasi:http` GET per iteration, the way a toolchain
//! without throng's SDK sends (JavaScript's `fetch`, Python's WASI HTTP).
//!
//! Params: `authority` (`host:port`, required), `path` (default
//! `/delay/20`), `name` (sent as `x-throng-name` when set), `tag` (`k=v`,
//! sent as `x-throng-tag-k` when set). Checks `status 200` on a response,
//! `refused as denied` when the host refuses the request, and, for task
//! `sandbox`, `no env var`, `no file` and `no folder` (what the WASI it
//! sees grants), then prints `sandbox checked` to stdout.
use std::collections::BTreeMap;

use throng_sdk::prelude::*;
use wasi::http::outgoing_handler;
use wasi::http::types::{ErrorCode, Fields, Method, OutgoingRequest, Scheme};
use wasi::io::streams::StreamError;

#[derive(Default)]
struct WasiHttp;

impl Journey for WasiHttp {
    fn tasks() -> Vec<Task> {
        vec![Task::new("get", 1), Task::new("sandbox", 0)]
    }

    fn iteration(&mut self, task: &str) -> Result<()> {
        if task == "sandbox" {
            let env: BTreeMap<String, String> = std::env::vars().collect();
            check("no env var", env.is_empty());
            check("no file", std::fs::read("/etc/hostname").is_err());
            check("no folder", std::fs::read_dir("/").is_err());
            println!("sandbox checked");
            return Ok(());
        }
        let headers = Fields::new();
        if let Ok(name) = param("name") {
            header(&headers, "x-throng-name", &name)?;
        }
        if let Ok(tag) = param("tag") {
            let (key, value) = tag.split_once('=').unwrap_or((&tag, ""));
            header(&headers, &format!("x-throng-tag-{key}"), value)?;
        }
        let request = OutgoingRequest::new(headers);
        let set = |ok: std::result::Result<(), ()>| ok.map_err(|()| Error::msg("bad request part"));
        set(request.set_method(&Method::Get))?;
        set(request.set_scheme(Some(&Scheme::Http)))?;
        set(request.set_authority(Some(&param("authority")?)))?;
        set(request.set_path_with_query(Some(&param_or("path", "/delay/20"))))?;
        let response = outgoing_handler::handle(request, None).and_then(|pending| {
            pending.subscribe().block();
            pending
                .get()
                .expect("ready after block")
                .expect("taken once")
        });
        match response {
            Ok(response) => {
                let status = response.status();
                let body = response.consume().map_err(|()| Error::msg("no body"))?;
                let stream = body.stream().map_err(|()| Error::msg("no stream"))?;
                let mut bytes = 0;
                loop {
                    match stream.blocking_read(64 * 1024) {
                        Ok(chunk) => bytes += chunk.len(),
                        Err(StreamError::Closed) => break,
                        Err(e) => return Err(Error::msg(format!("reading the body: {e:?}"))),
                    }
                }
                check("status 200", status == 200);
                check("body arrived", bytes > 0);
                Ok(())
            }
            Err(code) => {
                check(
                    "refused as denied",
                    matches!(code, ErrorCode::HttpRequestDenied),
                );
                Err(Error::msg(format!("wasi:http error {code:?}")))
            }
        }
    }
}

fn header(headers: &Fields, name: &str, value: &str) -> Result<()> {
    headers
        .append(name, value.as_bytes())
        .map_err(|e| Error::msg(format!("header {name}: {e:?}")))
}

throng_sdk::journey!(WasiHttp);
