//! Data feeders: rows from CSV or JSON files, loaded once and handed to
//! virtual users by strategy (k6's SharedArray, Locust's data files).
//!
//! A [`DataSet`] is a named table read by [`DataSet::load`]: the columns
//! and an `Arc<[Row]>` of rows, each [`Row`] holding its values in column
//! order and sharing the column names. A [`Feeder`] pairs a set with a
//! [`Strategy`] and a shared atomic cursor. [`Feeders`] maps set names to
//! feeders, cheap to clone into every VU, and [`Feeders::next`] gives a VU
//! its next row, using the VU's own [`VuCursor`] (its random generator and
//! its round-robin positions) and answering with a [`Lookup`]:
//!
//! - `sequential-unique`: each row exactly once across all VUs, then
//!   [`Lookup::Exhausted`];
//! - `random`: a uniformly random row from the VU's seeded generator;
//! - `round-robin`: VU k starts at row `(k - 1) % len` and advances one row
//!   per call.
//!
//! The host exposes this to guests as the `throng:vu/data` interface. This
//! crate knows no wasm, plan format or engine.
//!
//! ```no_run
//! use std::path::Path;
//! use throng_data::{Feeder, Feeders, Lookup, Strategy, VuCursor};
//!
//! let strategy: Strategy = "sequential-unique".parse()?;
//! let feeders = Feeders::new([Feeder::load("patients", Path::new("patients.csv"), strategy)?])?;
//! let mut vu = VuCursor::new(1, 42);
//! if let Lookup::Row { row, .. } = feeders.next("patients", &mut vu) {
//!     let _id = row.get("id");
//! }
//! # Ok::<(), throng_data::DataError>(())
//! ```

mod csv_file;
mod error;
mod feeder;
mod json_file;
mod row;
mod set;
mod strategy;

pub use error::DataError;
pub use feeder::{Feeder, Feeders, Lookup, VuCursor};
pub use row::Row;
pub use set::DataSet;
pub use strategy::Strategy;
