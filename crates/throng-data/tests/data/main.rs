//! throng-data's tests: loading files, and the strategies handing out rows.

mod csv;
mod json;
mod load;
mod strategies;

use std::path::PathBuf;

use tempfile::TempDir;
use throng_data::{DataError, DataSet};

/// A file named `name` holding `contents`, in a folder that lives as long
/// as the returned guard.
fn file(name: &str, contents: &str) -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, contents).unwrap();
    (dir, path)
}

/// Load `contents` as the file `name`, into a set named `set`.
fn load(name: &str, contents: &str) -> Result<DataSet, DataError> {
    load_as("set", name, contents)
}

/// Load `contents` as the file `name`, into the set `set`.
fn load_as(set: &str, name: &str, contents: &str) -> Result<DataSet, DataError> {
    let (_dir, path) = file(name, contents);
    DataSet::load(set, &path)
}

/// The error loading `contents` as `name`, with the folder left out.
fn load_err(name: &str, contents: &str) -> String {
    let (dir, path) = file(name, contents);
    let e = DataSet::load("set", &path).expect_err("loading should fail");
    e.to_string()
        .replace(&format!("{}/", dir.path().display()), "")
}

/// Each row's values, for comparing a set at a glance.
fn values(set: &DataSet) -> Vec<Vec<&str>> {
    set.rows()
        .iter()
        .map(|r| r.values().iter().map(|v| &**v).collect())
        .collect()
}
