//! The route table: which method and path pattern each endpoint answers,
//! and how a request finds its route.

use http::Method;

/// Every endpoint the target serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Route {
    Health,
    Login,
    Query,
    Model,
    CreateJob,
    GetJob,
    CancelJob,
    JobTrajectories,
    Fast,
    Delay,
    Status,
    Bytes,
    Uniform,
    Freeze,
}

impl Route {
    /// All routes, in the order requests are matched against them.
    pub(crate) const ALL: [Route; 14] = [
        Route::Health,
        Route::Login,
        Route::Query,
        Route::Model,
        Route::CreateJob,
        Route::GetJob,
        Route::CancelJob,
        Route::JobTrajectories,
        Route::Fast,
        Route::Delay,
        Route::Status,
        Route::Bytes,
        Route::Uniform,
        Route::Freeze,
    ];

    /// The method and path pattern, as reported in
    /// [`TargetStats::by_route`](crate::TargetStats::by_route).
    pub(crate) fn key(self) -> &'static str {
        match self {
            Route::Health => "GET /health",
            Route::Login => "POST /login",
            Route::Query => "POST /query",
            Route::Model => "GET /models/{id}/{version}/model.bin",
            Route::CreateJob => "POST /training/jobs",
            Route::GetJob => "GET /training/jobs/{id}",
            Route::CancelJob => "POST /training/jobs/{id}/cancel",
            Route::JobTrajectories => "GET /training/jobs/{id}/trajectories",
            Route::Fast => "GET /fast",
            Route::Delay => "GET /delay/{ms}",
            Route::Status => "GET /status/{code}",
            Route::Bytes => "GET /bytes/{n}",
            Route::Uniform => "GET /uniform/{lo_ms}/{hi_ms}",
            Route::Freeze => "GET /freeze/{at_ms}/{for_ms}",
        }
    }

    /// The position of this route in [`Route::ALL`], for per-route counters.
    pub(crate) fn index(self) -> usize {
        self as usize
    }

    fn method_and_pattern(self) -> (&'static str, &'static str) {
        self.key()
            .split_once(' ')
            .expect("every route key is \"METHOD /pattern\"")
    }
}

/// The values of a pattern's `{placeholders}`, in order.
pub(crate) type Params<'p> = [&'p str; MAX_PARAMS];

/// No pattern has more placeholders than this.
const MAX_PARAMS: usize = 2;

/// Where a request goes.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Resolved<'p> {
    /// A route answers this method and path.
    Found(Route, Params<'p>),
    /// Some route has this path, but not for this method; the methods that
    /// do answer it, for the `allow` header.
    WrongMethod(Vec<&'static str>),
    /// No route has this path.
    NotFound,
}

/// Finds the route for `method` and `path`.
pub(crate) fn resolve<'p>(method: &Method, path: &'p str) -> Resolved<'p> {
    let mut allowed = Vec::new();
    for route in Route::ALL {
        let (route_method, pattern) = route.method_and_pattern();
        let Some(params) = captures(pattern, path) else {
            continue;
        };
        if method.as_str() == route_method {
            return Resolved::Found(route, params);
        }
        allowed.push(route_method);
    }
    if allowed.is_empty() {
        Resolved::NotFound
    } else {
        Resolved::WrongMethod(allowed)
    }
}

/// Matches `path` against `pattern`, where a `{name}` segment matches any
/// non-empty segment.
fn captures<'p>(pattern: &str, path: &'p str) -> Option<Params<'p>> {
    let mut params = [""; MAX_PARAMS];
    let mut count = 0;
    let mut pattern_segments = pattern.split('/');
    let mut path_segments = path.split('/');
    loop {
        match (pattern_segments.next(), path_segments.next()) {
            (None, None) => return Some(params),
            (Some(expected), Some(actual)) if expected.starts_with('{') => {
                if actual.is_empty() || count == MAX_PARAMS {
                    return None;
                }
                params[count] = actual;
                count += 1;
            }
            (Some(expected), Some(actual)) if expected == actual => {}
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_are_listed_in_index_order() {
        for (i, route) in Route::ALL.iter().enumerate() {
            assert_eq!(route.index(), i, "{route:?}");
        }
    }

    #[test]
    fn captures_placeholders() {
        assert_eq!(
            resolve(&Method::GET, "/models/llama/v3/model.bin"),
            Resolved::Found(Route::Model, ["llama", "v3"])
        );
        assert_eq!(
            resolve(&Method::POST, "/training/jobs/7/cancel"),
            Resolved::Found(Route::CancelJob, ["7", ""])
        );
        assert_eq!(
            resolve(&Method::GET, "/health"),
            Resolved::Found(Route::Health, ["", ""])
        );
    }

    #[test]
    fn wrong_method_lists_the_allowed_ones() {
        assert_eq!(
            resolve(&Method::DELETE, "/training/jobs"),
            Resolved::WrongMethod(vec!["POST"])
        );
        assert_eq!(
            resolve(&Method::GET, "/login"),
            Resolved::WrongMethod(vec!["POST"])
        );
    }

    #[test]
    fn unknown_paths_are_not_found() {
        for path in [
            "/",
            "/nope",
            "/health/",
            "/delay/",
            "/models/a/model.bin",
            "/delay/1/2",
        ] {
            assert_eq!(resolve(&Method::GET, path), Resolved::NotFound, "{path}");
        }
    }
}
