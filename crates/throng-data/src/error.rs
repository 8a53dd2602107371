//! What can go wrong loading data sets or naming a strategy.

use std::io;
use std::path::PathBuf;

/// Why a data set could not be loaded, or a strategy or set of feeders is
/// invalid. Messages name the file and, for a parse error, where in it.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The file could not be opened or read.
    #[error("reading {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: io::Error,
    },
    /// A CSV record is malformed: a field count that differs from the
    /// header's, invalid UTF-8, or a repeated column name.
    #[error("{} line {line}: {message}", path.display())]
    Csv {
        /// The file.
        path: PathBuf,
        /// Line (from 1) where the record starts.
        line: u64,
        /// What is wrong with it.
        message: String,
    },
    /// The JSON is malformed, or is not an array of objects or of strings.
    #[error("{} line {line} column {column}: {message}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// Line (from 1) where the parser stopped.
        line: usize,
        /// Column (from 1) where the parser stopped.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// The file parsed but holds no rows (a CSV with only a header, or an
    /// empty JSON array); a feeder with nothing to feed is a mistake.
    #[error("{} has no rows", path.display())]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// The file's extension names no format this crate reads.
    #[error("{}: unknown data file type; supported extensions are .csv and .json", path.display())]
    UnsupportedExtension {
        /// The file.
        path: PathBuf,
    },
    /// A strategy name that is none of the known ones.
    #[error("unknown data strategy `{given}`; expected sequential-unique, random or round-robin")]
    UnknownStrategy {
        /// The name given.
        given: String,
    },
    /// Two feeders share one data set name.
    #[error("data set `{name}` is declared twice")]
    DuplicateSet {
        /// The repeated name.
        name: String,
    },
}
