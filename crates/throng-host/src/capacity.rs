//! How many VUs one process can hold, decided before the run.
//!
//! Each VU's store owns a few memory mappings: its fiber stack and the
//! stack's guard page, and its linear memory. Linux caps the mappings of a
//! process (`vm.max_map_count`, 65,530 by default), and past the cap an
//! allocation fails and the process aborts. So the layout is chosen from
//! the planned VU count:
//!
//! - **Fast** (wasmtime's defaults): linear memory in a 4 GiB reservation
//!   with guard regions, so the guest's bounds checks are free, and data
//!   segments mapped copy-on-write from the compiled module, so a 12 MB
//!   JavaScript runtime is shared by every VU. About 7 mappings per VU.
//! - **Compact**: linear memory allocated to its size with no guard
//!   regions (the compiled code checks bounds explicitly) and data
//!   segments copied, not mapped. About 3 mappings per VU, so ten thousand
//!   Rust VUs fit under the default cap.
//!
//! When even the compact layout would not fit, the run is refused with the
//! exact setting to raise. The user may also ask for a layout
//! (`--memory-layout`); a fast layout that would not fit is refused the
//! same way rather than quietly made compact.

use std::fmt;

/// Mappings one VU costs in each layout, measured with `/proc/PID/maps`
/// (6.9 and 2.9 for a Rust journey), rounded up.
const MAPS_PER_VU_FAST: u64 = 8;
const MAPS_PER_VU_COMPACT: u64 = 4;

/// Mappings kept free for everything else: threads, connection buffers,
/// the allocator's arenas, compiled modules.
const MAPS_MARGIN: u64 = 4_096;

/// How each VU's memory is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemoryLayout {
    /// Guard regions and copy-on-write images: the fastest, ~7 mappings
    /// per VU.
    Fast,
    /// No guard regions, data copied: ~3 mappings per VU. throng makes
    /// these memories (`memory.rs`), so a resting Rust VU also gives back
    /// its guest's stack pages.
    Compact,
}

/// Why the planned VUs cannot run in one process.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct CapacityError {
    /// The VUs planned.
    pub vus: u64,
    /// Memory mappings they need in the compact layout, with the margin.
    pub needed: u64,
    /// The process's cap (`vm.max_map_count`).
    pub max_map_count: u64,
}

impl fmt::Display for CapacityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let suggested = self.needed.next_power_of_two().max(262_144);
        write!(
            f,
            "{} VUs need about {} memory mappings, more than this machine allows one process \
             (vm.max_map_count = {}); raise it as root with `sysctl -w vm.max_map_count={suggested}` \
             (or in /etc/sysctl.conf), or split the load over several processes",
            self.vus, self.needed, self.max_map_count
        )
    }
}

/// The layout for `vus` VUs in a process capped at `max_map_count`
/// mappings that already uses `in_use`: `wanted` when the user chose one
/// and it fits, else the fast one when it fits, else the compact one.
pub fn choose_layout(
    vus: u64,
    max_map_count: u64,
    in_use: u64,
    wanted: Option<MemoryLayout>,
) -> Result<MemoryLayout, CapacityError> {
    let free = max_map_count.saturating_sub(in_use);
    let need = |layout: MemoryLayout| {
        let per_vu = match layout {
            MemoryLayout::Fast => MAPS_PER_VU_FAST,
            MemoryLayout::Compact => MAPS_PER_VU_COMPACT,
        };
        vus.saturating_mul(per_vu).saturating_add(MAPS_MARGIN)
    };
    let candidates: &[MemoryLayout] = match wanted {
        Some(layout) => &[layout][..],
        None => &[MemoryLayout::Fast, MemoryLayout::Compact],
    };
    for &layout in candidates {
        if need(layout) <= free {
            return Ok(layout);
        }
    }
    let last = *candidates.last().expect("at least one layout");
    Err(CapacityError {
        vus,
        needed: need(last).saturating_add(in_use),
        max_map_count,
    })
}

/// The layout for `vus` VUs in this process, from the kernel's cap and
/// the mappings in use now (`wanted`, when the user chose one and it
/// fits). Where the system does not say (not Linux), `wanted` or the fast
/// layout.
pub fn layout_for(vus: u64, wanted: Option<MemoryLayout>) -> Result<MemoryLayout, CapacityError> {
    let max = std::fs::read_to_string("/proc/sys/vm/max_map_count")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok());
    let in_use = std::fs::read_to_string("/proc/self/maps")
        .ok()
        .map(|maps| maps.lines().count() as u64);
    match (max, in_use) {
        (Some(max), Some(in_use)) => choose_layout(vus, max, in_use, wanted),
        _ => Ok(wanted.unwrap_or(MemoryLayout::Fast)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_layout_follows_the_vu_count() {
        const CAP: u64 = 65_530;
        assert_eq!(choose_layout(1_000, CAP, 500, None), Ok(MemoryLayout::Fast));
        assert_eq!(choose_layout(7_000, CAP, 500, None), Ok(MemoryLayout::Fast));
        assert_eq!(
            choose_layout(8_000, CAP, 500, None),
            Ok(MemoryLayout::Compact)
        );
        assert_eq!(
            choose_layout(14_000, CAP, 500, None),
            Ok(MemoryLayout::Compact)
        );
        let refused = choose_layout(20_000, CAP, 500, None).unwrap_err();
        assert_eq!(refused.needed, 20_000 * 4 + 4_096 + 500);
        let message = refused.to_string();
        assert!(
            message.contains("sysctl -w vm.max_map_count=262144"),
            "{message}"
        );
        assert!(message.contains("vm.max_map_count = 65530"), "{message}");
        // A cap already raised fits them all, fast.
        assert_eq!(
            choose_layout(20_000, 262_144, 500, None),
            Ok(MemoryLayout::Fast)
        );
    }

    #[test]
    fn a_chosen_layout_is_kept_when_it_fits() {
        const CAP: u64 = 65_530;
        let compact = Some(MemoryLayout::Compact);
        assert_eq!(
            choose_layout(10, CAP, 500, compact),
            Ok(MemoryLayout::Compact)
        );
        let fast = Some(MemoryLayout::Fast);
        assert_eq!(choose_layout(7_000, CAP, 500, fast), Ok(MemoryLayout::Fast));
        // Fast does not fit 8,000 under the default cap: refused, with what
        // fast would need, rather than quietly made compact.
        let refused = choose_layout(8_000, CAP, 500, fast).unwrap_err();
        assert_eq!(refused.needed, 8_000 * 8 + 4_096 + 500);
        assert!(choose_layout(20_000, CAP, 500, compact).is_err());
    }
}
