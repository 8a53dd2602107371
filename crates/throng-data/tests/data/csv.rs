//! CSV: a header, then one record per row; errors name the line.

use crate::{load, load_err, values};

#[test]
fn the_header_names_the_columns() {
    let set = load(
        "patients.csv",
        "id,name,age\n1,Ada,36\n2,\"Lovelace, A\",37\n",
    )
    .unwrap();
    assert_eq!(set.name(), "set");
    assert_eq!(set.columns(), ["id", "name", "age"].map(Box::from));
    assert_eq!(
        values(&set),
        [["1", "Ada", "36"], ["2", "Lovelace, A", "37"]]
    );
    let row = set.row(1).unwrap();
    assert_eq!(row.get("name"), Some("Lovelace, A"));
    assert_eq!(row.get("nope"), None);
    assert!(set.row(2).is_none());
}

#[test]
fn crlf_a_byte_order_mark_and_no_final_newline_are_fine() {
    let set = load("p.csv", "\u{feff}id,name\r\n1,Ada\r\n2,Bob").unwrap();
    assert_eq!(set.columns(), ["id", "name"].map(Box::from));
    assert_eq!(values(&set), [["1", "Ada"], ["2", "Bob"]]);
}

#[test]
fn rows_share_one_copy_of_the_column_names() {
    let set = load("p.csv", "id\n1\n2\n").unwrap();
    let [a, b] = set.rows() else { panic!() };
    assert!(std::ptr::eq(a.columns(), b.columns()));
    assert!(std::ptr::eq(set.columns(), a.columns()));
}

#[test]
fn a_record_with_a_missing_field_names_its_line() {
    let text = "id,name,age\n1,Ada,36\n2,Bob,37\n\n3,Cy,38\n4,Di,39\n5,Ed\n6,Flo,40\n";
    assert_eq!(
        load_err("patients.csv", text),
        "patients.csv line 7: expected 3 fields, found 2"
    );
}

#[test]
fn a_record_with_an_extra_field_names_its_line() {
    assert_eq!(
        load_err("p.csv", "a,b\n1,2\n1,2,3\n"),
        "p.csv line 3: expected 2 fields, found 3"
    );
}

#[test]
fn a_repeated_column_is_an_error() {
    assert_eq!(
        load_err("p.csv", "id,name,id\n1,2,3\n"),
        "p.csv line 1: column `id` appears twice in the header"
    );
}

#[test]
fn invalid_utf8_names_the_line_and_field() {
    let (dir, path) = crate::file("p.csv", "");
    std::fs::write(&path, b"a,b\n1,2\n3,\xff\n").unwrap();
    let e = throng_data::DataSet::load("set", &path)
        .unwrap_err()
        .to_string();
    assert_eq!(
        e.replace(&format!("{}/", dir.path().display()), ""),
        "p.csv line 3: field 2 is not valid UTF-8"
    );
}

#[test]
fn a_header_without_rows_is_empty() {
    assert_eq!(load_err("p.csv", "id,name\n"), "p.csv has no rows");
    assert_eq!(load_err("p.csv", ""), "p.csv has no rows");
}
