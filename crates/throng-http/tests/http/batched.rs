//! Requests written in batches (`throng_http::batch_writes`): each goes out
//! when its worker thread runs out of tasks, and its wait in the batch
//! counts as `sending`, never as the server's time.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use throng_http::{Request, Timings};

use crate::harness::{Proto, Server, batched, client};

/// How long a task keeps the thread from parking.
const BUSY: Duration = Duration::from_millis(60);

/// Runs `test` on a one-thread runtime, with or without batched writes.
fn one_thread<T>(batch: bool, test: impl Future<Output = T>) -> T {
    let mut builder = tokio::runtime::Builder::new_current_thread();
    if batch {
        throng_http::batch_writes(&mut builder);
    }
    let runtime = builder.enable_all().build().unwrap();
    runtime.block_on(async {
        // Batching starts at the thread's first park.
        tokio::time::sleep(Duration::from_millis(5)).await;
        test.await
    })
}

/// A second request on a kept connection, made just as another task takes
/// the thread for [`BUSY`], first writing the thread's batch if `flush`.
async fn behind_a_busy_task(flush: bool) -> Timings {
    let server = Server::start(Proto::Http1).await;
    let mut session = client().session();
    session
        .send(Request::get(server.url("/echo")))
        .await
        .unwrap();
    // Runs as soon as this task waits for its response.
    let busy = tokio::spawn(async move {
        if flush {
            throng_http::flush_writes();
        }
        std::thread::sleep(BUSY);
    });
    let response = session
        .send(Request::get(server.url("/echo")))
        .await
        .unwrap();
    busy.await.unwrap();
    assert_eq!(response.status, 200);
    assert!(response.reused_connection);
    response.timings
}

#[test]
fn a_batched_request_goes_out_when_its_thread_is_idle_and_the_wait_is_sending() {
    // Written at once, the request reaches the server (on the same thread)
    // while the busy task runs: the server's answer waits, as `waiting`.
    let at_once = one_thread(false, behind_a_busy_task(false));
    assert!(at_once.sending < BUSY, "{at_once:?}");
    assert!(at_once.waiting >= BUSY, "{at_once:?}");

    // Batched, it goes out only when the thread parks, after the busy
    // task: the wait is the client's, as `sending`.
    let batched = one_thread(true, behind_a_busy_task(false));
    assert!(batched.sending >= BUSY, "{batched:?}");
    assert!(batched.waiting < BUSY, "{batched:?}");
}

#[test]
fn flush_writes_sends_the_batch_before_a_task_keeps_the_thread() {
    // What the host does before a computing guest yields: the request goes
    // out before the busy task starts, as if written at once.
    let flushed = one_thread(true, behind_a_busy_task(true));
    assert!(flushed.sending < BUSY, "{flushed:?}");
    assert!(flushed.waiting >= BUSY, "{flushed:?}");
}

#[test]
fn every_request_of_many_vus_is_written_and_answered_on_its_own_connection() {
    const VUS: usize = 150;
    const REQUESTS: usize = 20;
    batched(async {
        let server = Arc::new(Server::start(Proto::Http1).await);
        let client = client();
        let vus: Vec<_> = (0..VUS)
            .map(|vu| {
                let mut session = client.session();
                let server = server.clone();
                tokio::spawn(async move {
                    let mut answered = 0;
                    for i in 0..REQUESTS {
                        let body = format!("vu {vu} request {i}");
                        let response = session
                            .send(Request {
                                body: Some(body.clone().into()),
                                ..Request::new(http::Method::POST, server.url("/echo"))
                            })
                            .await
                            .unwrap();
                        assert_eq!(response.status, 200);
                        // Each answer is to this VU's own request.
                        assert_eq!(response.body, body);
                        answered += 1;
                    }
                    (answered, session.connections_opened())
                })
            })
            .collect();
        let mut answered = 0;
        for vu in vus {
            let (n, opened) = vu.await.unwrap();
            answered += n;
            assert_eq!(opened, 1);
        }
        assert_eq!(answered, VUS * REQUESTS);
        assert_eq!(server.accepts(), VUS as u64);
    });
}
