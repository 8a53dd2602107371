//! Choosing the format, and files that cannot be read.

use crate::{load, load_err};

#[test]
fn the_extension_picks_the_format_in_any_case() {
    assert_eq!(load("p.CSV", "id\n1\n").unwrap().len(), 1);
    assert_eq!(load("p.Json", "[\"1\"]").unwrap().len(), 1);
}

#[test]
fn an_unknown_extension_names_the_supported_ones() {
    assert_eq!(
        load_err("p.txt", "id\n1\n"),
        "p.txt: unknown data file type; supported extensions are .csv and .json"
    );
}

#[test]
fn a_missing_file_names_it() {
    let e = throng_data::DataSet::load("set", std::path::Path::new("nowhere/p.csv")).unwrap_err();
    assert!(e.to_string().starts_with("reading nowhere/p.csv: "), "{e}");
}
