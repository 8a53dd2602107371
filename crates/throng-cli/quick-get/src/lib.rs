//! The journey behind `throng run --url URL`: one request per iteration.
//!
//! Params: `url` (required), `method` (default `GET`), `body` (sent as is),
//! `discard` (`true` to stream and count the body instead of keeping it).
//! The request is named after its method and path; a check records whether
//! the status was 2xx. Nothing reads the response's headers, so they are
//! not copied into the guest.
use throng_sdk::prelude::*;

#[derive(Default)]
struct Quick {
    url: String,
    method: String,
    body: Option<String>,
    discard: bool,
}

impl Journey for Quick {
    fn on_start(&mut self) -> Result<()> {
        self.url = param("url")?;
        self.method = param_or("method", "GET").to_ascii_uppercase();
        self.body = throng_sdk::param("body").ok();
        self.discard = param_or("discard", "false") == "true";
        Ok(())
    }

    fn iteration(&mut self, _task: &str) -> Result<()> {
        let mut request = http::request(&self.method, self.url.as_str()).ignore_response_headers();
        if let Some(body) = &self.body {
            request = request.body(body.as_bytes());
        }
        if self.discard {
            request = request.discard_body();
        }
        let r = request.send()?;
        check("status is 2xx", (200..300).contains(&r.status));
        Ok(())
    }
}

throng_sdk::journey!(Quick);
