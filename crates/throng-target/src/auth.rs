//! `POST /login` hands out bearer tokens; `POST /query` needs one and
//! answers after the configured latency.

use std::collections::HashSet;
use std::sync::Mutex;

use http::header::AUTHORIZATION;
use http::{HeaderValue, StatusCode, request};
use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::app::{ApiError, App, Reply, json};

/// Tokens issued by `POST /login`. They never expire: a load test logs in
/// once per virtual user and the target lives for one test.
#[derive(Debug, Default)]
pub(crate) struct Sessions {
    tokens: Mutex<HashSet<String>>,
}

impl Sessions {
    fn issue(&self) -> String {
        let token = format!("{:032x}", rand::rng().random::<u128>());
        self.lock().insert(token.clone());
        token
    }

    fn is_valid(&self, token: &str) -> bool {
        self.lock().contains(token)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        // A panic while holding the lock cannot leave a `HashSet` half
        // changed in a way that matters here.
        self.tokens.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The body of `POST /login`.
#[derive(Debug, Deserialize)]
pub(crate) struct Credentials {
    username: String,
    password: String,
}

/// `POST /login`: a token for known credentials, 401 for anything else.
pub(crate) fn login(app: &App, credentials: Credentials) -> Result<Reply, ApiError> {
    let known =
        app.config.users.iter().any(|(user, password)| {
            *user == credentials.username && *password == credentials.password
        });
    if !known {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid credentials",
        ));
    }
    Ok(json(
        StatusCode::OK,
        &json!({"token": app.sessions.issue()}),
    ))
}

/// Checks `Authorization: Bearer <token>` against the issued tokens.
pub(crate) fn authorize(app: &App, head: &request::Parts) -> Result<(), ApiError> {
    let token = head
        .headers
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "));
    match token {
        Some(token) if app.sessions.is_valid(token.trim()) => Ok(()),
        _ => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "missing or invalid bearer token (POST /login first)",
        )),
    }
}

/// A patient is named by number or by string; the answer echoes it back
/// in the same form.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(untagged)]
pub(crate) enum PatientId {
    Number(i64),
    Text(String),
}

/// The body of `POST /query`.
#[derive(Debug, Deserialize)]
pub(crate) struct Question {
    patient_id: PatientId,
    question: String,
}

/// `POST /query`: waits the configured latency, then answers.
pub(crate) async fn query(app: &App, question: Question) -> Result<Reply, ApiError> {
    let delay = app.config.query_latency.sample(&mut rand::rng());
    tokio::time::sleep(delay).await;

    let patient = match &question.patient_id {
        PatientId::Number(n) => n.to_string(),
        PatientId::Text(s) => s.clone(),
    };
    let mut reply = json(
        StatusCode::OK,
        &json!({
            "answer": format!(
                "For patient {patient}, regarding \"{}\": no findings outside the reference range.",
                question.question
            ),
            "patient_id": question.patient_id,
            "sources": [
                format!("ehr://patients/{patient}/notes"),
                format!("ehr://patients/{patient}/labs"),
                "guidelines://internal-medicine/2024",
            ],
        }),
    );
    reply.headers_mut().insert(
        "server-timing",
        HeaderValue::from_str(&format!("query;dur={:.3}", delay.as_secs_f64() * 1e3))
            .expect("a formatted number is a valid header value"),
    );
    Ok(reply)
}
