//! Users of a training service, as a Locust-style mix of weighted tasks.
//!
//! Params: `base_url` (required); `model` (default `triage-small`), written
//! into each new job's config.
//!
//! `on_start` creates a job (request `setup`) so that the first `status`
//! has something to poll. Each iteration then runs one task, its request
//! named after the task so the endpoint counts show the mix:
//!
//! | task | weight | request |
//! |---|---|---|
//! | `status` | 40 | `GET /training/jobs/{id}` for the VU's latest job; checks `status is 200` and `status is known` |
//! | `start` | 30 | `POST /training/jobs`; checks `start is 201`; the new job becomes the VU's latest |
//! | `export` | 20 | `GET /training/jobs/{id}/trajectories` for the latest job; checks `export is 200` and `export has trajectories` |
//! | `cancel` | 10 | creates a job of its own (request `setup`), then `POST /training/jobs/{id}/cancel`; checks `cancel is 200` and `job is cancelled` |
//!
//! The cancel task cancels a fresh job because the target refuses (409) to
//! cancel a completed one, and the VU's latest job may have completed during
//! think time; the extra creation is named `setup`, not `start`, so it does
//! not skew the mix. A failed `setup` fails the VU's start or the iteration.
use serde_json::{Value, json};
use throng_sdk::prelude::*;

#[derive(Default)]
struct Trainer {
    base_url: String,
    model: String,
    /// The VU's latest job: what `status` and `export` look at.
    job: u64,
}

impl Trainer {
    fn jobs_url(&self) -> String {
        format!("{}/training/jobs", self.base_url)
    }

    fn config(&self) -> Value {
        json!({ "model": self.model, "epochs": 3, "learning_rate": 0.0003 })
    }

    /// Creates a job under request name `name`; `None` when the target did
    /// not answer 201 with an id.
    fn create(&self, name: &str) -> Result<Option<u64>> {
        let r = http::post(self.jobs_url())
            .name(name)
            .json(&self.config())
            .send()?;
        if r.status != 201 {
            return Ok(None);
        }
        Ok(r.json::<Value>()?["id"].as_u64())
    }

    /// A job of its own for a task that cannot do without one.
    fn setup(&self) -> Result<u64> {
        self.create("setup")?
            .ok_or_else(|| Error::msg("could not create a training job"))
    }
}

impl Journey for Trainer {
    fn tasks() -> Vec<Task> {
        vec![
            Task::new("status", 40),
            Task::new("start", 30),
            Task::new("export", 20),
            Task::new("cancel", 10),
        ]
    }

    fn on_start(&mut self) -> Result<()> {
        self.base_url = param("base_url")?;
        self.model = param_or("model", "triage-small");
        self.job = self.setup()?;
        Ok(())
    }

    fn iteration(&mut self, task: &str) -> Result<()> {
        match task {
            "status" => {
                let r = http::get(format!("{}/{}", self.jobs_url(), self.job))
                    .name("status")
                    .send()?;
                check("status is 200", r.status == 200);
                let state = r.json::<Value>().ok().map(|b| b["status"].clone());
                check(
                    "status is known",
                    state.as_ref().and_then(Value::as_str).is_some_and(|s| {
                        ["queued", "running", "completed", "cancelled"].contains(&s)
                    }),
                );
            }
            "start" => {
                let job = self.create("start")?;
                check("start is 201", job.is_some());
                if let Some(job) = job {
                    self.job = job;
                }
            }
            "export" => {
                let r = http::get(format!("{}/{}/trajectories", self.jobs_url(), self.job))
                    .name("export")
                    .send()?;
                check("export is 200", r.status == 200);
                check(
                    "export has trajectories",
                    r.json::<Value>()
                        .is_ok_and(|b| b.as_array().is_some_and(|a| !a.is_empty())),
                );
            }
            "cancel" => {
                let job = self.setup()?;
                let r = http::post(format!("{}/{job}/cancel", self.jobs_url()))
                    .name("cancel")
                    .send()?;
                check("cancel is 200", r.status == 200);
                check(
                    "job is cancelled",
                    r.json::<Value>()
                        .is_ok_and(|b| b["status"].as_str() == Some("cancelled")),
                );
            }
            other => return Err(Error::msg(format!("unknown task `{other}`"))),
        }
        Ok(())
    }
}

throng_sdk::journey!(Trainer);
