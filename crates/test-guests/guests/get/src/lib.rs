//! Test guest: one GET of param `url` per iteration, named param `name`
//! (default `get`), with a request timeout of param `timeout_ms`
//! milliseconds when it is set. Fails the iteration on a transport error.
use throng_sdk::prelude::*;

#[derive(Default)]
struct Get;

impl Journey for Get {
    fn iteration(&mut self, _task: &str) -> Result<()> {
        let url = param("url")?;
        let mut request = http::get(url).name(param_or("name", "get"));
        if let Ok(ms) = param("timeout_ms") {
            let ms: u64 = ms
                .parse()
                .map_err(|_| Error::msg(format!("timeout_ms `{ms}` is not a number")))?;
            request = request.timeout(Duration::from_millis(ms));
        }
        request.send()?;
        Ok(())
    }
}

throng_sdk::journey!(Get);
