//! Connections every session of a client shares, when the client was built
//! with [`ClientOptions::shared_connections`](crate::ClientOptions::shared_connections).

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::dial::Conn;
use crate::target::Target;

/// At most `max` connections, in use or idle, shared by every session.
///
/// A request first takes a slot, waiting in turn when all `max` are in use
/// (tokio's semaphore is fair), then an idle connection to its origin, or
/// dials one. Before dialing it closes an idle connection to another origin
/// if there is one. So the number of open connections never exceeds `max`:
/// a dial happens only with a slot held and no idle connection for the
/// origin; if other idle connections exist, one is closed first, and if none
/// does, every open connection is in use by another slot holder (fewer than
/// `max`).
pub(crate) struct Pool {
    slots: Arc<Semaphore>,
    /// Idle connections, most recently returned last.
    idle: Mutex<Vec<Conn>>,
}

/// The right to use one connection of the pool, until dropped.
pub(crate) type Slot = OwnedSemaphorePermit;

impl Pool {
    pub(crate) fn new(max: NonZeroUsize) -> Pool {
        Pool {
            slots: Arc::new(Semaphore::new(max.get())),
            idle: Mutex::new(Vec::new()),
        }
    }

    /// Waits for a free slot, in turn.
    pub(crate) async fn slot(&self) -> Slot {
        Arc::clone(&self.slots)
            .acquire_owned()
            .await
            .expect("the pool's semaphore is never closed")
    }

    /// The idle connection to `target` returned last, if any. With one
    /// origin that is the last of the list, taken in constant time; the
    /// order of the rest is kept for [`Pool::make_room`].
    pub(crate) fn take(&self, target: &Target) -> Option<Conn> {
        let mut idle = self.lock();
        let i = idle.iter().rposition(|c| c.serves(target))?;
        Some(idle.remove(i))
    }

    /// Closes the idle connection returned first, if any, to make room for
    /// a new one.
    pub(crate) fn make_room(&self) {
        let oldest = {
            let mut idle = self.lock();
            (!idle.is_empty()).then(|| idle.remove(0))
        };
        drop(oldest);
    }

    /// Returns a connection that may take another request.
    pub(crate) fn put(&self, conn: Conn) {
        self.lock().push(conn);
    }

    /// Idle connections, for `Debug`.
    pub(crate) fn idle(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Conn>> {
        // Only pushes and removals happen under the lock: a panic cannot
        // leave the list half changed.
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
