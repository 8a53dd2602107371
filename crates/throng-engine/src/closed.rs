//! The closed model: a pool of VUs, each looping over iterations.
//!
//! constant-vus, per-vu-iterations and shared-iterations make every VU
//! ready first (instance and `on_start`) and release them together through
//! a start barrier, so "100 clients at once" starts within a tick.
//! ramping-vus activates VUs as its stages say; a VU above the current
//! target parks between iterations, holding no guest call.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::executor::{Budget, Closed};
use crate::live::ScenarioState;
use crate::scenario::{Ran, ScenarioCtx, StartWave, vu_rng};
use crate::vu::VuFactory;

/// Run the scenario; returns when every VU has ended.
pub(crate) async fn run<F: VuFactory>(ctx: Arc<ScenarioCtx<F>>, model: Closed, grace: Duration) {
    let shared = Arc::new(AtomicU64::new(0));
    let barrier = model.ramp.is_none();
    let (ready_tx, mut ready_rx) = mpsc::unbounded_channel::<()>();
    let (start_tx, start_rx) = watch::channel::<Option<Instant>>(None);
    let (target_tx, target_rx) =
        watch::channel::<u32>(model.ramp.as_ref().map_or(model.vus, |r| r[0].1));

    ctx.live.set_state(ScenarioState::Starting);
    let mut vus = JoinSet::new();
    for index in 0..model.vus {
        let vu = VuLoop {
            ctx: ctx.clone(),
            index,
            budget: model.budget,
            shared: shared.clone(),
            ready: barrier.then(|| ready_tx.clone()),
            start: start_rx.clone(),
            target: model.ramp.is_some().then(|| target_rx.clone()),
        };
        vus.spawn(vu.run());
    }
    drop(ready_tx);

    // The start barrier: every VU ready (or failed), then all go at once.
    if barrier {
        let mut ready = 0;
        while ready < model.vus {
            tokio::select! {
                r = ready_rx.recv() => match r {
                    Some(()) => ready += 1,
                    None => break,
                },
                _ = ctx.abort.cancelled() => break,
            }
        }
    }
    // Without a barrier VUs start one by one: there is no wave.
    let released = if barrier {
        ctx.vus_started.load(Ordering::Relaxed)
    } else {
        0
    };
    ctx.wave.release(released);
    let start = Instant::now();
    ctx.live.set_state(ScenarioState::Running);
    let _ = start_tx.send(Some(start));

    let ramp = async {
        if let Some(steps) = &model.ramp {
            for &(at, count) in steps.iter().skip(1) {
                tokio::select! {
                    _ = tokio::time::sleep_until(start + at) => { let _ = target_tx.send(count); }
                    _ = ctx.stop.cancelled() => return,
                }
            }
        }
        ctx.stop.cancelled().await;
    };
    let all_done = async { while vus.join_next().await.is_some() {} };
    tokio::select! {
        _ = all_done => {}
        _ = async { tokio::join!(ctx.supervise(start + model.deadline, grace), ramp) } => {
            while vus.join_next().await.is_some() {}
        }
    }
    ctx.stop.cancel();
}

/// A VU of the start wave that has not yet ended its first iteration.
struct WaveTicket<'a>(&'a StartWave);

impl Drop for WaveTicket<'_> {
    fn drop(&mut self) {
        self.0.one_done();
    }
}

/// One VU of the pool.
struct VuLoop<F> {
    ctx: Arc<ScenarioCtx<F>>,
    index: u32,
    budget: Budget,
    shared: Arc<AtomicU64>,
    /// Signals the start barrier (when there is one).
    ready: Option<mpsc::UnboundedSender<()>>,
    start: watch::Receiver<Option<Instant>>,
    /// The ramp's current target (ramping-vus only).
    target: Option<watch::Receiver<u32>>,
}

impl<F: VuFactory> VuLoop<F> {
    async fn run(mut self) {
        let ctx = self.ctx.clone();
        let mut rng = vu_rng(ctx.seed, ctx.first_vu_id + self.index);
        // A ramping VU is made only when first wanted.
        if !self.wanted().await {
            return;
        }
        let made = ctx.ready_vu(self.index).await;
        let in_wave = self.ready.is_some();
        if let Some(ready) = self.ready.take() {
            let _ = ready.send(());
        }
        let Some(mut vu) = made else { return };
        // Counts this VU out of the start wave after its first iteration,
        // or whenever it leaves without one.
        let mut wave = in_wave.then(|| WaveTicket(&ctx.wave));
        if self.start.wait_for(Option::is_some).await.is_err() {
            return;
        }
        let mut done = 0u64;
        let mut active = Some(ctx.live.active());
        loop {
            if !self.wanted_now() {
                active = None;
                if !self.wanted().await {
                    break;
                }
                active = Some(ctx.live.active());
            }
            if ctx.stop.is_cancelled() || !self.claim(done) {
                break;
            }
            let began = Instant::now();
            match ctx.iterate(&mut vu, &mut rng, done, began).await {
                Ran::Done => {}
                Ran::Interrupted => return,
                Ran::Poisoned => match ctx.ready_vu(self.index).await {
                    Some(fresh) => vu = fresh,
                    None => return,
                },
            }
            done += 1;
            drop(wave.take());
            // No pause after the last iteration of a budget.
            if self.budget_left(done) {
                ctx.pause(&mut vu, &mut rng, began).await;
            }
        }
        drop(active);
        ctx.finish(vu).await;
    }

    /// May this VU start another iteration? Takes one from a shared budget.
    fn claim(&self, done: u64) -> bool {
        match self.budget {
            Budget::Unbounded => true,
            Budget::PerVu(n) => done < n,
            Budget::Shared(n) => self.shared.fetch_add(1, Ordering::Relaxed) < n,
        }
    }

    /// Whether the budget may still hold an iteration for this VU (without
    /// taking it).
    fn budget_left(&self, done: u64) -> bool {
        match self.budget {
            Budget::Unbounded => true,
            Budget::PerVu(n) => done < n,
            Budget::Shared(n) => self.shared.load(Ordering::Relaxed) < n,
        }
    }

    fn wanted_now(&self) -> bool {
        self.target
            .as_ref()
            .is_none_or(|t| self.index < *t.borrow())
    }

    /// Wait until the ramp wants this VU; false when the scenario stops
    /// first.
    async fn wanted(&mut self) -> bool {
        let index = self.index;
        let Some(target) = self.target.as_mut() else {
            return !self.ctx.stop.is_cancelled();
        };
        tokio::select! {
            r = target.wait_for(|&t| index < t) => r.is_ok() && !self.ctx.stop.is_cancelled(),
            _ = self.ctx.stop.cancelled() => false,
        }
    }
}
