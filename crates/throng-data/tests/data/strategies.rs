//! How feeders hand out rows: sequential-unique, random, round-robin.

use std::collections::BTreeMap;

use throng_data::{DataError, Feeder, Feeders, Lookup, Strategy, VuCursor};

use crate::{load, load_as};

/// Feeders with one set, `ids`, of `n` rows whose `id` is 0..n.
fn ids(n: usize, strategy: Strategy) -> Feeders {
    let text: String = std::iter::once("id\n".to_owned())
        .chain((0..n).map(|i| format!("{i}\n")))
        .collect();
    Feeders::new([Feeder::new(
        load_as("ids", "ids.csv", &text).unwrap(),
        strategy,
    )])
    .unwrap()
}

/// The index of the next row, or `None` when exhausted.
fn next(feeders: &Feeders, vu: &mut VuCursor) -> Option<u64> {
    match feeders.next("ids", vu) {
        Lookup::Row { index, row } => {
            assert_eq!(row.get("id"), Some(index.to_string().as_str()));
            Some(index)
        }
        Lookup::Exhausted => None,
        Lookup::UnknownSet => panic!("unknown set"),
    }
}

#[test]
fn strategies_parse_from_their_plan_names() {
    for s in [
        Strategy::SequentialUnique,
        Strategy::Random,
        Strategy::RoundRobinPerVu,
    ] {
        assert_eq!(s.as_str().parse::<Strategy>().unwrap(), s);
    }
    let e = "roundrobin".parse::<Strategy>().unwrap_err();
    assert!(matches!(e, DataError::UnknownStrategy { .. }));
    assert_eq!(
        e.to_string(),
        "unknown data strategy `roundrobin`; expected sequential-unique, random or round-robin"
    );
}

#[test]
fn sequential_unique_hands_each_row_out_once_across_threads() {
    const ROWS: usize = 10_000;
    let feeders = ids(ROWS, Strategy::SequentialUnique);
    let taken: Vec<Vec<u64>> = std::thread::scope(|s| {
        let handles: Vec<_> = (1..=8)
            .map(|vu| {
                let feeders = feeders.clone();
                s.spawn(move || {
                    let mut cursor = VuCursor::new(vu, u64::from(vu));
                    let mut mine = Vec::new();
                    while let Some(i) = next(&feeders, &mut cursor) {
                        mine.push(i);
                    }
                    // Once exhausted, it stays exhausted.
                    assert_eq!(next(&feeders, &mut cursor), None);
                    mine
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut all: Vec<u64> = taken.iter().flatten().copied().collect();
    all.sort_unstable();
    assert_eq!(all, (0..ROWS as u64).collect::<Vec<_>>());
    assert_eq!(feeders.get("ids").unwrap().handed_out(), ROWS as u64);
}

#[test]
fn round_robin_starts_each_vu_at_its_own_row_and_wraps() {
    let feeders = ids(3, Strategy::RoundRobinPerVu);
    let walk = |vu: u32| {
        let mut cursor = VuCursor::new(vu, 7);
        (0..5)
            .map(|_| next(&feeders, &mut cursor).unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(walk(1), [0, 1, 2, 0, 1]);
    assert_eq!(walk(2), [1, 2, 0, 1, 2]);
    assert_eq!(walk(3), [2, 0, 1, 2, 0]);
    assert_eq!(walk(4), [0, 1, 2, 0, 1]);
}

#[test]
fn round_robin_keeps_one_position_per_set() {
    let a = load_as("a", "a.csv", "id\n0\n1\n").unwrap();
    let b = load_as("b", "b.csv", "id\n0\n1\n2\n").unwrap();
    let feeders = Feeders::new([
        Feeder::new(a, Strategy::RoundRobinPerVu),
        Feeder::new(b, Strategy::RoundRobinPerVu),
    ])
    .unwrap();
    let mut vu = VuCursor::new(1, 0);
    let mut take = |set: &str| match feeders.next(set, &mut vu) {
        Lookup::Row { index, .. } => index,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        [take("a"), take("b"), take("b"), take("a"), take("a")],
        [0, 0, 1, 1, 0]
    );
}

#[test]
fn random_stays_in_range_reaches_every_row_and_is_seeded() {
    let feeders = ids(5, Strategy::Random);
    let mut counts = BTreeMap::new();
    let mut vu = VuCursor::new(1, 99);
    for _ in 0..5_000 {
        *counts
            .entry(next(&feeders, &mut vu).unwrap())
            .or_insert(0u32) += 1;
    }
    assert_eq!(counts.keys().copied().collect::<Vec<_>>(), [0, 1, 2, 3, 4]);
    // Uniform: each row near 1,000 of 5,000 draws.
    assert!(
        counts.values().all(|&c| (800..1200).contains(&c)),
        "{counts:?}"
    );
    let draws = |seed| {
        let mut vu = VuCursor::new(1, seed);
        (0..20)
            .map(|_| next(&feeders, &mut vu).unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(draws(3), draws(3));
    assert_ne!(draws(3), draws(4));
}

#[test]
fn unknown_sets_len_and_row() {
    let feeders = ids(3, Strategy::SequentialUnique);
    let mut vu = VuCursor::new(1, 0);
    assert_eq!(feeders.next("nope", &mut vu), Lookup::UnknownSet);
    assert_eq!(feeders.len("ids"), Some(3));
    assert_eq!(feeders.len("nope"), None);
    assert_eq!(feeders.row("ids", 2).unwrap().get("id"), Some("2"));
    assert!(feeders.row("ids", 3).is_none());
    assert!(feeders.row("nope", 0).is_none());
    // `row` reads without moving the shared cursor.
    assert_eq!(next(&feeders, &mut vu), Some(0));
}

#[test]
fn two_sets_with_one_name_are_an_error() {
    let set = load("a.csv", "id\n1\n").unwrap();
    let e = Feeders::new([
        Feeder::new(set.clone(), Strategy::Random),
        Feeder::new(set, Strategy::Random),
    ])
    .unwrap_err();
    assert_eq!(e.to_string(), "data set `set` is declared twice");
}

#[test]
fn empty_feeders_know_no_set() {
    let feeders = Feeders::default();
    assert!(feeders.is_empty());
    assert_eq!(
        feeders.next("x", &mut VuCursor::new(1, 0)),
        Lookup::UnknownSet
    );
}
