//! Outcomes of a command and their exit codes: the one place they are
//! decided.

/// How a command ended.
pub enum Outcome {
    /// Ran to the end; `passed` is the SLA verdict.
    Verdict {
        /// Whether every threshold held.
        passed: bool,
    },
    /// Bad usage, plan, module or data: nothing ran (or what ran is kept).
    BadInput(anyhow::Error),
    /// The input was refused and the command has already said why.
    Refused,
    /// The run could not go on.
    Aborted(anyhow::Error),
}

impl Outcome {
    /// All thresholds passed.
    pub const PASSED: u8 = 0;
    /// A threshold failed.
    pub const FAILED: u8 = 1;
    /// Bad usage, plan or module.
    pub const BAD_INPUT: u8 = 2;
    /// The run aborted.
    pub const ABORTED: u8 = 3;

    /// Print the error, if any, and return the exit code.
    pub fn report(self) -> u8 {
        match self {
            Outcome::Verdict { passed: true } => Self::PASSED,
            Outcome::Verdict { passed: false } => Self::FAILED,
            Outcome::Refused => Self::BAD_INPUT,
            Outcome::BadInput(e) => {
                eprintln!("error: {e:#}");
                Self::BAD_INPUT
            }
            Outcome::Aborted(e) => {
                eprintln!("error: run aborted: {e:#}");
                Self::ABORTED
            }
        }
    }
}
