//! The open model: iterations arrive on a schedule whatever the system
//! does, and take a free VU from a pool.
//!
//! Each iteration's duration counts from when it was due, and how late it
//! started is recorded as `schedule_lag`: a stalled system shows up in the
//! tail instead of vanishing because fewer iterations were sent (no
//! coordinated omission). An arrival that finds every VU busy waits in a
//! queue of at most `max_vus` entries for the next free VU, and starts late
//! (its lag says how late). An arrival that finds the queue full, or is
//! still queued when the scenario ends, is dropped and counted
//! (`dropped_iterations`). k6 drops at once instead of queueing; the queue
//! is what lets the lag metric show a stall rather than only a drop count.
//!
//! While arrivals wait, the pool grows towards `max_vus` one VU at a time
//! (as k6's does), on the scenario's task: the dispatcher (`dispatch.rs`)
//! only queues and asks. A new VU costs several iterations' worth of CPU
//! (an instance, `on_start`, then a first connection), so making a VU for
//! every waiting arrival at once turned a short stall of a busy generator
//! into a long one, and grew the pool to `max_vus` within a second.
//! Whichever VU is free first, old or new, takes the queue's head; a VU
//! that cannot be made leaves the arrivals queued. So pre-allocate what the
//! rate needs.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::{Notify, mpsc};
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::executor::Open;
use crate::live::ScenarioState;
use crate::scenario::{Ran, ScenarioCtx, vu_rng};
use crate::vu::VuFactory;
use dispatch::Dispatcher;

mod dispatch;

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

/// Tells a worker's maker that it is in the pool (dropped unsent: its VU
/// could not be made).
type Ready = mpsc::UnboundedSender<()>;

/// Run the scenario; returns when every worker has ended.
pub(crate) async fn run<F: VuFactory>(ctx: Arc<ScenarioCtx<F>>, model: Open, grace: Duration) {
    let pool: SharedPool = Arc::default();
    let mut workers = JoinSet::new();
    ctx.live.set_state(ScenarioState::Starting);

    // VUs in the pool, counting one being made; a worker whose VU cannot be
    // made gives its place back.
    let allocated = Arc::new(AtomicU32::new(model.pre_allocated));
    let mut next_index = 0;
    let mut add_worker = |ready: Ready| {
        let slot = Slot(allocated.clone());
        workers.spawn(worker(ctx.clone(), pool.clone(), next_index, slot, ready));
        next_index += 1;
    };
    // Pre-allocated VUs are made ready before the start.
    let (ready_tx, mut ready_rx) = mpsc::unbounded_channel::<()>();
    for _ in 0..model.pre_allocated {
        add_worker(ready_tx.clone());
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
    let wanted = Arc::new(Notify::new());
    let dispatched = dispatch::run(Dispatcher {
        arrivals: model.arrivals.clone().peekable(),
        start,
        pool: pool.clone(),
        max_vus: model.max_vus,
        wanted: wanted.clone(),
        metrics: ctx.metrics.clone(),
        stop: ctx.stop.clone(),
    });
    tokio::pin!(dispatched);
    // The one VU being made, if any: it reports once it has taken the
    // queue's head or gone idle.
    let mut making: Option<mpsc::UnboundedReceiver<()>> = None;
    let mut grow = || {
        let needed =
            !lock(&pool).queue.is_empty() && allocated.load(Ordering::Relaxed) < model.max_vus;
        needed.then(|| {
            allocated.fetch_add(1, Ordering::Relaxed);
            let (tx, rx) = mpsc::unbounded_channel();
            add_worker(tx);
            rx
        })
    };
    // The scenario lasts its duration, not until its last arrival: arrivals
    // still queued get that time to start, and the pool keeps growing for
    // them.
    let mut dispatching = true;
    loop {
        tokio::select! {
            biased;
            made = async { making.as_mut()?.recv().await }, if making.is_some() => {
                // Made: grow on while arrivals wait. Not made: wait for the
                // next arrival to ask, not retry at once.
                making = made.and_then(|()| grow());
            }
            _ = wanted.notified(), if making.is_none() => making = grow(),
            _ = &mut dispatched, if dispatching => dispatching = false,
            _ = tokio::time::sleep_until(start + model.duration), if !dispatching => break,
            _ = ctx.stop.cancelled(), if !dispatching => break,
        }
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

/// A worker's place in the pool, given back when its VU cannot be made
/// (or remade).
struct Slot(Arc<AtomicU32>);

impl Slot {
    fn give_back(self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// One pooled VU: made ready, then runs the iterations it is handed or
/// finds queued.
async fn worker<F: VuFactory>(
    ctx: Arc<ScenarioCtx<F>>,
    pool: SharedPool,
    index: u32,
    slot: Slot,
    ready: Ready,
) {
    let Some(mut vu) = ctx.ready_vu(index).await else {
        slot.give_back();
        return;
    };
    let mut ready = Some(ready);
    let mut rng = vu_rng(ctx.seed, ctx.first_vu_id + index);
    let (tx, mut rx) = mpsc::channel::<Instant>(1);
    let mut done = 0u64;
    loop {
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
        // In the pool now: whoever made this VU may make the next.
        if let Some(ready) = ready.take() {
            let _ = ready.send(());
        }
        let due = match queued {
            Some(due) => due,
            // A job handed over just before the stop still runs.
            None => tokio::select! {
                biased;
                job = rx.recv() => match job { Some(due) => due, None => break },
                _ = ctx.stop.cancelled() => break,
            },
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
                    slot.give_back();
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
