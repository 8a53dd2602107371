//! `throng compare BASE.json NEW.json`: what changed between two runs, and
//! whether it regressed beyond what is allowed.

use anyhow::anyhow;
use throng_report::compare::{compare as compare_runs, parse_percent, render_comparison};

use crate::args::CompareArgs;
use crate::exit::Outcome;
use crate::run::read_results;
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
    let (base, new) = match (read_results(&args.base), read_results(&args.new)) {
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
