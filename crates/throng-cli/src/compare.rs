//! `throng compare BASE.json NEW.json`: what changed between two runs, and
//! whether it regressed beyond what is allowed.

use std::path::Path;

use anyhow::{Context, anyhow};
use throng_metrics::RunResults;
use throng_report::compare::{compare as compare_runs, parse_percent, render_comparison};

use crate::args::CompareArgs;
use crate::exit::Outcome;
use crate::terminal::color;

pub fn compare(args: CompareArgs) -> Outcome {
    let max = match args
        .max_regression
        .as_deref()
        .map(parse_percent)
        .transpose()
    {
        Ok(max) => max,
        Err(e) => return Outcome::BadInput(anyhow!("--max-regression: {e}")),
    };
    let (base, new) = match (read(&args.base), read(&args.new)) {
        (Ok(base), Ok(new)) => (base, new),
        (Err(e), _) | (_, Err(e)) => return Outcome::BadInput(e),
    };
    let comparison = compare_runs(&base, &new);
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = render_comparison(&comparison, max, &mut stdout, color(args.no_color)) {
        return Outcome::Aborted(anyhow!("writing the comparison: {e}"));
    }
    let passed = max.is_none_or(|max| comparison.regressions(max).is_empty());
    Outcome::Verdict { passed }
}

/// Reads a results file; the error names it.
pub(crate) fn read(path: &Path) -> anyhow::Result<RunResults> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    RunResults::from_json(std::io::BufReader::new(file))
        .with_context(|| format!("{} is not a throng results file", path.display()))
}
