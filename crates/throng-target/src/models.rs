//! `GET /models/{id}/{version}/model.bin`: a large binary download, streamed
//! from a byte pattern so that a hundred concurrent downloads cost no memory.

use http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use http::{HeaderValue, Response, StatusCode};

use crate::app::{ApiError, App, Reply, param};
use crate::body::ResponseBody;

/// Serves `model_size` bytes (or `?size=N`) of the pattern described at
/// [`pattern_byte`](crate::pattern_byte). Any model id and version exist.
pub(crate) fn download(
    app: &App,
    _id: &str,
    _version: &str,
    query: Option<&str>,
) -> Result<Reply, ApiError> {
    let size = match query_param(query, "size") {
        Some(size) => param(size, "size")?,
        None => app.config.model_size,
    };
    Ok(octet_stream(size))
}

/// A `200 OK` streaming `size` bytes of the pattern.
pub(crate) fn octet_stream(size: u64) -> Reply {
    let mut reply = Response::new(ResponseBody::pattern(size));
    *reply.status_mut() = StatusCode::OK;
    let headers = reply.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    headers.insert(CONTENT_LENGTH, HeaderValue::from(size));
    reply
}

/// The value of `name` in a query string such as `a=1&size=42`.
fn query_param<'q>(query: Option<&'q str>, name: &str) -> Option<&'q str> {
    query?
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find_map(|(key, value)| (key == name).then_some(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_query_parameters() {
        assert_eq!(query_param(Some("size=42"), "size"), Some("42"));
        assert_eq!(query_param(Some("a=1&size=7&b"), "size"), Some("7"));
        assert_eq!(query_param(Some("sizes=1"), "size"), None);
        assert_eq!(query_param(None, "size"), None);
    }
}
