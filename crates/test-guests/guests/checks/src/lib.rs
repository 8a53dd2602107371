//! Test guest: exact check accounting. Each iteration records
//! `always` (passes), `never` (fails) and `even iteration` (passes when the
//! VU's iteration number is even), then GETs param `url` when it is set
//! and checks its status and that its headers arrived (they do not when
//! param `ignore_headers` is `true`).
use throng_sdk::prelude::*;

#[derive(Default)]
struct Checks;

impl Journey for Checks {
    fn iteration(&mut self, _task: &str) -> Result<()> {
        check("always", true);
        check("never", false);
        check("even iteration", iteration() % 2 == 0);
        if let Ok(url) = param("url") {
            let mut request = http::get(url).name("checked");
            if param_or("ignore_headers", "false") == "true" {
                request = request.ignore_response_headers();
            }
            let r = request.send()?;
            check("status is 200", r.status == 200);
            check("headers arrived", r.header("content-length").is_some());
        }
        Ok(())
    }
}

throng_sdk::journey!(Checks);
