//! Test guest: each iteration takes `data::next(set)` for the data set named
//! by param `set` (required). On a row, it sends `GET {base_url}/fast`
//! (param `base_url`, required) named `row-{value}`, where `value` is the
//! row's value in the column named by param `column` (required); a row
//! without that column, or a transport error, fails the iteration. When the
//! set is exhausted it fails the iteration with the message `exhausted`; an
//! unknown set fails it with the SDK's message (`no data set named ...`).
use throng_sdk::prelude::*;

#[derive(Default)]
struct Feeder;

impl Journey for Feeder {
    fn iteration(&mut self, _task: &str) -> Result<()> {
        let set = param("set")?;
        let row = match data::next(&set) {
            Ok(row) => row,
            Err(data::DataError::Exhausted(_)) => return Err(Error::msg("exhausted")),
            Err(e) => return Err(e.into()),
        };
        let value = row.get_or_err(&param("column")?)?;
        http::get(format!("{}/fast", param("base_url")?))
            .name(format!("row-{value}"))
            .send()?;
        Ok(())
    }
}

throng_sdk::journey!(Feeder);
