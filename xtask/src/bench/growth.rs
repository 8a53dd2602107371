//! Memory against requests over a long run: how many requests a generator
//! had made when each resident-memory sample was taken, and which sample
//! stands for "after N requests".

/// A request count known at a moment of the harness's clock.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    /// Seconds since the harness spawned the generator.
    pub at_s: f64,
    /// Requests made by then.
    pub requests: f64,
}

/// Puts throng's stream points, `(seen_s, t_s, requests)`, on the harness's
/// clock. `seen_s` is when the harness first read the line (seconds since
/// spawn), `t_s` the point's own time since the plan started. A point
/// reaches the file a little after it is taken, never before, so the
/// smallest `seen_s − t_s` over all points is the closest estimate of when
/// the plan started.
pub fn align_stream(points: &[(f64, f64, u64)]) -> Vec<Progress> {
    let Some(offset) = points
        .iter()
        .map(|(seen, t, _)| seen - t)
        .min_by(f64::total_cmp)
    else {
        return Vec::new();
    };
    let mut out: Vec<Progress> = points
        .iter()
        .map(|(_, t, n)| Progress {
            at_s: t + offset,
            requests: *n as f64,
        })
        .collect();
    out.sort_by(|a, b| a.at_s.total_cmp(&b.at_s));
    out
}

/// Requests made at `at_s`: linear between the two points around it, 0
/// before the first, the last count after the last.
pub fn requests_at(progress: &[Progress], at_s: f64) -> f64 {
    let after = progress.partition_point(|p| p.at_s <= at_s);
    match (
        after.checked_sub(1).map(|i| progress[i]),
        progress.get(after),
    ) {
        (None, _) => 0.0,
        (Some(before), None) => before.requests,
        (Some(before), Some(next)) => {
            let span = next.at_s - before.at_s;
            if span <= 0.0 {
                return next.requests;
            }
            before.requests + (next.requests - before.requests) * (at_s - before.at_s) / span
        }
    }
}

/// Of `samples`, `(requests at the sample, bytes)`, the one whose count is
/// nearest `n`; `None` when even that one is more than 5 % away (the run
/// never got there, or no sample was taken near it).
pub fn sample_near(samples: &[(f64, u64)], n: f64) -> Option<(f64, u64)> {
    let best = samples
        .iter()
        .copied()
        .min_by(|a, b| (a.0 - n).abs().total_cmp(&(b.0 - n).abs()))?;
    ((best.0 - n).abs() <= 0.05 * n).then_some(best)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stream_is_aligned_by_its_earliest_seen_point() {
        // The plan started 0.5 s after spawn (or a little before); the
        // points were read 0–0.25 s after they were taken.
        let points = [(0.625, 0.0, 0), (1.75, 1.0, 40_000), (2.5, 2.0, 90_000)];
        let p = align_stream(&points);
        let at: Vec<f64> = p.iter().map(|p| p.at_s).collect();
        assert_eq!(at, vec![0.5, 1.5, 2.5]);
        assert_eq!(p[1].requests, 40_000.0);
        assert!(align_stream(&[]).is_empty());
    }

    #[test]
    fn requests_are_interpolated_between_points() {
        let p = [
            Progress {
                at_s: 1.0,
                requests: 0.0,
            },
            Progress {
                at_s: 2.0,
                requests: 50_000.0,
            },
            Progress {
                at_s: 3.0,
                requests: 150_000.0,
            },
        ];
        assert_eq!(requests_at(&p, 0.5), 0.0);
        assert_eq!(requests_at(&p, 1.5), 25_000.0);
        assert_eq!(requests_at(&p, 2.0), 50_000.0);
        assert_eq!(requests_at(&p, 2.25), 75_000.0);
        assert_eq!(requests_at(&p, 9.0), 150_000.0);
        assert_eq!(requests_at(&[], 1.0), 0.0);
    }

    #[test]
    fn the_sample_nearest_a_count_stands_for_it_within_five_percent() {
        let samples = [
            (990_000.0, 30),
            (1_004_000.0, 31),
            (1_900_000.0, 32),
            (2_000_000.0, 33),
        ];
        assert_eq!(sample_near(&samples, 1e6), Some((1_004_000.0, 31)));
        assert_eq!(sample_near(&samples, 2e6), Some((2_000_000.0, 33)));
        // A run that stopped at 2 M never reached 10 M.
        assert_eq!(sample_near(&samples, 1e7), None);
        assert_eq!(sample_near(&[], 1e6), None);
    }
}
