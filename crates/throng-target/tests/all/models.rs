//! `GET /models/{id}/{version}/model.bin` and `GET /bytes/{n}`: streamed,
//! exact-length, deterministic payloads.

use bytes::Bytes;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use http::{Method, StatusCode};
use throng_target::TargetConfig;

use crate::harness::{Client, PROTOCOLS, drain_pattern, start, start_default};

/// Not a multiple of the 64 KiB chunk nor of the pattern's period.
const MODEL_SIZE: u64 = 3 * 1024 * 1024 + 12_345;

#[tokio::test]
async fn model_download_streams_exactly_model_size_bytes() {
    let target = start(TargetConfig {
        model_size: MODEL_SIZE,
        ..TargetConfig::default()
    })
    .await;
    for proto in PROTOCOLS {
        let mut client = Client::connect(&target, proto).await;
        let response = client
            .stream(
                Method::GET,
                "/models/triage/v2/model.bin",
                None,
                Bytes::new(),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()[CONTENT_TYPE], "application/octet-stream");
        assert_eq!(
            response.headers()[CONTENT_LENGTH],
            MODEL_SIZE.to_string().as_str()
        );
        assert_eq!(
            drain_pattern(response.into_body()).await,
            MODEL_SIZE,
            "{proto:?}"
        );
    }
    let stats = target.stats();
    assert_eq!(stats.by_route["GET /models/{id}/{version}/model.bin"], 2);
}

#[tokio::test]
async fn default_model_is_25_mib() {
    let target = start_default().await;
    let mut client = Client::connect(&target, crate::harness::Proto::H1).await;
    let response = client
        .stream(Method::GET, "/models/m/1/model.bin", None, Bytes::new())
        .await;
    assert_eq!(
        response.headers()[CONTENT_LENGTH],
        (25 * 1024 * 1024).to_string().as_str()
    );
    // Not read: dropping the body mid-stream must not upset the target.
}

#[tokio::test]
async fn size_query_overrides_the_model_size() {
    let target = start_default().await;
    let mut client = Client::connect(&target, crate::harness::Proto::H1).await;
    let response = client
        .stream(
            Method::GET,
            "/models/m/1/model.bin?size=1000",
            None,
            Bytes::new(),
        )
        .await;
    assert_eq!(response.headers()[CONTENT_LENGTH], "1000");
    assert_eq!(drain_pattern(response.into_body()).await, 1000);

    let empty = client.get("/models/m/1/model.bin?size=0").await;
    assert_eq!((empty.status, empty.body.len()), (StatusCode::OK, 0));

    let bad = client.get("/models/m/1/model.bin?size=lots").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.json()["error"], r#"invalid {size}: "lots""#);
}

#[tokio::test]
async fn bytes_streams_n_pattern_bytes() {
    let target = start_default().await;
    for proto in PROTOCOLS {
        let mut client = Client::connect(&target, proto).await;
        let response = client
            .stream(Method::GET, "/bytes/200000", None, Bytes::new())
            .await;
        assert_eq!(response.headers()[CONTENT_LENGTH], "200000");
        assert_eq!(
            drain_pattern(response.into_body()).await,
            200_000,
            "{proto:?}"
        );
    }
}
