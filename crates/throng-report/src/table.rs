//! Aligned columns: widths are measured on the plain text, colour is added
//! after padding, so escape codes never shift a column.

use crate::style::{Painter, Style};

/// Which side a column's text keeps to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    Right,
}

/// Where a cell too wide for its column loses characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cut {
    /// `GET /models…download`: both ends of a request name say something.
    Middle,
    /// `guest error: patient list w…`: free text reads from the start.
    End,
}

/// One cell: its text and how to show it.
#[derive(Debug, Clone)]
pub(crate) struct Cell {
    text: String,
    style: Style,
}

impl Cell {
    pub(crate) fn new(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            style: Style::Plain,
        }
    }

    pub(crate) fn styled(text: impl Into<String>, style: Style) -> Cell {
        Cell {
            text: text.into(),
            style,
        }
    }
}

/// Rows of cells under optional headers, rendered with two spaces between
/// columns and a fixed indent.
pub(crate) struct Table {
    aligns: Vec<Align>,
    rows: Vec<Vec<Cell>>,
    /// The column cut to fit a width, if any, and where it is cut.
    shrinkable: Option<(usize, Cut)>,
}

const GAP: &str = "  ";

impl Table {
    pub(crate) fn new(aligns: &[Align]) -> Table {
        Table {
            aligns: aligns.to_vec(),
            rows: Vec::new(),
            shrinkable: None,
        }
    }

    /// Lets `column` be cut (with `…`) when the table is wider than asked.
    pub(crate) fn shrink_column(mut self, column: usize, cut: Cut) -> Table {
        self.shrinkable = Some((column, cut));
        self
    }

    pub(crate) fn row(&mut self, cells: Vec<Cell>) {
        debug_assert_eq!(cells.len(), self.aligns.len());
        self.rows.push(cells);
    }

    /// The table's lines, each starting with `indent`, none wider than
    /// `width` if the shrinkable column can make room.
    pub(crate) fn lines(
        &self,
        indent: &str,
        width: Option<usize>,
        painter: Painter,
    ) -> Vec<String> {
        let mut widths = vec![0; self.aligns.len()];
        for row in &self.rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.text.chars().count());
            }
        }
        if let (Some(limit), Some((column, _))) = (width, self.shrinkable) {
            let total = indent.chars().count()
                + widths.iter().sum::<usize>()
                + GAP.len() * widths.len().saturating_sub(1);
            if total > limit {
                let excess = total - limit;
                // Keep at least a recognisable stub of the name.
                widths[column] = widths[column]
                    .saturating_sub(excess)
                    .max(8.min(widths[column]));
            }
        }
        self.rows
            .iter()
            .map(|row| {
                let mut line = String::from(indent);
                for (i, ((cell, width), align)) in
                    row.iter().zip(&widths).zip(&self.aligns).enumerate()
                {
                    if i > 0 {
                        line.push_str(GAP);
                    }
                    let how = match self.shrinkable {
                        Some((column, how)) if column == i => how,
                        _ => Cut::End,
                    };
                    let text = cut(&cell.text, *width, how);
                    let pad = " ".repeat(width - text.chars().count());
                    let last = i + 1 == row.len();
                    match align {
                        Align::Left if last => line.push_str(&painter.paint(cell.style, &text)),
                        Align::Left => {
                            line.push_str(&painter.paint(cell.style, &text));
                            line.push_str(&pad);
                        }
                        Align::Right => {
                            line.push_str(&pad);
                            line.push_str(&painter.paint(cell.style, &text));
                        }
                    }
                }
                line.truncate(line.trim_end().len());
                line
            })
            .collect()
    }
}

/// `text` cut to `width` characters, with `…` where characters were taken
/// out.
fn cut(text: &str, width: usize, how: Cut) -> String {
    let length = text.chars().count();
    if length <= width {
        return text.to_owned();
    }
    if width == 0 {
        return String::new();
    }
    let keep = width - 1;
    let (head, tail) = match how {
        Cut::End => (keep, 0),
        Cut::Middle => (keep - keep / 2, keep / 2),
    };
    let mut cut: String = text.chars().take(head).collect();
    cut.push('…');
    cut.extend(text.chars().skip(length - tail));
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts() {
        let name = "GET /models/{id}/download";
        assert_eq!(cut(name, 30, Cut::Middle), name);
        assert_eq!(cut(name, 15, Cut::Middle), "GET /mo…ownload");
        assert_eq!(cut(name, 15, Cut::End), "GET /models/{i…");
        assert_eq!(cut(name, 1, Cut::Middle), "…");
    }
}
