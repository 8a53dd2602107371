//! Reading an HTTP/2 response body (hyper's) to its end, kept in memory or
//! counted and dropped. HTTP/1.1 bodies are read in [`crate::h1`].

use bytes::{Bytes, BytesMut};
use http_body::Body as _;
use http_body_util::BodyExt as _;
use hyper::body::Incoming;

use crate::BodyMode;
use crate::error::Failure;

/// Reads `body` to its end, adding each chunk's length to `received` as it
/// arrives so that a failure part-way still reports what came in.
///
/// Returns the body in [`BodyMode::Keep`] and an empty one in
/// [`BodyMode::Discard`].
pub(crate) async fn read(
    body: Incoming,
    mode: BodyMode,
    max_kept: usize,
    received: &mut u64,
) -> Result<Bytes, Failure> {
    match mode {
        BodyMode::Keep => keep(body, max_kept, received).await,
        BodyMode::Discard => discard(body, received).await.map(|()| Bytes::new()),
    }
}

async fn discard(mut body: Incoming, received: &mut u64) -> Result<(), Failure> {
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| Failure::from_hyper(&e, "reading the response body"))?;
        if let Some(data) = frame.data_ref() {
            *received += data.len() as u64;
        }
        // The frame drops here, before the next one is read.
    }
    Ok(())
}

async fn keep(mut body: Incoming, max: usize, received: &mut u64) -> Result<Bytes, Failure> {
    let max_u64 = u64::try_from(max).unwrap_or(u64::MAX);
    // A declared length over the cap fails before any of it is read.
    let declared = body.size_hint().lower();
    if declared > max_u64 {
        return Err(Failure::body_too_large(declared, max_u64));
    }
    // Most bodies arrive as one frame, which is kept as it is; only a body
    // of several frames is copied into one buffer.
    let mut first: Option<Bytes> = None;
    let mut joined = BytesMut::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| Failure::from_hyper(&e, "reading the response body"))?;
        let Ok(data) = frame.into_data() else {
            continue; // trailers
        };
        *received += data.len() as u64;
        if *received > max_u64 {
            return Err(Failure::body_too_large(*received, max_u64));
        }
        if first.is_none() && joined.is_empty() {
            first = Some(data);
        } else {
            if let Some(first) = first.take() {
                // `declared` is at most `max`, checked above.
                joined.reserve(
                    usize::try_from(declared)
                        .unwrap_or(0)
                        .max(first.len() + data.len()),
                );
                joined.extend_from_slice(&first);
            }
            joined.extend_from_slice(&data);
        }
    }
    Ok(first.unwrap_or_else(|| joined.freeze()))
}
