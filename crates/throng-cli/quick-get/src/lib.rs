//! The journey behind `throng run --url URL`: one request per iteration.
//!
//! Params: `url` (required), `method` (default `GET`), `body` (sent as is),
//! `discard` (default `true`: the body is streamed and counted, as wrk and
//! oha do, since nothing here reads it; `false` hands it to the guest and
//! caps it at `--max-kept-body`). The request is named after its method
//! and path; a check records whether the status was 2xx. Nothing reads the
//! response's headers, so they are not copied into the guest. The request
//! is built once, in `on_start`, and sent as it is in every iteration.
use throng_sdk::http::Prepared;
use throng_sdk::prelude::*;

#[derive(Default)]
struct Quick {
    request: Option<Prepared>,
}

impl Journey for Quick {
    fn on_start(&mut self) -> Result<()> {
        let url = param("url")?;
        let method = param_or("method", "GET").to_ascii_uppercase();
        let mut request = http::request(&method, url).ignore_response_headers();
        if let Ok(body) = throng_sdk::param("body") {
            request = request.body(body.into_bytes());
        }
        if param_or("discard", "true") != "false" {
            request = request.discard_body();
        }
        self.request = Some(request.prepare());
        Ok(())
    }

    fn iteration(&mut self, _task: &str) -> Result<()> {
        let Some(request) = &self.request else {
            return Err(Error::msg(
                "the request was not prepared: on_start did not run",
            ));
        };
        let r = request.send()?;
        check("status is 2xx", (200..300).contains(&r.status));
        Ok(())
    }
}

throng_sdk::journey!(Quick);
