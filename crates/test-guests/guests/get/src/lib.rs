//! Test guest: one GET of param `url` per iteration, named param `name`
//! (default `get`). Fails the iteration on a transport error.
use throng_sdk::prelude::*;

#[derive(Default)]
struct Get;

impl Journey for Get {
    fn iteration(&mut self, _task: &str) -> Result<()> {
        let url = param("url")?;
        http::get(url).name(param_or("name", "get")).send()?;
        Ok(())
    }
}

throng_sdk::journey!(Get);
