//! `throng:vu/data`: rows from the plan's data sets, through the VU's own
//! cursor.

use throng_data::{Lookup, Row};

use crate::bindings::throng::vu::data::{self as wit, Host};
use crate::state::VuState;

impl Host for VuState {
    async fn len(&mut self, set: String) -> Option<u64> {
        self.feeders.len(&set)
    }

    async fn row_at(&mut self, set: String, index: u64) -> Option<wit::Row> {
        self.feeders.row(&set, index).map(|row| wit_row(index, row))
    }

    async fn next(&mut self, set: String) -> Result<wit::Row, wit::DataError> {
        match self.feeders.next(&set, &mut self.data_cursor) {
            Lookup::Row { index, row } => Ok(wit_row(index, row)),
            Lookup::Exhausted => Err(wit::DataError::Exhausted(set)),
            Lookup::UnknownSet => Err(wit::DataError::UnknownSet(set)),
        }
    }
}

/// The guest gets its own copy of the row: the shared one stays in the host.
fn wit_row(index: u64, row: &Row) -> wit::Row {
    wit::Row {
        index,
        columns: row.columns().iter().map(|c| c.to_string()).collect(),
        values: row.values().iter().map(|v| v.to_string()).collect(),
    }
}

#[cfg(test)]
mod tests {
    use throng_data::{Feeder, Feeders, Strategy};

    use super::*;
    use crate::config::{Host as Engine, HostOptions};

    /// A VU's state whose feeders hold `ids`, two rows, handed out once.
    fn state() -> (tempfile::TempDir, VuState) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ids.csv");
        std::fs::write(&path, "id,name\n7,ada\n8,bob\n").unwrap();
        let feeder = Feeder::load("ids", &path, Strategy::SequentialUnique).unwrap();
        let mut state = VuState::probe(&Engine::new(HostOptions::default()).unwrap());
        state.feeders = Feeders::new([feeder]).unwrap();
        (dir, state)
    }

    #[tokio::test]
    async fn next_answers_rows_then_exhausted_and_unknown_sets() {
        let (_dir, mut vu) = state();
        let row = vu.next("ids".into()).await.unwrap();
        assert_eq!(row.index, 0);
        assert_eq!(row.columns, ["id", "name"]);
        assert_eq!(row.values, ["7", "ada"]);
        assert_eq!(vu.next("ids".into()).await.unwrap().values, ["8", "bob"]);
        assert!(matches!(
            vu.next("ids".into()).await,
            Err(wit::DataError::Exhausted(s)) if s == "ids"
        ));
        assert!(matches!(
            vu.next("nope".into()).await,
            Err(wit::DataError::UnknownSet(s)) if s == "nope"
        ));
    }

    #[tokio::test]
    async fn len_and_row_at_read_without_the_cursor() {
        let (_dir, mut vu) = state();
        assert_eq!(vu.len("ids".into()).await, Some(2));
        assert_eq!(vu.len("nope".into()).await, None);
        let row = vu.row_at("ids".into(), 1).await.unwrap();
        assert_eq!((row.index, row.values), (1, vec!["8".into(), "bob".into()]));
        assert!(vu.row_at("ids".into(), 2).await.is_none());
        assert_eq!(vu.next("ids".into()).await.unwrap().index, 0);
    }
}
