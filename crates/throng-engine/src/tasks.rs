//! Weighted task choice (Locust's `@task(weight)`).

use std::collections::BTreeMap;

use rand::Rng;

use crate::vu::TaskInfo;

/// Draws task names in proportion to their weights.
#[derive(Debug, Clone)]
pub struct TaskPicker {
    names: Vec<String>,
    /// Cumulative weights, same order as `names`.
    cumulative: Vec<u64>,
}

impl TaskPicker {
    /// Weights from the journey, overridden by the plan's. A journey with no
    /// tasks has one, `default`.
    pub fn new(tasks: &[TaskInfo], overrides: &BTreeMap<String, u32>) -> Result<Self, String> {
        for name in overrides.keys() {
            if !tasks.iter().any(|t| &t.name == name) {
                let known: Vec<_> = tasks.iter().map(|t| t.name.as_str()).collect();
                return Err(format!(
                    "the plan weighs task `{name}`, but the journey offers only [{}]",
                    known.join(", ")
                ));
            }
        }
        if tasks.is_empty() {
            return Ok(TaskPicker {
                names: vec!["default".into()],
                cumulative: vec![1],
            });
        }
        let mut names = Vec::with_capacity(tasks.len());
        let mut cumulative = Vec::with_capacity(tasks.len());
        let mut total = 0u64;
        for task in tasks {
            let weight = overrides.get(&task.name).copied().unwrap_or(task.weight);
            if weight == 0 {
                continue;
            }
            total += u64::from(weight);
            names.push(task.name.clone());
            cumulative.push(total);
        }
        if names.is_empty() {
            return Err("every task has weight 0: nothing to run".into());
        }
        Ok(TaskPicker { names, cumulative })
    }

    /// Pick one task.
    pub fn pick(&self, rng: &mut impl Rng) -> &str {
        if self.names.len() == 1 {
            return &self.names[0];
        }
        let total = *self.cumulative.last().expect("at least one task");
        let x = rng.random_range(0..total);
        let i = self.cumulative.partition_point(|&c| c <= x);
        &self.names[i]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn task(name: &str, weight: u32) -> TaskInfo {
        TaskInfo {
            name: name.into(),
            weight,
        }
    }

    #[test]
    fn weights_hold_over_many_draws() {
        let tasks = [task("a", 40), task("b", 30), task("c", 20), task("d", 10)];
        let picker = TaskPicker::new(&tasks, &BTreeMap::new()).unwrap();
        let mut rng = rand::rngs::SmallRng::seed_from_u64(7);
        let mut counts = BTreeMap::new();
        for _ in 0..100_000 {
            *counts
                .entry(picker.pick(&mut rng).to_owned())
                .or_insert(0u32) += 1;
        }
        for (name, expected) in [("a", 40_000), ("b", 30_000), ("c", 20_000), ("d", 10_000)] {
            let got = counts[name] as i64;
            assert!(
                (got - expected).abs() < 1_000,
                "{name}: {got} vs {expected}"
            );
        }
    }

    #[test]
    fn overrides_replace_defaults_and_zero_removes() {
        let tasks = [task("a", 1), task("b", 1)];
        let overrides = BTreeMap::from([("b".to_owned(), 0)]);
        let picker = TaskPicker::new(&tasks, &overrides).unwrap();
        let mut rng = rand::rngs::SmallRng::seed_from_u64(1);
        assert!((0..100).all(|_| picker.pick(&mut rng) == "a"));
    }

    #[test]
    fn unknown_override_is_refused() {
        let err =
            TaskPicker::new(&[task("a", 1)], &BTreeMap::from([("zz".to_owned(), 2)])).unwrap_err();
        assert!(err.contains("`zz`") && err.contains("[a]"), "{err}");
    }

    #[test]
    fn no_tasks_means_default() {
        let picker = TaskPicker::new(&[], &BTreeMap::new()).unwrap();
        let mut rng = rand::rngs::SmallRng::seed_from_u64(1);
        assert_eq!(picker.pick(&mut rng), "default");
    }
}
