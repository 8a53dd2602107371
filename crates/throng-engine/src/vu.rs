//! The engine's view of a virtual user.

use std::fmt;
use std::future::Future;
use std::sync::Arc;

/// One named task a journey offers, with its weight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskInfo {
    /// Task name, passed to [`VirtualUser::iteration`].
    pub name: String,
    /// Relative weight (0 = never drawn).
    pub weight: u32,
}

/// Who a VU is, handed to [`VuFactory::create`].
#[derive(Debug, Clone)]
pub struct VuInfo {
    /// VU number, from 1, unique in the run.
    pub id: u32,
    /// Scenario the VU belongs to.
    pub scenario: Arc<str>,
}

/// Why a VU call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VuError {
    /// What went wrong, for the report.
    pub message: String,
    /// The VU cannot be used again (its instance trapped): the engine
    /// replaces it with a fresh one.
    pub fatal: bool,
}

impl VuError {
    /// An error the VU survives (the journey returned an error).
    pub fn failed(message: impl Into<String>) -> Self {
        VuError {
            message: message.into(),
            fatal: false,
        }
    }

    /// An error after which the VU must be replaced (a trap).
    pub fn fatal(message: impl Into<String>) -> Self {
        VuError {
            message: message.into(),
            fatal: true,
        }
    }
}

impl fmt::Display for VuError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// One virtual user: a journey instance with its own state and connections.
pub trait VirtualUser: Send + 'static {
    /// Once before the first iteration (log in).
    fn on_start(&mut self) -> impl Future<Output = Result<(), VuError>> + Send;
    /// One pass of the journey running `task`; `iteration` counts from 0.
    fn iteration(
        &mut self,
        task: &str,
        iteration: u64,
    ) -> impl Future<Output = Result<(), VuError>> + Send;
    /// Once after the last iteration.
    fn on_stop(&mut self) -> impl Future<Output = ()> + Send;
    /// The VU is about to wait at least [`REST_AFTER`] before its next
    /// call: a chance to free memory it only needs while it runs (buffers
    /// going back to the process's allocator).
    fn rest(&mut self) {}
    /// After [`rest`](Self::rest), once no VU released with this one is
    /// still in its first iteration (at most [`REST_DEFER`] later), and
    /// only if the pause still has [`REST_AFTER`] to go: give the system
    /// the pages only a running call uses (stacks). That costs system calls
    /// now and page faults on the next call, so it waits for the start.
    ///
    /// [`REST_DEFER`]: crate::REST_DEFER
    fn release_pages(&mut self) {}
}

/// Pauses at least this long let a VU [`rest`](VirtualUser::rest).
/// Resting costs a few microseconds and the page faults of the next
/// iteration; below this the memory would come back too soon to matter.
pub const REST_AFTER: std::time::Duration = std::time::Duration::from_millis(500);

/// Makes virtual users. Shared by every VU task of a run.
pub trait VuFactory: Send + Sync + 'static {
    /// The VU type it makes.
    type Vu: VirtualUser;
    /// The tasks the journey offers, with default weights.
    fn tasks(&self) -> &[TaskInfo];
    /// A fresh VU.
    fn create(&self, info: VuInfo) -> impl Future<Output = Result<Self::Vu, VuError>> + Send;
}
