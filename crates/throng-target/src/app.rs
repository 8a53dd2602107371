//! The application behind the socket: shared state, and the one function
//! that turns a request into a response.

use std::sync::Arc;

use bytes::Bytes;
use http::header::{ALLOW, CONTENT_TYPE};
use http::{HeaderValue, Request, Response, StatusCode, request};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use hyper::body::Incoming;
use serde::de::DeserializeOwned;

use crate::TargetConfig;
use crate::auth::Sessions;
use crate::body::ResponseBody;
use crate::jobs::Jobs;
use crate::routes::{self, Params, Resolved, Route};
use crate::stats::Counters;
use crate::{auth, jobs, models, probes};

/// Request bodies larger than this are refused with 413: every JSON body
/// the target accepts is a few hundred bytes.
const MAX_REQUEST_BODY: usize = 1024 * 1024;

/// What every request handler may read or change.
#[derive(Debug)]
pub(crate) struct App {
    pub(crate) config: TargetConfig,
    pub(crate) counters: Arc<Counters>,
    pub(crate) sessions: Sessions,
    pub(crate) jobs: Jobs,
    /// When the target started; `/freeze` windows count from here.
    pub(crate) started: tokio::time::Instant,
}

/// A response the handlers build.
pub(crate) type Reply = Response<ResponseBody>;

impl App {
    /// The application for `config`, with no sessions and no jobs yet.
    pub(crate) fn new(config: TargetConfig) -> Self {
        App {
            counters: Arc::new(Counters::new(config.record_requests)),
            sessions: Sessions::default(),
            jobs: Jobs::new(config.jobs),
            started: tokio::time::Instant::now(),
            config,
        }
    }

    /// Answers one request that arrived on connection `connection_id`,
    /// counting it and its response.
    pub(crate) async fn handle(&self, connection_id: u64, request: Request<Incoming>) -> Reply {
        let (head, body) = request.into_parts();
        let resolved = routes::resolve(&head.method, head.uri.path());
        let route = match &resolved {
            Resolved::Found(route, _) => Some(*route),
            _ => None,
        };
        self.counters
            .request(route, &head.method, head.version, connection_id);

        let reply = match resolved {
            Resolved::Found(route, params) => self
                .dispatch(route, params, &head, body)
                .await
                .unwrap_or_else(ApiError::into_reply),
            Resolved::WrongMethod(allowed) => {
                let mut reply = ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method not allowed")
                    .into_reply();
                if let Ok(allow) = HeaderValue::from_str(&allowed.join(", ")) {
                    reply.headers_mut().insert(ALLOW, allow);
                }
                reply
            }
            Resolved::NotFound => ApiError::new(StatusCode::NOT_FOUND, "not found").into_reply(),
        };
        self.counters.response(reply.status());
        reply
    }

    async fn dispatch(
        &self,
        route: Route,
        [first, second]: Params<'_>,
        head: &request::Parts,
        body: Incoming,
    ) -> Result<Reply, ApiError> {
        match route {
            Route::Health => Ok(json(StatusCode::OK, &serde_json::json!({"status": "ok"}))),
            Route::Login => auth::login(self, read_json(body).await?),
            Route::Query => {
                // Authorization first: a stranger learns nothing about the body.
                auth::authorize(self, head)?;
                auth::query(self, read_json(body).await?).await
            }
            Route::Model => models::download(self, first, second, head.uri.query()),
            Route::CreateJob => jobs::create(self, read_optional_json(body).await?),
            Route::GetJob => jobs::status(self, first),
            Route::CancelJob => jobs::cancel(self, first),
            Route::JobTrajectories => jobs::trajectories(self, first),
            Route::Fast => Ok(probes::fast()),
            Route::Delay => probes::delay(first).await,
            Route::Status => probes::status(first),
            Route::Bytes => probes::bytes(first),
            Route::Uniform => probes::uniform(first, second).await,
            Route::Freeze => probes::freeze(self.started, first, second).await,
        }
    }
}

/// A request the target refuses, answered as `{"error": message}`.
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    /// Refuses with `status`, saying why.
    pub(crate) fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
        }
    }

    /// Refuses with 400 Bad Request.
    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    /// The response that says so.
    pub(crate) fn into_reply(self) -> Reply {
        json(self.status, &serde_json::json!({"error": self.message}))
    }
}

/// A JSON response.
pub(crate) fn json(status: StatusCode, value: &impl serde::Serialize) -> Reply {
    let body = serde_json::to_vec(value).expect("a JSON value always serialises");
    let mut reply = Response::new(ResponseBody::full(body));
    *reply.status_mut() = status;
    reply
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    reply
}

/// Parses a path parameter, or refuses with 400 naming it.
pub(crate) fn param<T: std::str::FromStr>(value: &str, name: &str) -> Result<T, ApiError> {
    value
        .parse()
        .map_err(|_| ApiError::bad_request(format!("invalid {{{name}}}: {value:?}")))
}

/// Reads the whole body, refusing bodies over [`MAX_REQUEST_BODY`].
async fn read_body(body: Incoming) -> Result<Bytes, ApiError> {
    match Limited::new(body, MAX_REQUEST_BODY).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(err) if err.is::<LengthLimitError>() => Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("request body is larger than {MAX_REQUEST_BODY} bytes"),
        )),
        Err(err) => Err(ApiError::bad_request(format!(
            "could not read request body: {err}"
        ))),
    }
}

/// Reads a JSON body of type `T`.
async fn read_json<T: DeserializeOwned>(body: Incoming) -> Result<T, ApiError> {
    let bytes = read_body(body).await?;
    serde_json::from_slice(&bytes)
        .map_err(|err| ApiError::bad_request(format!("malformed JSON body: {err}")))
}

/// Reads a JSON body of type `T`, or `None` when the body is empty.
async fn read_optional_json<T: DeserializeOwned>(body: Incoming) -> Result<Option<T>, ApiError> {
    let bytes = read_body(body).await?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|err| ApiError::bad_request(format!("malformed JSON body: {err}")))
}
