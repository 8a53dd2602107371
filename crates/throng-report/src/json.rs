//! The JSON results file.

use std::io::{self, Write};

use throng_metrics::RunResults;

/// Writes `results` as pretty JSON followed by a newline.
///
/// Field order is the order of the struct fields and maps are sorted, so
/// the same results always give the same bytes; `docs/results-schema.md`
/// documents every field.
pub fn write_json(results: &RunResults, mut out: impl Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut out, results)?;
    writeln!(out)?;
    out.flush()
}
