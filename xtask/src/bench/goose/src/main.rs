//! One Goose scenario for `cargo xtask bench`: each user GETs `/` in a
//! loop with no wait time, as the other peers do in (a).

use goose::prelude::*;

async fn get_root(user: &mut GooseUser) -> TransactionResult {
    let _goose = user.get("/").await?;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), GooseError> {
    GooseAttack::initialize()?
        .register_scenario(scenario!("get").register_transaction(transaction!(get_root)))
        .execute()
        .await?;
    Ok(())
}
