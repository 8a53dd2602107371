//! One Goose scenario for `cargo xtask bench`: each user GETs `/` in a
//! loop, with no wait time as the other peers of (a), or 1–5 s between
//! requests when `BENCH_THINK` is set, as Locust's users wait in (b).

use std::time::Duration;

use goose::prelude::*;

async fn get_root(user: &mut GooseUser) -> TransactionResult {
    let _goose = user.get("/").await?;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), GooseError> {
    let mut scenario = scenario!("get").register_transaction(transaction!(get_root));
    if std::env::var_os("BENCH_THINK").is_some() {
        scenario = scenario.set_wait_time(Duration::from_secs(1), Duration::from_secs(5))?;
    }
    GooseAttack::initialize()?
        .register_scenario(scenario)
        .execute()
        .await?;
    Ok(())
}
