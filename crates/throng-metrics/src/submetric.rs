//! Requests filtered by their tags: k6's sub-metrics.
//!
//! Keeping a histogram for every combination of tags would cost memory per
//! distinct status, method and tag value; like k6, throng keeps one only for
//! the filters the plan's thresholds ask for. The recorder is built with
//! their [`Submetric`]s ([`Metrics::with_submetrics`](crate::Metrics::with_submetrics)),
//! matches each request against them and records the matching ones into
//! the sub-metric's own counters and histogram.
//!
//! A filter is a list of `key:value` pairs, all of which must hold:
//!
//! | key | matches |
//! |---|---|
//! | `name` | the request's metric name |
//! | `method` | the HTTP method, any case |
//! | `status` | the response status, `200`, or a class such as `5xx`; `0` for a request without a response |
//! | `error_class` | the failure class (`status_5xx`, `timeout`, ...) or `none` for a request that did not fail |
//! | `task` | the task the VU was running |
//! | any other key | a tag the journey gave the request |

use std::fmt;

use crate::sample::{ErrorClass, RequestSample};

/// The tags of a request beyond what [`RequestSample`] holds: the task the
/// VU ran and the journey's own tags.
#[derive(Debug, Clone, Copy, Default)]
pub struct RequestTags<'a> {
    /// The task the VU was running, if any.
    pub task: Option<&'a str>,
    /// Tags the journey gave the request, in order.
    pub tags: &'a [(String, String)],
}

/// A set of tag filters whose requests are counted apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submetric {
    filters: Vec<Filter>,
    key: String,
}

/// One `key:value` pair of a [`Submetric`].
#[derive(Debug, Clone, PartialEq, Eq)]
enum Filter {
    Name(String),
    Method(String),
    /// An exact status (0: no response).
    Status(u16),
    /// A class of statuses: `5xx` is 5.
    StatusClass(u16),
    /// A failure class, or `None` for a request that did not fail.
    ErrorClass(Option<ErrorClass>),
    Task(String),
    Tag(String, String),
}

/// A filter that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubmetricError {
    /// `status:` is not a status code or a class such as `5xx`.
    #[error("`status:{0}` is not a status; write e.g. `status:200` or `status:5xx`")]
    BadStatus(String),
    /// `error_class:` is not a known class.
    #[error("`error_class:{found}` is not a class; it takes none, {}", .known.join(", "))]
    BadErrorClass {
        /// The value as written.
        found: String,
        /// The known classes.
        known: Vec<&'static str>,
    },
}

impl Submetric {
    /// The sub-metric of requests matching every one of `pairs`.
    pub fn new<'p>(
        pairs: impl IntoIterator<Item = (&'p str, &'p str)>,
    ) -> Result<Submetric, SubmetricError> {
        let mut filters = Vec::new();
        let mut key = Vec::new();
        for (name, value) in pairs {
            key.push(format!("{name}:{value}"));
            filters.push(match name {
                "name" => Filter::Name(value.to_owned()),
                "method" => Filter::Method(value.to_ascii_uppercase()),
                "status" => parse_status(value)?,
                "error_class" => parse_error_class(value)?,
                "task" => Filter::Task(value.to_owned()),
                _ => Filter::Tag(name.to_owned(), value.to_owned()),
            });
        }
        Ok(Submetric {
            filters,
            key: key.join(","),
        })
    }

    /// The filters as a threshold writes them, without braces:
    /// `method:POST,status:201`. Results key the sub-metric by it.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// Whether the request matches every filter.
    pub(crate) fn matches(&self, sample: &RequestSample<'_>, tags: &RequestTags<'_>) -> bool {
        self.filters.iter().all(|filter| match filter {
            Filter::Name(name) => sample.name == name,
            Filter::Method(method) => sample.method.eq_ignore_ascii_case(method),
            Filter::Status(status) => sample.status.unwrap_or(0) == *status,
            Filter::StatusClass(class) => sample.status.is_some_and(|s| s / 100 == *class),
            Filter::ErrorClass(class) => sample.error_class() == *class,
            Filter::Task(task) => tags.task == Some(task.as_str()),
            Filter::Tag(key, value) => tags.tags.iter().any(|(k, v)| k == key && v == value),
        })
    }
}

impl fmt::Display for Submetric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key)
    }
}

fn parse_status(value: &str) -> Result<Filter, SubmetricError> {
    let bad = || SubmetricError::BadStatus(value.to_owned());
    if let Some(class) = value.strip_suffix("xx") {
        return match class.parse::<u16>() {
            Ok(class @ 1..=9) => Ok(Filter::StatusClass(class)),
            _ => Err(bad()),
        };
    }
    match value.parse::<u16>() {
        Ok(status @ (0 | 100..=999)) => Ok(Filter::Status(status)),
        _ => Err(bad()),
    }
}

fn parse_error_class(value: &str) -> Result<Filter, SubmetricError> {
    if value == "none" {
        return Ok(Filter::ErrorClass(None));
    }
    ErrorClass::ALL
        .into_iter()
        .find(|class| class.as_str() == value)
        .map(|class| Filter::ErrorClass(Some(class)))
        .ok_or_else(|| SubmetricError::BadErrorClass {
            found: value.to_owned(),
            known: ErrorClass::ALL.iter().map(|c| c.as_str()).collect(),
        })
}
