//! The open model: iterations arrive on a schedule whatever the system
//! does, and take a free VU from a pool.
//!
//! Each iteration's duration counts from when it was due, and how late it
//! started is recorded as `schedule_lag`: a stalled system shows up in the
//! tail instead of vanishing because fewer iterations were sent (no
//! coordinated omission). When every VU is busy the pool grows up to
//! `max_vus`; past that, an arrival waits in a queue of at most `max_vus`
//! entries for the next free VU, and starts late (its lag says how late).
//! An arrival that finds the queue full, or is still queued when the
//! scenario ends, is dropped and counted (`dropped_iterations`). k6 drops
//! at once instead of queueing; the queue is what lets the lag metric show
//! a stall rather than only a drop count.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::executor::Open;
use crate::live::ScenarioState;
use crate::scenario::{Ran, ScenarioCtx, vu_rng};
use crate::vu::VuFactory;

/// Idle workers and arrivals waiting for one.
#[derive(Default)]
struct Pool {
    /// Workers waiting for a job, each reachable through its channel.
    idle: Vec<mpsc::Sender<Instant>>,
    /// Due times of arrivals that found every VU busy.
    queue: VecDeque<Instant>,
}

type SharedPool = Arc<Mutex<Pool>>;

fn lock(pool: &SharedPool) -> MutexGuard<'_, Pool> {
    pool.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Run the scenario; returns when every worker has ended.
pub(crate) async fn run<F: VuFactory>(ctx: Arc<ScenarioCtx<F>>, model: Open, grace: Duration) {
    let pool: SharedPool = Arc::default();
    let mut workers = JoinSet::new();
    ctx.live.set_state(ScenarioState::Starting);

    // VUs in the pool; a worker whose VU cannot be made gives its slot back.
    let allocated = Arc::new(AtomicU32::new(model.pre_allocated));
    // Pre-allocated VUs are made ready before the start.
    let (ready_tx, mut ready_rx) = mpsc::unbounded_channel::<()>();
    for index in 0..model.pre_allocated {
        let slot = Slot {
            allocated: allocated.clone(),
            first: None,
        };
        workers.spawn(worker(
            ctx.clone(),
            pool.clone(),
            index,
            slot,
            Some(ready_tx.clone()),
        ));
    }
    drop(ready_tx);
    let mut ready = 0;
    while ready < model.pre_allocated {
        tokio::select! {
            r = ready_rx.recv() => match r { Some(()) => ready += 1, None => break },
            _ = ctx.abort.cancelled() => break,
        }
    }

    let start = Instant::now();
    ctx.live.set_state(ScenarioState::Running);
    let mut next_index = model.pre_allocated;
    for due in model.arrivals.clone() {
        let due = start + due;
        tokio::select! {
            biased;
            _ = ctx.stop.cancelled() => break,
            _ = tokio::time::sleep_until(due) => {}
        }
        let mut p = lock(&pool);
        // A stop can land between the wake-up and the lock.
        if ctx.stop.is_cancelled() {
            break;
        }
        if let Some(worker) = p.idle.pop() {
            // A worker is in the idle list only while it waits on its
            // channel (capacity 1, empty), so the hand-over cannot fail; if
            // it ever did, the arrival is counted, not lost.
            if worker.try_send(due).is_err() {
                ctx.metrics.record_dropped_iteration();
            }
        } else if allocated.load(Ordering::Relaxed) < model.max_vus {
            drop(p);
            allocated.fetch_add(1, Ordering::Relaxed);
            let slot = Slot {
                allocated: allocated.clone(),
                first: Some(due),
            };
            workers.spawn(worker(ctx.clone(), pool.clone(), next_index, slot, None));
            next_index += 1;
        } else if p.queue.len() < model.max_vus as usize {
            p.queue.push_back(due);
        } else {
            ctx.metrics.record_dropped_iteration();
        }
    }
    // The scenario lasts its duration, not until its last arrival: arrivals
    // still queued get that time to start.
    tokio::select! {
        _ = tokio::time::sleep_until(start + model.duration) => {}
        _ = ctx.stop.cancelled() => {}
    }
    // No new iterations; arrivals still queued are dropped; those in flight
    // get the grace period.
    ctx.stop.cancel();
    ctx.live.set_state(ScenarioState::Stopping);
    {
        let mut p = lock(&pool);
        for _ in p.queue.drain(..) {
            ctx.metrics.record_dropped_iteration();
        }
        p.idle.clear();
    }
    let all_done = async { while workers.join_next().await.is_some() {} };
    tokio::pin!(all_done);
    tokio::select! {
        _ = &mut all_done => {}
        _ = tokio::time::sleep(grace) => {
            ctx.abort.cancel();
            all_done.await;
        }
    }
}

/// A worker made on demand: its pool slot and the arrival it was made for.
struct Slot {
    allocated: Arc<AtomicU32>,
    first: Option<Instant>,
}

impl Slot {
    /// The worker's VU could not be made (or was lost): its place in the
    /// pool is free again, and an arrival it carried is dropped.
    fn give_back<F>(&mut self, ctx: &ScenarioCtx<F>) {
        self.allocated.fetch_sub(1, Ordering::Relaxed);
        if self.first.take().is_some() {
            ctx.metrics.record_dropped_iteration();
        }
    }
}

/// One pooled VU: made ready, then runs the iterations it is handed or
/// finds queued.
async fn worker<F: VuFactory>(
    ctx: Arc<ScenarioCtx<F>>,
    pool: SharedPool,
    index: u32,
    mut slot: Slot,
    ready: Option<mpsc::UnboundedSender<()>>,
) {
    let made = ctx.ready_vu(index).await;
    if let Some(ready) = ready {
        let _ = ready.send(());
    }
    let Some(mut vu) = made else {
        slot.give_back(&ctx);
        return;
    };
    let mut rng = vu_rng(ctx.seed, ctx.first_vu_id + index);
    let (tx, mut rx) = mpsc::channel::<Instant>(1);
    let mut next = slot.first.take();
    let mut done = 0u64;
    loop {
        let due = match next.take() {
            // Made for an arrival that came before a stop: it still runs.
            Some(due) => due,
            None => {
                if ctx.stop.is_cancelled() {
                    break;
                }
                let queued = {
                    let mut p = lock(&pool);
                    let queued = p.queue.pop_front();
                    if queued.is_none() {
                        p.idle.push(tx.clone());
                    }
                    queued
                };
                match queued {
                    Some(due) => due,
                    // A job handed over just before the stop still runs.
                    None => tokio::select! {
                        biased;
                        job = rx.recv() => match job { Some(due) => due, None => break },
                        _ = ctx.stop.cancelled() => break,
                    },
                }
            }
        };
        let _active = ctx.live.active();
        ctx.metrics
            .record_schedule_lag(Instant::now().saturating_duration_since(due));
        match ctx.iterate(&mut vu, &mut rng, done, due).await {
            Ran::Done => {}
            Ran::Interrupted => return,
            Ran::Poisoned => match ctx.ready_vu(index).await {
                Some(fresh) => vu = fresh,
                None => {
                    slot.give_back(&ctx);
                    return;
                }
            },
        }
        done += 1;
    }
    // A due time handed over in the instant the stop came was never run.
    if rx.try_recv().is_ok() {
        ctx.metrics.record_dropped_iteration();
    }
    ctx.finish(vu).await;
}
