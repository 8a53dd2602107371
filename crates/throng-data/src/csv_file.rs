//! CSV files: a header row, then one record per row.

use std::fs::File;
use std::path::Path;

use crate::DataError;
use crate::set::Table;

pub(crate) fn parse(path: &Path) -> Result<Table, DataError> {
    let file = File::open(path).map_err(|source| DataError::Read {
        path: path.into(),
        source,
    })?;
    // Not `flexible`: a record with a field missing or extra is a mistake
    // in the file, reported with its line, not a row to guess at.
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(file);
    let header = reader
        .headers()
        .map_err(|e| error(path, e))?
        .iter()
        .map(Box::<str>::from)
        .collect::<Vec<_>>();
    if let Some(dup) = header
        .iter()
        .enumerate()
        .find_map(|(i, c)| header[..i].contains(c).then_some(c))
    {
        return Err(DataError::Csv {
            path: path.into(),
            line: 1,
            message: format!("column `{dup}` appears twice in the header"),
        });
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| error(path, e))?;
        rows.push(record.iter().map(Box::<str>::from).collect());
    }
    Ok(Table {
        columns: header,
        rows,
    })
}

/// A csv error as ours: the line it points at and what is wrong in words.
fn error(path: &Path, e: csv::Error) -> DataError {
    let line = e.position().map_or(0, |p| p.line());
    let message = match e.into_kind() {
        csv::ErrorKind::Io(source) => {
            return DataError::Read {
                path: path.into(),
                source,
            };
        }
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("expected {expected_len} fields, found {len}"),
        csv::ErrorKind::Utf8 { err, .. } => {
            format!("field {} is not valid UTF-8", err.field() + 1)
        }
        // Seeking and serde errors cannot happen reading string records.
        other => format!("{other:?}"),
    };
    DataError::Csv {
        path: path.into(),
        line,
        message,
    }
}
