//! Test guest: exact check accounting. Each iteration records
//! `always` (passes), `never` (fails) and `even iteration` (passes when the
//! VU's iteration number is even), then GETs param `url` when it is set.
use throng_sdk::prelude::*;

#[derive(Default)]
struct Checks;

impl Journey for Checks {
    fn iteration(&mut self, _task: &str) -> Result<()> {
        check("always", true);
        check("never", false);
        check("even iteration", iteration() % 2 == 0);
        if let Ok(url) = param("url") {
            let r = http::get(url).name("checked").send()?;
            check("status is 200", r.status == 200);
        }
        Ok(())
    }
}

throng_sdk::journey!(Checks);
