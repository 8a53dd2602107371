//! ANSI colours, applied only when asked for.

/// How a piece of text is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    Plain,
    Bold,
    Dim,
    Good,
    Bad,
    BadBold,
    Warn,
}

impl Style {
    fn code(self) -> &'static str {
        match self {
            Style::Plain => "",
            Style::Bold => "\x1b[1m",
            Style::Dim => "\x1b[2m",
            Style::Good => "\x1b[32m",
            Style::Bad => "\x1b[31m",
            Style::BadBold => "\x1b[1;31m",
            Style::Warn => "\x1b[33m",
        }
    }
}

/// Wraps text in escape codes, or leaves it as it is.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Painter {
    pub(crate) color: bool,
}

impl Painter {
    pub(crate) fn paint(self, style: Style, text: &str) -> String {
        if !self.color || style == Style::Plain || text.is_empty() {
            text.to_owned()
        } else {
            format!("{}{text}\x1b[0m", style.code())
        }
    }
}
