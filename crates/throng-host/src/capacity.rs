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
//!   JavaScript runtime is shared by every VU. About 6 mappings per VU (7
//!   where a guard page splits the fiber stack's mapping).
//! - **Compact**: linear memory allocated to its size with no guard
//!   regions (the compiled code checks bounds explicitly) and data
//!   segments copied, not mapped. Where the kernel has light guard pages
//!   (`MADV_GUARD_INSTALL`, Linux 6.13) a VU's fiber stack and memory are
//!   plain read-write mappings that the kernel merges with their
//!   neighbours: 9,000 VUs of a Rust journey held 71 mappings in all, so
//!   100,000 fit under the default cap. Elsewhere each stack's guard page
//!   splits the mappings, about 3 per VU: ten thousand VUs fit.
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

/// VUs per mapping in the compact layout with light guard pages. Measured,
/// ~0 per VU; a memory that outgrows its mapping moves (`memory.rs`) and
/// then costs up to two, so one per two VUs leaves room for a quarter of
/// them to do so.
const VUS_PER_MAP_LIGHT: u64 = 2;

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

/// What this machine's kernel offers that changes a VU's mapping count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kernel {
    /// The process's cap (`vm.max_map_count`).
    pub max_map_count: u64,
    /// Mappings the process uses already.
    pub in_use: u64,
    /// Whether guard pages leave a mapping whole (`MADV_GUARD_INSTALL`).
    pub light_guards: bool,
}

/// The layout for `vus` VUs under `kernel`: `wanted` when the user chose
/// one and it fits, else the fast one when it fits, else the compact one.
pub fn choose_layout(
    vus: u64,
    kernel: Kernel,
    wanted: Option<MemoryLayout>,
) -> Result<MemoryLayout, CapacityError> {
    let Kernel {
        max_map_count,
        in_use,
        light_guards,
    } = kernel;
    let free = max_map_count.saturating_sub(in_use);
    let need = |layout: MemoryLayout| {
        let maps = match layout {
            MemoryLayout::Fast => vus.saturating_mul(MAPS_PER_VU_FAST),
            MemoryLayout::Compact if light_guards => vus.div_ceil(VUS_PER_MAP_LIGHT),
            MemoryLayout::Compact => vus.saturating_mul(MAPS_PER_VU_COMPACT),
        };
        maps.saturating_add(MAPS_MARGIN)
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
        (Some(max_map_count), Some(in_use)) => choose_layout(
            vus,
            Kernel {
                max_map_count,
                in_use,
                light_guards: crate::stacks::light_guards(),
            },
            wanted,
        ),
        _ => Ok(wanted.unwrap_or(MemoryLayout::Fast)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A kernel at `cap` with 500 mappings in use and guard pages that
    /// split mappings (`light` false), or not.
    fn kernel(cap: u64, light: bool) -> Kernel {
        Kernel {
            max_map_count: cap,
            in_use: 500,
            light_guards: light,
        }
    }

    #[test]
    fn the_layout_follows_the_vu_count() {
        const CAP: u64 = 65_530;
        assert_eq!(
            choose_layout(1_000, kernel(CAP, false), None),
            Ok(MemoryLayout::Fast)
        );
        assert_eq!(
            choose_layout(7_000, kernel(CAP, false), None),
            Ok(MemoryLayout::Fast)
        );
        assert_eq!(
            choose_layout(8_000, kernel(CAP, false), None),
            Ok(MemoryLayout::Compact)
        );
        assert_eq!(
            choose_layout(14_000, kernel(CAP, false), None),
            Ok(MemoryLayout::Compact)
        );
        let refused = choose_layout(20_000, kernel(CAP, false), None).unwrap_err();
        assert_eq!(refused.needed, 20_000 * 4 + 4_096 + 500);
        let message = refused.to_string();
        assert!(
            message.contains("sysctl -w vm.max_map_count=262144"),
            "{message}"
        );
        assert!(message.contains("vm.max_map_count = 65530"), "{message}");
        // A cap already raised fits them all, fast.
        assert_eq!(
            choose_layout(20_000, kernel(262_144, false), None),
            Ok(MemoryLayout::Fast)
        );
    }

    #[test]
    fn a_chosen_layout_is_kept_when_it_fits() {
        const CAP: u64 = 65_530;
        let compact = Some(MemoryLayout::Compact);
        assert_eq!(
            choose_layout(10, kernel(CAP, false), compact),
            Ok(MemoryLayout::Compact)
        );
        let fast = Some(MemoryLayout::Fast);
        assert_eq!(
            choose_layout(7_000, kernel(CAP, false), fast),
            Ok(MemoryLayout::Fast)
        );
        // Fast does not fit 8,000 under the default cap: refused, with what
        // fast would need, rather than quietly made compact.
        let refused = choose_layout(8_000, kernel(CAP, false), fast).unwrap_err();
        assert_eq!(refused.needed, 8_000 * 8 + 4_096 + 500);
        assert!(choose_layout(20_000, kernel(CAP, false), compact).is_err());
    }

    #[test]
    fn light_guards_fit_a_hundred_thousand_compact_vus_under_the_default_cap() {
        const CAP: u64 = 65_530;
        let light = kernel(CAP, true);
        assert_eq!(choose_layout(7_000, light, None), Ok(MemoryLayout::Fast));
        assert_eq!(
            choose_layout(100_000, light, None),
            Ok(MemoryLayout::Compact)
        );
        let refused = choose_layout(200_000, light, None).unwrap_err();
        assert_eq!(refused.needed, 100_000 + 4_096 + 500);
        // Without them, a fifth as many are refused.
        assert!(choose_layout(20_000, kernel(CAP, false), None).is_err());
    }
}
