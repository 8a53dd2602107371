//! `throng report RESULTS.json`: the HTML report of a finished run, from
//! its results file.

use anyhow::anyhow;

use crate::args::ReportArgs;
use crate::exit::Outcome;

pub fn report(args: ReportArgs) -> Outcome {
    let results = match crate::run::read_results(&args.results) {
        Ok(results) => results,
        Err(e) => return Outcome::BadInput(e),
    };
    let output = args
        .output
        .unwrap_or_else(|| args.results.with_extension("html"));
    if output == args.results {
        return Outcome::BadInput(anyhow!(
            "the report would overwrite its results file {}; name another with -o",
            output.display()
        ));
    }
    if let Err(e) = crate::run::write_file(&output, |w| throng_report::write_html(&results, w)) {
        return Outcome::BadInput(e);
    }
    println!("report written to {}", output.display());
    Outcome::Verdict { passed: true }
}
