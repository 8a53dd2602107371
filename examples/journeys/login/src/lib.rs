//! A user who logs in afresh for every visit: the load a login service
//! sees when sessions are short.
//!
//! Params: `base_url` (required); `username` / `password` (default the demo
//! target's clinician).
//!
//! Each iteration sends `POST {base_url}/login` named `login` and checks
//! `login is 200` and `token present`; then `GET {base_url}/health` with the
//! token as a bearer, named `health`, checking `health is 200`. A refused
//! login fails the iteration before the second request.
use serde_json::{Value, json};
use throng_sdk::prelude::*;

#[derive(Default)]
struct Login {
    base_url: String,
    credentials: Value,
}

impl Journey for Login {
    fn on_start(&mut self) -> Result<()> {
        self.base_url = param("base_url")?;
        self.credentials = json!({
            "username": param_or("username", "clinician"),
            "password": param_or("password", "secret"),
        });
        Ok(())
    }

    fn iteration(&mut self, _task: &str) -> Result<()> {
        let r = http::post(format!("{}/login", self.base_url))
            .name("login")
            .json(&self.credentials)
            .send()?;
        if !check("login is 200", r.status == 200) {
            return Err(Error::msg(format!("login failed with status {}", r.status)));
        }
        let token = r.json::<Value>()?["token"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if !check("token present", !token.is_empty()) {
            return Err(Error::msg("login answered without a token"));
        }
        let r = http::get(format!("{}/health", self.base_url))
            .name("health")
            .bearer(&token)
            .send()?;
        check("health is 200", r.status == 200);
        Ok(())
    }
}

throng_sdk::journey!(Login);
