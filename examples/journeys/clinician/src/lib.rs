//! A clinician logs in once, then asks questions about patients.
//!
//! Params: `base_url` (required), `username` / `password` (default the demo
//! target's clinician), `think_min_s` / `think_max_s` (think time inside the
//! iteration, default 1..5 s like a person reading an answer; a plan that
//! sets `think_time` sets both to 0).
//!
//! Data: when the plan declares a data set `questions` (column `question`)
//! or `patients` (column `patient_id`), each query takes its question or
//! patient from it with `data::next`, in the order the plan's strategy
//! gives; without them it picks from twelve built-in questions and
//! patients 1 to 10. A patient id that is a number is sent as one.
//!
//! Requests: `login` once per VU (`on_start`, checks `login ok`), then per
//! iteration task `ask` (weight 4: `query` with the bearer token, checks
//! `query ok` and `answer present`) or `health` (weight 1: `health`, checks
//! `health is 200`).
use serde_json::{Value, json};
use throng_sdk::prelude::*;

const QUESTIONS: [&str; 12] = [
    "What are the current medications?",
    "Summarise the last three visits.",
    "Any known allergies?",
    "What was the most recent HbA1c?",
    "Is the blood pressure trending up?",
    "List open referrals.",
    "What imaging was done this year?",
    "Are vaccinations up to date?",
    "Summarise the discharge letter.",
    "Any drug interactions to watch?",
    "What is the family history?",
    "When is the next follow-up due?",
];

const PATIENTS: u64 = 10;

#[derive(Default)]
struct Clinician {
    base_url: String,
    token: String,
    think: (f64, f64),
    /// The plan declares a `questions` data set.
    questions_from_data: bool,
    /// The plan declares a `patients` data set.
    patients_from_data: bool,
}

impl Clinician {
    fn question(&self) -> Result<String> {
        if !self.questions_from_data {
            return Ok(pick(&QUESTIONS).to_string());
        }
        Ok(data::next("questions")?.get_or_err("question")?.to_owned())
    }

    fn patient(&self) -> Result<Value> {
        if !self.patients_from_data {
            return Ok(json!(1 + random_below(PATIENTS)));
        }
        let row = data::next("patients")?;
        let id = row.get_or_err("patient_id")?;
        Ok(id.parse::<i64>().map_or_else(|_| json!(id), |n| json!(n)))
    }
}

impl Journey for Clinician {
    fn tasks() -> Vec<Task> {
        vec![Task::new("ask", 4), Task::new("health", 1)]
    }

    fn on_start(&mut self) -> Result<()> {
        self.base_url = param("base_url")?;
        self.think = (
            param_or("think_min_s", "1").parse()?,
            param_or("think_max_s", "5").parse()?,
        );
        self.questions_from_data = data::len("questions").is_some();
        self.patients_from_data = data::len("patients").is_some();
        let r = http::post(format!("{}/login", self.base_url))
            .name("login")
            .json(&json!({
                "username": param_or("username", "clinician"),
                "password": param_or("password", "secret"),
            }))
            .send()?;
        if !check("login ok", r.status == 200) {
            return Err(Error::msg(format!("login failed with status {}", r.status)));
        }
        let body: Value = r.json()?;
        self.token = body["token"].as_str().unwrap_or_default().to_owned();
        Ok(())
    }

    fn iteration(&mut self, task: &str) -> Result<()> {
        match task {
            "health" => {
                let r = http::get(format!("{}/health", self.base_url))
                    .name("health")
                    .send()?;
                check("health is 200", r.status == 200);
            }
            _ => {
                let question = self.question()?;
                let patient = self.patient()?;
                let r = http::post(format!("{}/query", self.base_url))
                    .name("query")
                    .bearer(&self.token)
                    .json(&json!({ "patient_id": patient, "question": question }))
                    .send()?;
                check("query ok", r.status == 200);
                check(
                    "answer present",
                    r.json::<Value>().is_ok_and(|b| b["answer"].is_string()),
                );
            }
        }
        sleep_between(self.think.0, self.think.1);
        Ok(())
    }
}

throng_sdk::journey!(Clinician);
