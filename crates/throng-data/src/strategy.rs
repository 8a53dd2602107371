//! How a feeder picks the next row.

use std::fmt;
use std::str::FromStr;

use crate::DataError;

/// How [`Feeders::next`](crate::Feeders::next) picks a row for a VU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Strategy {
    /// Each row is handed out exactly once across all VUs, in file order;
    /// then the set is exhausted. For accounts that may log in only once.
    SequentialUnique,
    /// A uniformly random row from the VU's own seeded generator; rows
    /// repeat.
    #[default]
    Random,
    /// VU k starts at row `(k - 1) % len` and advances one row per call,
    /// wrapping around: VUs start spread over the set and never run out.
    RoundRobinPerVu,
}

impl Strategy {
    /// The name a plan uses for this strategy.
    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::SequentialUnique => "sequential-unique",
            Strategy::Random => "random",
            Strategy::RoundRobinPerVu => "round-robin",
        }
    }
}

impl FromStr for Strategy {
    type Err = DataError;

    fn from_str(s: &str) -> Result<Strategy, DataError> {
        match s {
            "sequential-unique" => Ok(Strategy::SequentialUnique),
            "random" => Ok(Strategy::Random),
            "round-robin" => Ok(Strategy::RoundRobinPerVu),
            _ => Err(DataError::UnknownStrategy {
                given: s.to_owned(),
            }),
        }
    }
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
