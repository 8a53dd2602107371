//! {{name}}: what one virtual user does.
//!
//! Params (`-p key=value` or `[params]` in a plan): `base_url`, the
//! service under test (default the demo target, `throng target`), and
//! `think_min_s` / `think_max_s`, the think time after each iteration
//! (default 0.5 to 1.5 seconds).
use serde_json::{Value, json};
use throng_sdk::prelude::*;

#[derive(Default)]
struct User {
    base_url: String,
    token: String,
    think: (f64, f64),
}

impl Journey for User {
    /// The tasks and their weights: each iteration runs one, drawn by weight.
    fn tasks() -> Vec<Task> {
        vec![Task::new("ask", 4), Task::new("health", 1)]
    }

    /// Once per VU, before its first iteration: log in.
    fn on_start(&mut self) -> Result<()> {
        self.base_url = param_or("base_url", "http://127.0.0.1:8080");
        self.think = (
            param_or("think_min_s", "0.5").parse()?,
            param_or("think_max_s", "1.5").parse()?,
        );
        let r = http::post(format!("{}/login", self.base_url))
            .name("login")
            .json(&json!({ "username": "clinician", "password": "secret" }))
            .send()?;
        if !check("login ok", r.status == 200) {
            return Err(Error::msg(format!("login failed with status {}", r.status)));
        }
        let body: Value = r.json()?;
        self.token = body["token"].as_str().unwrap_or_default().to_owned();
        Ok(())
    }

    /// One iteration of `task`.
    fn iteration(&mut self, task: &str) -> Result<()> {
        match task {
            "health" => {
                let r = http::get(format!("{}/health", self.base_url))
                    .name("health")
                    .send()?;
                check("health is 200", r.status == 200);
            }
            _ => {
                let r = http::post(format!("{}/query", self.base_url))
                    .name("query")
                    .bearer(&self.token)
                    .json(&json!({ "patient_id": 1, "question": "Any known allergies?" }))
                    .send()?;
                check("query ok", r.status == 200);
            }
        }
        // Think time, like a person reading the answer.
        sleep_between(self.think.0, self.think.1);
        Ok(())
    }
}

throng_sdk::journey!(User);
