//! JSON files: an array of objects (keys are columns) or of strings.
//!
//! The array is read with a streaming visitor rather than through
//! `serde_json::Value`, for two reasons: the first object's keys keep their
//! order in the file (a `Value` map sorts them), and a shape error, such as
//! an object missing a key, carries the line and column where the parser
//! stood.

use std::fmt;
use std::path::Path;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use crate::DataError;
use crate::set::Table;

/// The one column of an array of strings.
const VALUE_COLUMN: &str = "value";

pub(crate) fn parse(path: &Path) -> Result<Table, DataError> {
    let bytes = std::fs::read(path).map_err(|source| DataError::Read {
        path: path.into(),
        source,
    })?;
    let mut de = serde_json::Deserializer::from_slice(&bytes);
    TableSeed
        .deserialize(&mut de)
        .and_then(|table| de.end().map(|()| table))
        .map_err(|e| error(path, &e))
}

/// serde_json's message without the " at line L column C" it appends,
/// since our message puts the position first. serde_json says column 0
/// when it stopped before a line's first character; we say 1.
fn error(path: &Path, e: &serde_json::Error) -> DataError {
    let text = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    DataError::Json {
        path: path.into(),
        line: e.line(),
        column: e.column().max(1),
        message: text.strip_suffix(&suffix).unwrap_or(&text).to_owned(),
    }
}

/// What the first element made the array: every element must match it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Objects,
    Scalars,
}

/// The table as it is read.
#[derive(Default)]
struct Builder {
    kind: Option<Kind>,
    columns: Vec<Box<str>>,
    rows: Vec<Box<[Box<str>]>>,
}

impl Builder {
    fn set_kind<E: de::Error>(&mut self, kind: Kind) -> Result<(), E> {
        match (self.kind, kind) {
            (None, _) => {
                self.kind = Some(kind);
                if kind == Kind::Scalars {
                    self.columns = vec![VALUE_COLUMN.into()];
                }
                Ok(())
            }
            (Some(k), _) if k == kind => Ok(()),
            (Some(Kind::Objects), _) => Err(E::custom(
                "expected an object: the array began with objects, so every element must be one",
            )),
            (Some(Kind::Scalars), _) => Err(E::custom(
                "expected a string: the array began with strings, so every element must be one",
            )),
        }
    }

    fn push_scalar<E: de::Error>(&mut self, value: String) -> Result<(), E> {
        self.set_kind(Kind::Scalars)?;
        self.rows.push(Box::new([value.into_boxed_str()]));
        Ok(())
    }
}

struct TableSeed;

impl<'de> DeserializeSeed<'de> for TableSeed {
    type Value = Table;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Table, D::Error> {
        d.deserialize_seq(TableVisitor)
    }
}

struct TableVisitor;

impl<'de> Visitor<'de> for TableVisitor {
    type Value = Table;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of objects or of strings")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Table, A::Error> {
        let mut builder = Builder::default();
        while seq.next_element_seed(ElementSeed(&mut builder))?.is_some() {}
        Ok(Table {
            columns: builder.columns,
            rows: builder.rows,
        })
    }
}

/// Reads one element of the array into the builder.
struct ElementSeed<'b>(&'b mut Builder);

impl<'de> DeserializeSeed<'de> for ElementSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ElementSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object or a string")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.0.push_scalar(v.to_owned())
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<(), E> {
        self.0.push_scalar(v)
    }

    // Numbers and booleans in an array of scalars are taken as their text,
    // like non-string values in objects.
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.0.push_scalar(v.to_string())
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.0.push_scalar(v.to_string())
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.0.push_scalar(v.to_string())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        self.0.push_scalar(v.to_string())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let b = self.0;
        let first = b.kind.is_none();
        b.set_kind(Kind::Objects)?;
        if first {
            let mut values = Vec::new();
            while let Some(key) = map.next_key::<String>()? {
                if b.columns.iter().any(|c| **c == *key) {
                    return Err(de::Error::custom(format!("key `{key}` appears twice")));
                }
                b.columns.push(key.into());
                values.push(text(map.next_value::<&'de RawValue>()?)?);
            }
            if b.columns.is_empty() {
                return Err(de::Error::custom(
                    "the first object has no keys, so the data set would have no columns",
                ));
            }
            b.rows.push(values.into());
            return Ok(());
        }
        // Later objects may list their keys in any order; each value goes to
        // its column's place.
        let mut values: Vec<Option<Box<str>>> = vec![None; b.columns.len()];
        while let Some(key) = map.next_key::<String>()? {
            let Some(i) = b.columns.iter().position(|c| **c == *key) else {
                return Err(de::Error::custom(format!(
                    "key `{key}` is not a column (the first object's keys are: {})",
                    b.columns.join(", ")
                )));
            };
            if values[i].is_some() {
                return Err(de::Error::custom(format!("key `{key}` appears twice")));
            }
            values[i] = Some(text(map.next_value::<&'de RawValue>()?)?);
        }
        let values = values
            .into_iter()
            .zip(&b.columns)
            .map(|(v, column)| {
                v.ok_or_else(|| {
                    de::Error::custom(format!(
                        "this object has no key `{column}`, which the first object has"
                    ))
                })
            })
            .collect::<Result<Box<[_]>, _>>()?;
        b.rows.push(values);
        Ok(())
    }
}

/// A value as row text: a string unescaped, anything else its JSON text as
/// written in the file.
fn text<E: de::Error>(raw: &RawValue) -> Result<Box<str>, E> {
    let raw = raw.get();
    if raw.starts_with('"') {
        serde_json::from_str::<String>(raw)
            .map(String::into_boxed_str)
            .map_err(E::custom)
    } else {
        Ok(raw.into())
    }
}
