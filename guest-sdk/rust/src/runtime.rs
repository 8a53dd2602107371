//! The glue between the exported `journey` interface and a [`Journey`] value.

use std::cell::RefCell;
use std::marker::PhantomData;

use crate::__bindings::exports::throng::vu::journey::{Guest, TaskInfo};
use crate::Journey;

thread_local! {
    // One VU per component instance, and a wasm instance is single-threaded,
    // so the journey value lives here between calls.
    static STATE: RefCell<Option<Box<dyn std::any::Any>>> = const { RefCell::new(None) };
}

/// Implements the exported interface for journey type `J`.
pub struct Exports<J>(PhantomData<J>);

fn with_journey<J: Journey, R>(f: impl FnOnce(&mut J) -> R) -> R {
    STATE.with(|cell| {
        let mut slot = cell.borrow_mut();
        let state = slot.get_or_insert_with(|| Box::new(J::default()));
        let journey = state
            .downcast_mut::<J>()
            .expect("one journey type per component");
        f(journey)
    })
}

impl<J: Journey> Guest for Exports<J> {
    fn tasks() -> Vec<TaskInfo> {
        J::tasks()
            .into_iter()
            .map(|t| TaskInfo {
                name: t.name,
                weight: t.weight,
            })
            .collect()
    }

    fn on_start() -> Result<(), String> {
        with_journey::<J, _>(|j| j.on_start()).map_err(|e| e.to_string())
    }

    fn iteration(task: String) -> Result<(), String> {
        with_journey::<J, _>(|j| j.iteration(&task)).map_err(|e| e.to_string())
    }

    fn on_stop() {
        with_journey::<J, _>(|j| j.on_stop());
    }
}
