//! Test guest: custom metrics and transactions with numbers known in
//! advance. Each iteration, with `i` the VU's iteration number and `v` its
//! id:
//!
//! - counter `writes` += 1 and counter `bytes_written` += 10;
//! - gauge `queue_depth` = `i`;
//! - rate `cache_hit`, a hit when `v + i` is even;
//! - trend `think_ms` = 10, 20 or 30 for `i % 3` = 0, 1, 2;
//! - transaction `two_calls` around two `GET url` (param `url`, required)
//!   named `call` (the second tagged `step:second`), ended ok when both
//!   answered 200;
//! - calls the host must refuse, each with one warning per name: counter
//!   `writes` += -1, trend `http_req_duration`, gauge `writes` (a counter),
//!   counter `bad-name`, and ending transaction `never_started`.
use throng_sdk::metrics::{self, Trend};
use throng_sdk::prelude::*;

static THINK: Trend = Trend::new("think_ms");

#[derive(Default)]
struct CustomMetrics;

impl Journey for CustomMetrics {
    fn iteration(&mut self, _task: &str) -> Result<()> {
        let i = iteration();
        metrics::counter("writes", 1.0);
        metrics::counter_tagged("bytes_written", 10.0, &[("table", "patients")]);
        metrics::gauge("queue_depth", i as f64);
        metrics::rate("cache_hit", (u64::from(vu_id()) + i).is_multiple_of(2));
        THINK.add([10.0, 20.0, 30.0][(i % 3) as usize]);

        let url = param("url")?;
        transaction("two_calls", || {
            let first = http::get(&url).name("call").send()?;
            let second = http::get(&url).name("call").tag("step", "second").send()?;
            if first.status == 200 && second.status == 200 {
                Ok(())
            } else {
                Err(Error::msg("a call failed"))
            }
        })?;

        metrics::counter("writes", -1.0);
        metrics::trend("http_req_duration", 5.0);
        metrics::gauge("writes", 3.0);
        metrics::counter("bad-name", 1.0);
        metrics::end_transaction("never_started", true);
        Ok(())
    }
}

throng_sdk::journey!(CustomMetrics);
