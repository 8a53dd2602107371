//! Test guest: one GET of param `url` per iteration, named param `name`
//! (default `get`), with a request timeout of param `timeout_ms`
//! milliseconds when it is set. Fails the iteration on a transport error.
//! With param `prepared` = `true` the request is built once, on the VU's
//! first iteration, kept by the host (`RequestBuilder::prepare`) and sent
//! by handle from then on. With param `start_ms`, each VU's `on_start`
//! sleeps that many milliseconds first (a slow login).
use throng_sdk::http::{Prepared, RequestBuilder};
use throng_sdk::prelude::*;

#[derive(Default)]
struct Get {
    prepared: Option<Prepared>,
}

/// Param `name` as milliseconds, when it is set.
fn millis(name: &str) -> Result<Option<Duration>> {
    let Ok(ms) = param(name) else {
        return Ok(None);
    };
    let ms: u64 = ms
        .parse()
        .map_err(|_| Error::msg(format!("{name} `{ms}` is not a number")))?;
    Ok(Some(Duration::from_millis(ms)))
}

fn build() -> Result<RequestBuilder> {
    let url = param("url")?;
    let mut request = http::get(url).name(param_or("name", "get"));
    if let Some(timeout) = millis("timeout_ms")? {
        request = request.timeout(timeout);
    }
    Ok(request)
}

impl Journey for Get {
    fn on_start(&mut self) -> Result<()> {
        if let Some(pause) = millis("start_ms")? {
            sleep(pause);
        }
        Ok(())
    }

    fn iteration(&mut self, _task: &str) -> Result<()> {
        if param_or("prepared", "false") != "true" {
            build()?.send()?;
            return Ok(());
        }
        if self.prepared.is_none() {
            self.prepared = Some(build()?.prepare());
        }
        if let Some(request) = &self.prepared {
            request.send()?;
        }
        Ok(())
    }
}

throng_sdk::journey!(Get);
