//! Rows from the plan's data sets (`[data.<name>]`): users to log in as,
//! patients to look up, questions to ask.
//!
//! The host loads each set once and shares it between all VUs; the plan
//! says how [`next`] picks rows: `sequential-unique` (each row once across
//! the whole run, then the set is exhausted), `random`, or `round-robin`
//! (VU k starts at row (k-1) mod len and moves one row per call).
//!
//! ```ignore
//! let patient = data::next("patients")?;
//! let id = patient.get_or_err("id")?;
//! http::get(format!("{base}/patients/{id}")).name("patient").send()?;
//! ```

use std::fmt;

use crate::__bindings::throng::vu::data as wit;
use crate::{Error, Result};

/// One row of a data set: values by column name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    index: u64,
    columns: Vec<String>,
    values: Vec<String>,
}

impl Row {
    /// The value of `column`, if the set has that column.
    pub fn get(&self, column: &str) -> Option<&str> {
        let i = self.columns.iter().position(|c| c == column)?;
        self.values.get(i).map(String::as_str)
    }

    /// The value of `column`, or an error naming the column and the
    /// columns the set does have.
    pub fn get_or_err(&self, column: &str) -> Result<&str> {
        self.get(column).ok_or_else(|| {
            Error::msg(format!(
                "the data row has no column `{column}` (its columns: {})",
                self.columns.join(", ")
            ))
        })
    }

    /// This row's position in its set, from 0 (what [`row`] takes).
    pub fn index(&self) -> u64 {
        self.index
    }

    /// The set's column names, in order.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// The values, in column order.
    pub fn values(&self) -> &[String] {
        &self.values
    }

    /// `(column, value)` pairs, in column order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.columns
            .iter()
            .zip(&self.values)
            .map(|(c, v)| (c.as_str(), v.as_str()))
    }
}

impl From<wit::Row> for Row {
    fn from(r: wit::Row) -> Row {
        Row {
            index: r.index,
            columns: r.columns,
            values: r.values,
        }
    }
}

/// Why [`next`] gave no row. It converts into [`Error`] with `?`; match on
/// it to treat an exhausted set differently, for example to stop feeding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataError {
    /// The plan has no data set with this name.
    UnknownSet(String),
    /// The set is `sequential-unique` and every row has been used once.
    Exhausted(String),
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DataError::UnknownSet(set) => write!(f, "no data set named `{set}` in the plan"),
            DataError::Exhausted(set) => write!(f, "data set `{set}` is exhausted"),
        }
    }
}

impl std::error::Error for DataError {}

/// The next row of `set` for this VU, as the plan's strategy for the set
/// decides.
pub fn next(set: &str) -> Result<Row, DataError> {
    match wit::next(set) {
        Ok(row) => Ok(row.into()),
        Err(wit::DataError::UnknownSet(set)) => Err(DataError::UnknownSet(set)),
        Err(wit::DataError::Exhausted(set)) => Err(DataError::Exhausted(set)),
    }
}

/// The row of `set` at `index` (from 0), whatever the set's strategy; `None`
/// when there is no such set or row.
pub fn row(set: &str, index: u64) -> Option<Row> {
    wit::row_at(set, index).map(Row::from)
}

/// How many rows `set` has; `None` when the plan has no such set.
pub fn len(set: &str) -> Option<u64> {
    wit::len(set)
}
