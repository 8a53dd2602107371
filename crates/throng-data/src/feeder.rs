//! Feeders: data sets with a strategy, and the per-VU cursor over them.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use crate::{DataError, DataSet, Row, Strategy};

/// One data set and how it is handed out. The cursor is shared by every VU,
/// which is what makes `sequential-unique` unique across the run.
#[derive(Debug)]
pub struct Feeder {
    set: DataSet,
    strategy: Strategy,
    cursor: AtomicU64,
}

impl Feeder {
    /// A feeder handing out `set`'s rows by `strategy`.
    pub fn new(set: DataSet, strategy: Strategy) -> Feeder {
        Feeder {
            set,
            strategy,
            cursor: AtomicU64::new(0),
        }
    }

    /// Load the set `name` from `path` (see [`DataSet::load`]) into a
    /// feeder.
    pub fn load(name: &str, path: &Path, strategy: Strategy) -> Result<Feeder, DataError> {
        Ok(Feeder::new(DataSet::load(name, path)?, strategy))
    }

    /// The data set.
    pub fn set(&self) -> &DataSet {
        &self.set
    }

    /// How rows are handed out.
    pub fn strategy(&self) -> Strategy {
        self.strategy
    }

    /// For `sequential-unique`, how many rows have been handed out so far
    /// (at most the set's length); for the other strategies, 0.
    pub fn handed_out(&self) -> u64 {
        self.cursor
            .load(Ordering::Relaxed)
            .min(self.set.len() as u64)
    }
}

/// The run's feeders by set name: what the host gives every VU. Cloning is
/// one `Arc` clone; the rows are never copied.
#[derive(Debug, Clone, Default)]
pub struct Feeders {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    /// In the order given; a feeder's position indexes `VuCursor::counters`.
    feeders: Vec<Feeder>,
    by_name: HashMap<Box<str>, usize>,
}

/// What [`Feeders::next`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup<'a> {
    /// The row at `index` (from 0) of the set.
    Row {
        /// The row's position in its set.
        index: u64,
        /// The row.
        row: &'a Row,
    },
    /// The set is `sequential-unique` and every row has been handed out.
    Exhausted,
    /// No set has this name.
    UnknownSet,
}

/// One VU's own state for [`Feeders::next`]: its id, its random generator
/// and its position in each `round-robin` set. Not shared, so no lock.
///
/// A VU that the engine replaces (after a trap) gets a new cursor, so a
/// `round-robin` walk starts again at its first row.
#[derive(Debug, Clone)]
pub struct VuCursor {
    vu_id: u32,
    rng: SmallRng,
    /// Calls so far per feeder (by position), for `round-robin`; grown on
    /// first use.
    counters: Vec<u64>,
}

impl VuCursor {
    /// The cursor of VU `vu_id` (from 1), drawing `random` rows from a
    /// generator seeded with `seed`.
    pub fn new(vu_id: u32, seed: u64) -> VuCursor {
        VuCursor {
            vu_id,
            rng: SmallRng::seed_from_u64(seed),
            counters: Vec::new(),
        }
    }
}

impl Feeders {
    /// The feeders given, by their sets' names; two with one name is an
    /// error.
    pub fn new(feeders: impl IntoIterator<Item = Feeder>) -> Result<Feeders, DataError> {
        let mut inner = Inner::default();
        for feeder in feeders {
            let name: Box<str> = feeder.set.name().into();
            if inner.by_name.contains_key(&name) {
                return Err(DataError::DuplicateSet { name: name.into() });
            }
            inner.by_name.insert(name, inner.feeders.len());
            inner.feeders.push(feeder);
        }
        Ok(Feeders {
            inner: Arc::new(inner),
        })
    }

    /// The feeder of the set `name`.
    pub fn get(&self, name: &str) -> Option<&Feeder> {
        self.position(name).map(|i| &self.inner.feeders[i])
    }

    /// Every feeder, in the order given.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &Feeder> {
        self.inner.feeders.iter()
    }

    /// Whether there are no feeders.
    pub fn is_empty(&self) -> bool {
        self.inner.feeders.is_empty()
    }

    /// Number of rows in the set `name`, if there is one.
    pub fn len(&self, set: &str) -> Option<u64> {
        self.get(set).map(|f| f.set.len() as u64)
    }

    /// The row at `index` of the set `set`, whatever its strategy.
    pub fn row(&self, set: &str, index: u64) -> Option<&Row> {
        self.get(set)?.set.row(index)
    }

    /// The next row of `set` for the VU whose cursor is `vu`, as the set's
    /// strategy decides.
    pub fn next(&self, set: &str, vu: &mut VuCursor) -> Lookup<'_> {
        let Some(position) = self.position(set) else {
            return Lookup::UnknownSet;
        };
        let feeder = &self.inner.feeders[position];
        let len = feeder.set.len() as u64;
        let index = match feeder.strategy {
            Strategy::SequentialUnique => {
                // Relaxed is enough: the counter orders nothing else, and
                // fetch_add alone makes each index go to exactly one caller.
                // It keeps counting past the end; u64 does not wrap in any
                // run.
                let i = feeder.cursor.fetch_add(1, Ordering::Relaxed);
                if i >= len {
                    return Lookup::Exhausted;
                }
                i
            }
            Strategy::Random => vu.rng.random_range(0..len),
            Strategy::RoundRobinPerVu => {
                if vu.counters.len() <= position {
                    vu.counters.resize(position + 1, 0);
                }
                let calls = &mut vu.counters[position];
                let start = u64::from(vu.vu_id.saturating_sub(1));
                let i = (start % len + *calls % len) % len;
                *calls += 1;
                i
            }
        };
        match feeder.set.row(index) {
            Some(row) => Lookup::Row { index, row },
            // A loaded set is never empty and every index above is < len.
            None => Lookup::Exhausted,
        }
    }

    fn position(&self, name: &str) -> Option<usize> {
        self.inner.by_name.get(name).copied()
    }
}
