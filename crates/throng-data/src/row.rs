//! One row of a data set.

use std::fmt;
use std::sync::Arc;

/// One row: its values in column order, sharing the set's column names.
///
/// Rows live in the set's `Arc<[Row]>`, loaded once and borrowed by every
/// VU; only the names' `Arc` is shared between rows, so a row costs its own
/// values and one pointer.
#[derive(Clone, PartialEq, Eq)]
pub struct Row {
    columns: Arc<[Box<str>]>,
    values: Box<[Box<str>]>,
}

impl Row {
    /// A row of `values` under `columns`; the loaders guarantee the two
    /// have the same length.
    pub(crate) fn new(columns: Arc<[Box<str>]>, values: Box<[Box<str>]>) -> Row {
        debug_assert_eq!(columns.len(), values.len());
        Row { columns, values }
    }

    /// The column names, in order.
    pub fn columns(&self) -> &[Box<str>] {
        &self.columns
    }

    /// The values, in column order.
    pub fn values(&self) -> &[Box<str>] {
        &self.values
    }

    /// The value of `column`, if the set has such a column.
    pub fn get(&self, column: &str) -> Option<&str> {
        let i = self.columns.iter().position(|c| &**c == column)?;
        self.values.get(i).map(|v| &**v)
    }

    /// `(column, value)` pairs, in column order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &str)> {
        self.columns
            .iter()
            .zip(self.values.iter())
            .map(|(c, v)| (&**c, &**v))
    }
}

impl fmt::Debug for Row {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}
