//! The smallest journey: one named GET per iteration and a check.
use throng_sdk::prelude::*;

#[derive(Default)]
struct Hello;

impl Journey for Hello {
    fn iteration(&mut self, _task: &str) -> Result<()> {
        let r = http::get(format!("{}/health", param("base_url")?))
            .name("health")
            .send()?;
        check("health is 200", r.status == 200);
        Ok(())
    }
}

throng_sdk::journey!(Hello);
