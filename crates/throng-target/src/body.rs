//! Response bodies: small buffers, and large payloads streamed from a
//! deterministic byte pattern without ever being held in memory.

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};

/// The pattern repeats every `PERIOD` bytes. A prime, so that it never lines
/// up with a chunk boundary and a reordered or repeated chunk shows in a
/// checksum.
const PERIOD: usize = 251;

/// Streamed payloads are sent in chunks of this size.
const CHUNK: usize = 64 * 1024;

/// One chunk plus one period of the pattern: every chunk, whatever its
/// offset, is a slice of this table, so streaming allocates nothing.
static PATTERN: [u8; CHUNK + PERIOD] = pattern_table();

const fn pattern_table() -> [u8; CHUNK + PERIOD] {
    let mut table = [0; CHUNK + PERIOD];
    let mut i = 0;
    while i < table.len() {
        table[i] = (i % PERIOD) as u8;
        i += 1;
    }
    table
}

/// The byte at `offset` of every payload the target streams
/// (`GET /models/{id}/{version}/model.bin`, `GET /bytes/{n}`).
///
/// The byte is `offset % 251`, so a client can verify what it received
/// without having kept it.
pub fn pattern_byte(offset: u64) -> u8 {
    (offset % PERIOD as u64) as u8
}

/// The body of every response the target sends.
#[derive(Debug)]
pub(crate) enum ResponseBody {
    /// A small body sent in one frame; `None` once sent.
    Full(Option<Bytes>),
    /// `remaining` bytes of the pattern, starting at `offset`.
    Pattern {
        /// Offset of the next byte in the pattern.
        offset: u64,
        /// Bytes still to send.
        remaining: u64,
    },
}

impl ResponseBody {
    /// A body holding `bytes`.
    pub(crate) fn full(bytes: impl Into<Bytes>) -> Self {
        ResponseBody::Full(Some(bytes.into()))
    }

    /// No body at all.
    pub(crate) fn empty() -> Self {
        ResponseBody::Full(None)
    }

    /// The first `len` bytes of the pattern.
    pub(crate) fn pattern(len: u64) -> Self {
        ResponseBody::Pattern {
            offset: 0,
            remaining: len,
        }
    }
}

impl Body for ResponseBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let frame = match self.get_mut() {
            ResponseBody::Full(bytes) => bytes.take().filter(|b| !b.is_empty()),
            ResponseBody::Pattern { remaining: 0, .. } => None,
            ResponseBody::Pattern { offset, remaining } => {
                let len = (*remaining).min(CHUNK as u64) as usize;
                let start = (*offset % PERIOD as u64) as usize;
                *offset += len as u64;
                *remaining -= len as u64;
                Some(Bytes::from_static(&PATTERN[start..start + len]))
            }
        };
        Poll::Ready(frame.map(|data| Ok(Frame::data(data))))
    }

    fn is_end_stream(&self) -> bool {
        match self {
            ResponseBody::Full(bytes) => bytes.as_ref().is_none_or(Bytes::is_empty),
            ResponseBody::Pattern { remaining, .. } => *remaining == 0,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            ResponseBody::Full(bytes) => {
                SizeHint::with_exact(bytes.as_ref().map_or(0, |b| b.len() as u64))
            }
            ResponseBody::Pattern { remaining, .. } => SizeHint::with_exact(*remaining),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    #[tokio::test]
    async fn pattern_streams_exact_bytes_in_chunks() {
        let len = 3 * CHUNK as u64 + 1000;
        let mut body = ResponseBody::pattern(len);
        assert_eq!(body.size_hint().exact(), Some(len));

        let mut offset = 0u64;
        let mut chunks = 0;
        while let Some(frame) = body.frame().await {
            let data = frame.unwrap().into_data().unwrap();
            assert!(data.len() <= CHUNK);
            for (i, byte) in data.iter().enumerate() {
                assert_eq!(
                    *byte,
                    pattern_byte(offset + i as u64),
                    "offset {}",
                    offset + i as u64
                );
            }
            offset += data.len() as u64;
            chunks += 1;
        }
        assert_eq!(offset, len);
        assert_eq!(chunks, 4);
        assert!(body.is_end_stream());
    }
}
