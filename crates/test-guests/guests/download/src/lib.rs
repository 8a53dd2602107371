//! Test guest: downloads param `url` in discard mode and checks that the
//! host counted exactly param `expect_bytes` body bytes while the guest got
//! an empty body.
use throng_sdk::prelude::*;

#[derive(Default)]
struct Download;

impl Journey for Download {
    fn iteration(&mut self, _task: &str) -> Result<()> {
        let expected: u64 = param("expect_bytes")?.parse()?;
        let r = http::get(param("url")?)
            .name("download")
            .discard_body()
            .send()?;
        check("status is 200", r.status == 200);
        check("all bytes counted", r.bytes_received == expected);
        check("guest holds no body", r.body.is_empty());
        Ok(())
    }
}

throng_sdk::journey!(Download);
