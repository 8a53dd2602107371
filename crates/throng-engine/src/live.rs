//! What a scenario is doing right now, for progress displays and the
//! timeline. Updated by the loops with relaxed atomics.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU8, AtomicU32, Ordering};
use std::time::Duration;

use tokio::time::Instant;

/// Where a scenario is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScenarioState {
    /// Not started: waits for another scenario or its start delay.
    Waiting,
    /// Making VUs ready (before the start barrier).
    Starting,
    /// Running iterations.
    Running,
    /// Ended; iterations in flight finish within the grace period.
    Stopping,
    /// Finished (or skipped because the run stopped first).
    Done,
}

/// The live state of one scenario.
#[derive(Debug)]
pub struct ScenarioLive {
    name: String,
    max_vus: u32,
    planned: Option<Duration>,
    state: AtomicU8,
    active: AtomicU32,
    started: OnceLock<Instant>,
    ended: OnceLock<Instant>,
}

const STATES: [ScenarioState; 5] = [
    ScenarioState::Waiting,
    ScenarioState::Starting,
    ScenarioState::Running,
    ScenarioState::Stopping,
    ScenarioState::Done,
];

impl ScenarioLive {
    pub(crate) fn new(name: &str, max_vus: u32, planned: Option<Duration>) -> Self {
        ScenarioLive {
            name: name.to_owned(),
            max_vus,
            planned,
            state: AtomicU8::new(0),
            active: AtomicU32::new(0),
            started: OnceLock::new(),
            ended: OnceLock::new(),
        }
    }

    /// The scenario's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Where it is.
    pub fn state(&self) -> ScenarioState {
        STATES[usize::from(self.state.load(Ordering::Relaxed)).min(STATES.len() - 1)]
    }

    /// VUs running an iteration or looping right now.
    pub fn active_vus(&self) -> u32 {
        self.active.load(Ordering::Relaxed)
    }

    /// The most VUs it can run.
    pub fn max_vus(&self) -> u32 {
        self.max_vus
    }

    /// Its planned length, when known in advance.
    pub fn planned(&self) -> Option<Duration> {
        self.planned
    }

    /// When it started running, its VUs made (none before).
    pub fn started(&self) -> Option<Instant> {
        self.started.get().copied()
    }

    /// Time since it started (zero before), up to its end.
    pub fn elapsed(&self) -> Duration {
        match (self.started.get(), self.ended.get()) {
            (Some(start), Some(end)) => *end - *start,
            (Some(start), None) => start.elapsed(),
            _ => Duration::ZERO,
        }
    }

    pub(crate) fn set_state(&self, state: ScenarioState) {
        let index = STATES.iter().position(|s| *s == state).unwrap_or(0);
        self.state.store(index as u8, Ordering::Relaxed);
        match state {
            ScenarioState::Running => {
                let _ = self.started.set(Instant::now());
            }
            ScenarioState::Done => {
                let _ = self.ended.set(Instant::now());
            }
            _ => {}
        }
    }

    /// Counts a VU as active until the guard drops.
    pub(crate) fn active(&self) -> ActiveVu<'_> {
        self.active.fetch_add(1, Ordering::Relaxed);
        ActiveVu(self)
    }
}

/// Holds one VU in the active count.
pub(crate) struct ActiveVu<'a>(&'a ScenarioLive);

impl Drop for ActiveVu<'_> {
    fn drop(&mut self) {
        self.0.active.fetch_sub(1, Ordering::Relaxed);
    }
}
