//! Training jobs: created, polled while they advance with time, cancelled,
//! and asked for their trajectories.
//!
//! A job's state is a function of its age (see [`JobTimings`]), so nothing
//! runs in the background: polling computes it.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use http::StatusCode;
use serde_json::{Value, json};

use crate::app::{ApiError, App, Reply, json};
use crate::config::JobTimings;

/// Every job created since the target started.
#[derive(Debug)]
pub(crate) struct Jobs {
    timings: JobTimings,
    store: Mutex<Store>,
}

#[derive(Debug, Default)]
struct Store {
    /// The id of the last job created; ids start at 1.
    last_id: u64,
    jobs: BTreeMap<u64, Job>,
}

#[derive(Debug)]
struct Job {
    created: Instant,
    /// The body of `POST /training/jobs`, echoed back when polled.
    config: Value,
    /// Set when cancelled: the progress the job had reached.
    cancelled_at: Option<f64>,
}

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Phase {
    Queued,
    Running(f64),
    Completed,
    Cancelled(f64),
}

impl Phase {
    fn name(self) -> &'static str {
        match self {
            Phase::Queued => "queued",
            Phase::Running(_) => "running",
            Phase::Completed => "completed",
            Phase::Cancelled(_) => "cancelled",
        }
    }

    fn progress(self) -> f64 {
        match self {
            Phase::Queued => 0.0,
            Phase::Running(progress) | Phase::Cancelled(progress) => progress,
            Phase::Completed => 1.0,
        }
    }
}

impl Jobs {
    /// An empty store whose jobs advance according to `timings`.
    pub(crate) fn new(timings: JobTimings) -> Self {
        Jobs {
            timings,
            store: Mutex::default(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Store> {
        // Every change to the store is a single insert or field write.
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn phase(&self, job: &Job, now: Instant) -> Phase {
        if let Some(progress) = job.cancelled_at {
            return Phase::Cancelled(progress);
        }
        let age = now.saturating_duration_since(job.created);
        let Some(running_for) = age.checked_sub(self.timings.queued) else {
            return Phase::Queued;
        };
        if running_for >= self.timings.running {
            return Phase::Completed;
        }
        Phase::Running(running_for.as_secs_f64() / self.timings.running.as_secs_f64())
    }
}

/// The JSON a job is shown as.
fn view(id: u64, job: &Job, phase: Phase) -> Value {
    json!({
        "id": id,
        "status": phase.name(),
        "progress": phase.progress(),
        "config": job.config,
    })
}

/// Looks up `{id}`, 404 when no such job exists.
fn find<'s>(store: &'s mut Store, id: &str) -> Result<(u64, &'s mut Job), ApiError> {
    let not_found = || ApiError::new(StatusCode::NOT_FOUND, format!("no training job {id:?}"));
    let id: u64 = id.parse().map_err(|_| not_found())?;
    let job = store.jobs.get_mut(&id).ok_or_else(not_found)?;
    Ok((id, job))
}

/// `POST /training/jobs`: 201 with the new job, `queued`.
pub(crate) fn create(app: &App, config: Option<Value>) -> Result<Reply, ApiError> {
    let config = config.unwrap_or(Value::Null);
    if !(config.is_object() || config.is_null()) {
        return Err(ApiError::bad_request(
            "a training job's config must be a JSON object",
        ));
    }
    let job = Job {
        created: Instant::now(),
        config,
        cancelled_at: None,
    };
    let mut store = app.jobs.lock();
    store.last_id += 1;
    let id = store.last_id;
    let body = view(id, &job, Phase::Queued);
    store.jobs.insert(id, job);
    Ok(json(StatusCode::CREATED, &body))
}

/// `GET /training/jobs/{id}`.
pub(crate) fn status(app: &App, id: &str) -> Result<Reply, ApiError> {
    let mut store = app.jobs.lock();
    let (id, job) = find(&mut store, id)?;
    let phase = app.jobs.phase(job, Instant::now());
    Ok(json(StatusCode::OK, &view(id, job, phase)))
}

/// `POST /training/jobs/{id}/cancel`: 200 `cancelled`, or 409 when the job
/// already completed. Cancelling twice is not an error.
pub(crate) fn cancel(app: &App, id: &str) -> Result<Reply, ApiError> {
    let mut store = app.jobs.lock();
    let (id, job) = find(&mut store, id)?;
    let phase = app.jobs.phase(job, Instant::now());
    if phase == Phase::Completed {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            format!("training job {id} already completed"),
        ));
    }
    job.cancelled_at.get_or_insert(phase.progress());
    let phase = app.jobs.phase(job, Instant::now());
    Ok(json(StatusCode::OK, &view(id, job, phase)))
}

/// `GET /training/jobs/{id}/trajectories`: three short trajectories whose
/// actions and rewards depend only on the job id.
pub(crate) fn trajectories(app: &App, id: &str) -> Result<Reply, ApiError> {
    const ACTIONS: [&str; 4] = ["observe", "order-lab", "prescribe", "refer"];
    const STEPS: u64 = 5;

    let mut store = app.jobs.lock();
    let (id, _) = find(&mut store, id)?;
    drop(store);
    let list: Vec<Value> = (0..3u64)
        .map(|trajectory| {
            // Rewards in whole hundredths, so that their sum prints exactly.
            let reward = |step: u64| (id * 31 + trajectory * 17 + step * 13) % 100;
            let steps: Vec<Value> = (0..STEPS)
                .map(|step| {
                    json!({
                        "step": step,
                        "action": ACTIONS[((id + trajectory + step) % 4) as usize],
                        "reward": reward(step) as f64 / 100.0,
                    })
                })
                .collect();
            let total: u64 = (0..STEPS).map(reward).sum();
            json!({
                "trajectory": trajectory,
                "steps": steps,
                "return": total as f64 / 100.0,
            })
        })
        .collect();
    Ok(json(StatusCode::OK, &list))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn job(created: Instant) -> Job {
        Job {
            created,
            config: Value::Null,
            cancelled_at: None,
        }
    }

    #[test]
    fn phase_follows_age() {
        let jobs = Jobs::new(JobTimings {
            queued: Duration::from_secs(1),
            running: Duration::from_secs(4),
        });
        let start = Instant::now();
        let job = job(start);
        let at = |secs: f64| jobs.phase(&job, start + Duration::from_secs_f64(secs));
        assert_eq!(at(0.5), Phase::Queued);
        assert_eq!(at(1.0), Phase::Running(0.0));
        assert_eq!(at(3.0), Phase::Running(0.5));
        assert_eq!(at(5.0), Phase::Completed);
    }

    #[test]
    fn zero_timings_complete_at_once() {
        let jobs = Jobs::new(JobTimings {
            queued: Duration::ZERO,
            running: Duration::ZERO,
        });
        let start = Instant::now();
        assert_eq!(jobs.phase(&job(start), start), Phase::Completed);
    }

    #[test]
    fn cancelled_keeps_its_progress() {
        let jobs = Jobs::new(JobTimings::default());
        let start = Instant::now();
        let mut job = job(start);
        job.cancelled_at = Some(0.25);
        let later = start + Duration::from_secs(60);
        assert_eq!(jobs.phase(&job, later), Phase::Cancelled(0.25));
    }
}
