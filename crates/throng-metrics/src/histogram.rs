//! How durations go into HdrHistograms and how histograms travel in the
//! results file.
//!
//! Every histogram counts **microseconds** with 3 significant digits and
//! resizes itself to the largest value seen, so a run of 20 ms requests
//! costs a few kilobytes per histogram, not the hundreds a fixed 1 µs–1 h
//! range would. Values above one hour are clamped to one hour.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hdrhistogram::Histogram;
use hdrhistogram::serialization::{Deserializer, Serializer as _, V2DeflateSerializer};

/// Significant decimal digits every histogram keeps: values are exact to
/// 0.1%, enough for p99.9.
pub const SIGNIFICANT_DIGITS: u8 = 3;

/// The largest value recorded, in microseconds (one hour); larger ones are
/// clamped to it.
pub const MAX_MICROS: u64 = 3_600_000_000;

/// An empty auto-resizing histogram of microseconds.
pub(crate) fn new_histogram() -> Histogram<u64> {
    // `new` only fails for more than 5 significant digits.
    Histogram::new(SIGNIFICANT_DIGITS).expect("3 significant digits is a valid precision")
}

/// Records `duration` in whole microseconds, clamped to [`MAX_MICROS`].
pub(crate) fn record(histogram: &mut Histogram<u64>, duration: Duration) {
    let micros = u64::try_from(duration.as_micros())
        .unwrap_or(MAX_MICROS)
        .min(MAX_MICROS);
    record_n(histogram, micros, 1);
}

/// Records one sample of `value` (a custom trend's thousandths), growing
/// the histogram to fit.
pub(crate) fn record_value(histogram: &mut Histogram<u64>, value: u64) {
    record_n(histogram, value, 1);
}

/// Records `count` samples of `value`, growing the histogram to fit.
fn record_n(histogram: &mut Histogram<u64>, value: u64, count: u64) {
    // Our histograms resize themselves, so `record_n` only fails if the
    // platform cannot address the larger array; clamping is the fallback
    // (`saturating_record` never resizes, so it is not the first choice).
    if histogram.record_n(value, count).is_err() {
        histogram.saturating_record_n(value, count);
    }
}

/// Adds `source` into `target`, growing `target` as needed.
pub(crate) fn merge(target: &mut Histogram<u64>, source: &Histogram<u64>) {
    // Only a histogram without auto-resize (one built elsewhere) refuses an
    // addend outside its range.
    target.auto(true);
    if target.add(source).is_err() {
        for value in source.iter_recorded() {
            record_n(target, value.value_iterated_to(), value.count_at_value());
        }
    }
}

/// Encodes a histogram in HdrHistogram's standard compressed V2 form,
/// base64 (what `HistogramLogReader` and other HdrHistogram ports read).
pub fn encode(histogram: &Histogram<u64>) -> String {
    let mut bytes = Vec::new();
    // Writing to a Vec cannot fail, and a histogram of u64 counts always
    // fits the V2 format.
    V2DeflateSerializer::new()
        .serialize(histogram, &mut bytes)
        .expect("serialising a histogram into memory cannot fail");
    BASE64.encode(bytes)
}

/// Decodes a histogram written by [`encode`] (or by any HdrHistogram
/// implementation in the compressed V2 form, base64). The result resizes
/// itself, so decoded histograms can be added together.
pub fn decode(text: &str) -> Result<Histogram<u64>, DecodeError> {
    let bytes = BASE64.decode(text.trim())?;
    let mut histogram: Histogram<u64> = Deserializer::new().deserialize(&mut bytes.as_slice())?;
    histogram.auto(true);
    Ok(histogram)
}

/// Why a serialised histogram could not be decoded.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// The text is not valid base64.
    #[error("histogram is not valid base64: {0}")]
    Base64(#[from] base64::DecodeError),
    /// The bytes are not a compressed V2 HdrHistogram.
    #[error("not a compressed V2 HdrHistogram: {0}")]
    Histogram(#[from] hdrhistogram::serialization::DeserializeError),
}
