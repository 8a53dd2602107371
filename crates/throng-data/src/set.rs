//! A named data set, loaded once from a CSV or JSON file.

use std::path::Path;
use std::sync::Arc;

use crate::{DataError, Row, csv_file, json_file};

/// A named table of rows, loaded once and shared: cloning it clones three
/// `Arc`s, never the rows.
#[derive(Debug, Clone)]
pub struct DataSet {
    name: Arc<str>,
    columns: Arc<[Box<str>]>,
    rows: Arc<[Row]>,
}

/// What a loader returns: the header and each row's values in column order.
pub(crate) struct Table {
    pub columns: Vec<Box<str>>,
    pub rows: Vec<Box<[Box<str>]>>,
}

impl DataSet {
    /// Load the set `name` from `path`, by its extension:
    ///
    /// - `.csv`: the first record is the header (column names); every later
    ///   record must have as many fields.
    /// - `.json`: an array of objects, whose keys are the columns (the first
    ///   object's keys, in its order; every object must have the same keys),
    ///   with a value that is not a string kept as its JSON text; or an
    ///   array of strings, numbers or booleans, which makes one column,
    ///   `value`.
    ///
    /// Errors name the file and the line of the bad record. A file with no
    /// rows is an error.
    pub fn load(name: &str, path: &Path) -> Result<DataSet, DataError> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        let table = match ext.as_deref() {
            Some("csv") => csv_file::parse(path)?,
            Some("json") => json_file::parse(path)?,
            _ => {
                return Err(DataError::UnsupportedExtension { path: path.into() });
            }
        };
        if table.rows.is_empty() {
            return Err(DataError::Empty { path: path.into() });
        }
        let columns: Arc<[Box<str>]> = table.columns.into();
        let rows = table
            .rows
            .into_iter()
            .map(|values| Row::new(columns.clone(), values))
            .collect();
        Ok(DataSet {
            name: name.into(),
            columns,
            rows,
        })
    }

    /// The set's name, as the plan and the guest call it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The column names, in order.
    pub fn columns(&self) -> &[Box<str>] {
        &self.columns
    }

    /// All rows, in file order.
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// Number of rows (never 0: an empty file fails to load).
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Always false; here because clippy asks for it beside `len`.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The row at `index`, from 0.
    pub fn row(&self, index: u64) -> Option<&Row> {
        self.rows.get(usize::try_from(index).ok()?)
    }
}
