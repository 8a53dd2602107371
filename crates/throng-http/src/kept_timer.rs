//! One tokio timer shared by a run of operations that each have a deadline.

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::Poll;

use tokio::time::{Instant, Sleep};

/// A timeout for operation after operation, without a timer of its own for
/// each.
///
/// `tokio::time::timeout` registers a timer in tokio's wheel when its
/// future is first polled and takes it out again when the future ends:
/// two trips through the wheel's lock for every request or guest call.
/// Against a fast target, moving a VU's guest calls onto a kept timer took
/// tokio's timer code from 1.74 % to 0.43 % of the CPU samples (the
/// session's requests had moved earlier). A `KeptTimer`
/// keeps its timer armed between operations and moves it only when it
/// would go off after the next operation's deadline. Deadlines usually
/// grow from one operation to the next, so the timer goes off early now
/// and then (at an earlier operation's deadline), finds the current
/// deadline not yet reached, and is set to it.
///
/// A timer left armed between operations may wake its task once, at the
/// old deadline, for nothing; the task then finds its own future pending.
#[derive(Debug, Default)]
pub struct KeptTimer {
    sleep: Option<Pin<Box<Sleep>>>,
}

impl KeptTimer {
    /// A kept timer with no timer made yet.
    pub fn new() -> Self {
        KeptTimer::default()
    }

    /// Runs `operation` until it ends or `deadline` passes; `None` when
    /// the deadline came first (the operation is dropped unfinished).
    ///
    /// The operation is `Unpin` (a `Pin<&mut F>` or `Pin<Box<F>>` of the
    /// real one) and this is not an `async fn`, so that the future returned
    /// holds it once and small: an `async fn` keeps its arguments apart
    /// from its locals, and every layer of such wrapping copies the whole
    /// state below it when it is made.
    pub fn run<'a, F: Future + Unpin + 'a>(
        &'a mut self,
        deadline: Instant,
        mut operation: F,
    ) -> impl Future<Output = Option<F::Output>> + 'a {
        if let Some(sleep) = &mut self.sleep
            && (sleep.is_elapsed() || sleep.deadline() > deadline)
        {
            sleep.as_mut().reset(deadline);
        }
        let sleep = self
            .sleep
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        poll_fn(move |cx| {
            if let Poll::Ready(done) = Pin::new(&mut operation).poll(cx) {
                return Poll::Ready(Some(done));
            }
            while sleep.as_mut().poll(cx).is_ready() {
                if Instant::now() >= deadline {
                    return Poll::Ready(None);
                }
                sleep.as_mut().reset(deadline);
            }
            Poll::Pending
        })
    }

    /// Lets go of the timer (a VU about to rest need not keep it in the
    /// wheel); the next operation makes a new one.
    pub fn drop_timer(&mut self) {
        self.sleep = None;
    }
}

#[cfg(test)]
mod tests {
    use std::pin::pin;
    use std::time::Duration;

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn an_operation_within_its_deadline_finishes() {
        let mut timer = KeptTimer::new();
        let deadline = Instant::now() + Duration::from_secs(1);
        let done = timer
            .run(
                deadline,
                pin!(async {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    7
                }),
            )
            .await;
        assert_eq!(done, Some(7));
    }

    #[tokio::test(start_paused = true)]
    async fn an_operation_past_its_deadline_is_cut_off_at_the_deadline() {
        let mut timer = KeptTimer::new();
        let start = Instant::now();
        let done = timer
            .run(
                start + Duration::from_millis(100),
                pin!(tokio::time::sleep(Duration::from_secs(5))),
            )
            .await;
        assert_eq!(done, None);
        assert_eq!(start.elapsed(), Duration::from_millis(100));
    }

    #[tokio::test(start_paused = true)]
    async fn an_early_timer_left_from_the_last_operation_does_not_cut_the_next_short() {
        let mut timer = KeptTimer::new();
        let start = Instant::now();
        // The first operation leaves the timer armed for 100 ms.
        let first = timer
            .run(start + Duration::from_millis(100), pin!(async {}))
            .await;
        assert_eq!(first, Some(()));
        // The next one may run until 300 ms: the old timer goes off at
        // 100 ms and is moved, not obeyed.
        tokio::time::sleep(Duration::from_millis(50)).await;
        let second = timer
            .run(
                start + Duration::from_millis(300),
                pin!(async {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    "done"
                }),
            )
            .await;
        assert_eq!(second, Some("done"));
        assert_eq!(start.elapsed(), Duration::from_millis(250));
        // And it still cuts off a third at that one's deadline.
        let third = timer
            .run(
                start + Duration::from_millis(400),
                pin!(tokio::time::sleep(Duration::from_secs(1))),
            )
            .await;
        assert_eq!(third, None);
        assert_eq!(start.elapsed(), Duration::from_millis(400));
    }

    #[tokio::test(start_paused = true)]
    async fn a_sooner_deadline_moves_the_timer_earlier() {
        let mut timer = KeptTimer::new();
        let start = Instant::now();
        let _ = timer
            .run(start + Duration::from_secs(60), pin!(async {}))
            .await;
        let cut = timer
            .run(
                start + Duration::from_millis(20),
                pin!(tokio::time::sleep(Duration::from_secs(1))),
            )
            .await;
        assert_eq!(cut, None);
        assert_eq!(start.elapsed(), Duration::from_millis(20));
    }
}
