//! JSON: an array of objects (keys are columns) or of strings.

use crate::{load, load_err, values};

#[test]
fn objects_keep_the_first_objects_key_order() {
    let set = load(
        "users.json",
        r#"[{"name": "ada", "id": 1}, {"id": 2, "name": "bob"}]"#,
    )
    .unwrap();
    assert_eq!(set.columns(), ["name", "id"].map(Box::from));
    assert_eq!(values(&set), [["ada", "1"], ["bob", "2"]]);
}

#[test]
fn values_that_are_not_strings_are_kept_as_their_json_text() {
    let set = load(
        "u.json",
        r#"[{"s": "a\"b\u00e9", "n": 1.50, "b": true, "z": null, "o": {"k": [1, 2]}}]"#,
    )
    .unwrap();
    assert_eq!(
        values(&set),
        [["a\"bé", "1.50", "true", "null", r#"{"k": [1, 2]}"#]]
    );
}

#[test]
fn an_array_of_strings_is_one_column_named_value() {
    let set = load("q.json", r#"["what is sepsis?", "dose of x", 42]"#).unwrap();
    assert_eq!(set.columns(), [Box::from("value")]);
    assert_eq!(values(&set), [["what is sepsis?"], ["dose of x"], ["42"]]);
    assert_eq!(set.row(0).unwrap().get("value"), Some("what is sepsis?"));
}

#[test]
fn a_missing_key_names_the_line() {
    let text = "[\n  {\"id\": 1, \"name\": \"a\"},\n  {\"id\": 2}\n]";
    assert_eq!(
        load_err("u.json", text),
        "u.json line 3 column 11: this object has no key `name`, which the first object has"
    );
}

#[test]
fn an_unknown_key_names_the_line_and_the_columns() {
    let text = "[\n  {\"id\": 1, \"name\": \"a\"},\n  {\"id\": 2, \"nmae\": \"b\"}\n]";
    assert_eq!(
        load_err("u.json", text),
        "u.json line 3 column 18: key `nmae` is not a column (the first object's keys are: id, name)"
    );
}

#[test]
fn malformed_json_names_the_line_and_column() {
    assert_eq!(
        load_err("u.json", "[\n  {\"id\": 1},\n  {\"id\": 2,}\n]"),
        "u.json line 3 column 12: trailing comma"
    );
}

#[test]
fn mixing_objects_and_strings_is_an_error() {
    assert_eq!(
        load_err("u.json", "[{\"id\": 1},\n \"x\"]"),
        "u.json line 2 column 4: expected an object: the array began with objects, so every element must be one"
    );
}

#[test]
fn the_top_level_must_be_an_array() {
    assert_eq!(
        load_err("u.json", "{\"id\": 1}"),
        "u.json line 1 column 1: invalid type: map, expected an array of objects or of strings"
    );
    assert_eq!(
        load_err("u.json", "[[1]]"),
        "u.json line 1 column 2: invalid type: sequence, expected an object or a string"
    );
}

#[test]
fn an_empty_array_is_empty() {
    assert_eq!(load_err("u.json", " [ ] "), "u.json has no rows");
}
