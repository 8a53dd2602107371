//! A client downloads a model file, as a registry's users do.
//!
//! Params: `base_url` (required); `model` (default `triage-small`) and
//! `version` (default `v1`) pick the file; `expect_bytes` (optional) is the
//! file's size.
//!
//! Each iteration sends `GET {base_url}/models/{model}/{version}/model.bin`,
//! named `download`, in discard mode: the host streams the body and counts
//! its bytes, and the guest never holds it, so a hundred VUs downloading
//! 25 MB each cost no memory. It checks `status is 200`, and with
//! `expect_bytes` set, `all bytes received`. A transport error fails the
//! iteration.
use throng_sdk::prelude::*;

#[derive(Default)]
struct Download {
    url: String,
    expect_bytes: Option<u64>,
}

impl Journey for Download {
    fn on_start(&mut self) -> Result<()> {
        self.url = format!(
            "{}/models/{}/{}/model.bin",
            param("base_url")?,
            param_or("model", "triage-small"),
            param_or("version", "v1"),
        );
        self.expect_bytes = match param_or("expect_bytes", "").as_str() {
            "" => None,
            n => Some(n.parse()?),
        };
        Ok(())
    }

    fn iteration(&mut self, _task: &str) -> Result<()> {
        let r = http::get(&self.url)
            .name("download")
            .discard_body()
            .send()?;
        check("status is 200", r.status == 200);
        if let Some(expected) = self.expect_bytes {
            check("all bytes received", r.bytes_received == expected);
        }
        Ok(())
    }
}

throng_sdk::journey!(Download);
