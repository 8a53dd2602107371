//! `ramping-vus`: the number of active VUs follows linear stages.
//!
//! Within a stage from `a` to `b` VUs over `d`, the count moves one VU at a
//! time at evenly spaced moments, reaching `b` exactly at the stage's end:
//! `a + floor((b - a) * t / d)` going up, `a - floor((a - b) * t / d)`
//! going down. A zero-length stage jumps at once.

use std::time::Duration;

use crate::plan::Stage;

/// Active VUs `t` after the scenario's start.
pub fn ramping_vus_at(start_vus: u32, stages: &[Stage], t: Duration) -> u32 {
    let mut from = start_vus;
    let mut stage_start = Duration::ZERO;
    for stage in stages {
        let stage_end = stage_start + stage.duration;
        if t < stage_end {
            let frac = (t - stage_start).as_secs_f64() / stage.duration.as_secs_f64();
            let span = f64::from(from.abs_diff(stage.target));
            let moved = (span * frac + 1e-9).floor() as u32;
            return if stage.target >= from {
                from + moved
            } else {
                from - moved
            };
        }
        from = stage.target;
        stage_start = stage_end;
    }
    from
}

/// Every moment the count changes, as `(offset, active VUs)`, starting with
/// `(0, start)` after zero-length stages at the start are applied.
pub fn ramping_vus_steps(start_vus: u32, stages: &[Stage]) -> Vec<(Duration, u32)> {
    let mut steps = vec![(Duration::ZERO, start_vus)];
    let mut from = start_vus;
    let mut stage_start = Duration::ZERO;
    for stage in stages {
        let span = from.abs_diff(stage.target);
        if stage.duration.is_zero() {
            push(&mut steps, stage_start, stage.target);
        } else {
            for k in 1..=span {
                let at = stage_start + stage.duration.mul_f64(f64::from(k) / f64::from(span));
                let count = if stage.target >= from {
                    from + k
                } else {
                    from - k
                };
                push(&mut steps, at, count);
            }
        }
        from = stage.target;
        stage_start += stage.duration;
    }
    steps
}

/// Append a step, folding steps at the same moment into the last one.
fn push(steps: &mut Vec<(Duration, u32)>, at: Duration, count: u32) {
    match steps.last_mut() {
        Some(last) if last.0 == at => last.1 = count,
        _ => steps.push((at, count)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(secs: u64, target: u32) -> Stage {
        Stage {
            duration: Duration::from_secs(secs),
            target,
        }
    }

    #[test]
    fn ramps_up_and_down_linearly() {
        let stages = [s(10, 10), s(5, 10), s(10, 0)];
        let at = |secs: f64| ramping_vus_at(0, &stages, Duration::from_secs_f64(secs));
        assert_eq!(
            [at(0.0), at(0.99), at(1.0), at(5.5), at(9.99), at(10.0)],
            [0, 0, 1, 5, 9, 10]
        );
        assert_eq!(
            [at(12.0), at(15.0), at(16.0), at(24.9), at(25.0), at(99.0)],
            [10, 10, 9, 1, 0, 0]
        );
    }

    #[test]
    fn steps_agree_with_the_function() {
        let stages = [s(0, 5), s(60, 5), s(0, 10), s(60, 10), s(30, 30), s(20, 3)];
        let steps = ramping_vus_steps(2, &stages);
        assert_eq!(
            steps[0],
            (Duration::ZERO, 5),
            "a zero-length first stage applies at once"
        );
        for window in steps.windows(2) {
            let (at, count) = window[1];
            assert!(window[0].0 < at, "steps are strictly ordered");
            assert_eq!(ramping_vus_at(2, &stages, at), count, "at {at:?}");
            let just_before = at - Duration::from_micros(1);
            assert_eq!(
                ramping_vus_at(2, &stages, just_before),
                window[0].1,
                "before {at:?}"
            );
        }
        assert_eq!(steps.last().unwrap().1, 3);
    }

    #[test]
    fn step_functions_add_users_every_minute() {
        // Add 5 users every 60 s from 5 to 30, then hold.
        let mut stages = Vec::new();
        for target in (10..=30).step_by(5) {
            stages.push(s(60, target - 5));
            stages.push(s(0, target));
        }
        stages.push(s(120, 30));
        let at = |secs: u64| ramping_vus_at(5, &stages, Duration::from_secs(secs));
        assert_eq!(
            [at(0), at(59), at(60), at(119), at(120), at(300), at(419)],
            [5, 5, 10, 10, 15, 30, 30]
        );
    }
}
