//! When open-model iterations are due.
//!
//! The rate is piecewise linear in time; the k-th iteration (from 0) is due
//! when the integral of the rate reaches k. For a constant rate that is
//! `k / rate`; within a linear ramp from `r0` to `r1` over `d` it solves
//! `r0 t + (r1 - r0) t² / 2d = n`.

use std::time::Duration;

use crate::plan::Stage;

/// The due offsets of an open-model scenario, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Arrivals {
    /// `(duration, rate at start, rate at end)`, rates per second.
    segments: Vec<(f64, f64, f64)>,
    segment: usize,
    /// Offset of the current segment's start, in seconds.
    segment_start: f64,
    /// Arrivals before the current segment (fractional: rates need not
    /// divide evenly).
    before: f64,
    next: u64,
}

impl Arrivals {
    /// `rate` iterations per `unit`, for `duration`.
    pub fn constant(rate: u32, unit: Duration, duration: Duration) -> Self {
        let per_second = f64::from(rate) / unit.as_secs_f64();
        Self::from_segments(vec![(duration.as_secs_f64(), per_second, per_second)])
    }

    /// From `start_rate` per `unit`, following `stages` (targets are rates).
    pub fn ramping(start_rate: u32, unit: Duration, stages: &[Stage]) -> Self {
        let per_second = |r: u32| f64::from(r) / unit.as_secs_f64();
        let mut from = per_second(start_rate);
        let mut segments = Vec::with_capacity(stages.len());
        for stage in stages {
            let to = per_second(stage.target);
            segments.push((stage.duration.as_secs_f64(), from, to));
            from = to;
        }
        Self::from_segments(segments)
    }

    fn from_segments(segments: Vec<(f64, f64, f64)>) -> Self {
        Arrivals {
            segments,
            segment: 0,
            segment_start: 0.0,
            before: 0.0,
            next: 0,
        }
    }

    /// How many iterations the whole schedule holds.
    pub fn total(&self) -> u64 {
        self.clone().count() as u64
    }
}

impl Iterator for Arrivals {
    type Item = Duration;

    fn next(&mut self) -> Option<Duration> {
        loop {
            let &(d, r0, r1) = self.segments.get(self.segment)?;
            let in_segment = (r0 + r1) / 2.0 * d;
            let n = self.next as f64 - self.before;
            if n < in_segment - 1e-9 {
                let t = if (r1 - r0).abs() < 1e-12 {
                    n / r0
                } else {
                    let a = (r1 - r0) / (2.0 * d);
                    (-r0 + (r0 * r0 + 4.0 * a * n).max(0.0).sqrt()) / (2.0 * a)
                };
                self.next += 1;
                return Some(Duration::from_secs_f64(
                    self.segment_start + t.clamp(0.0, d),
                ));
            }
            self.before += in_segment;
            self.segment_start += d;
            self.segment += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_constant_rate_is_evenly_spaced() {
        let due: Vec<_> =
            Arrivals::constant(200, Duration::from_secs(1), Duration::from_secs(5)).collect();
        assert_eq!(due.len(), 1_000);
        assert_eq!(due[0], Duration::ZERO);
        assert_eq!(due[1], Duration::from_millis(5));
        assert_eq!(due[999], Duration::from_millis(4_995));
    }

    #[test]
    fn time_units_scale_the_rate() {
        let per_minute = Arrivals::constant(30, Duration::from_secs(60), Duration::from_secs(60));
        assert_eq!(per_minute.total(), 30);
    }

    #[test]
    fn a_ramp_integrates_its_rate() {
        // 0 → 100/s over 10 s: 500 iterations, denser towards the end.
        let stages = [Stage {
            duration: Duration::from_secs(10),
            target: 100,
        }];
        let due: Vec<_> = Arrivals::ramping(0, Duration::from_secs(1), &stages).collect();
        assert_eq!(due.len(), 500);
        let first_half = due.iter().filter(|d| d.as_secs_f64() < 5.0).count();
        assert_eq!(
            first_half, 125,
            "a quarter of the area lies in the first half"
        );
        assert!(due.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn stages_chain_and_hold() {
        let stages = [
            Stage {
                duration: Duration::from_secs(2),
                target: 10,
            },
            Stage {
                duration: Duration::from_secs(3),
                target: 10,
            },
            Stage {
                duration: Duration::from_secs(1),
                target: 0,
            },
        ];
        let arrivals = Arrivals::ramping(10, Duration::from_secs(1), &stages);
        assert_eq!(arrivals.total(), 20 + 30 + 5);
    }
}
