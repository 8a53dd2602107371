//! Lays out quick-get's linear memory so a resting VU keeps two private
//! pages of it instead of three.
//!
//! wasm-ld puts the shadow stack first (1 MiB by default), then the static
//! data (about 3.7 KiB here), then the heap up to the end of the initial
//! memory (17 wasm pages, 1,114,112 bytes). The host gives back the stack's
//! pages while a VU thinks; what stays is every 4 KiB page the guest wrote
//! above the stack. With the default stack that is the data's page, the
//! heap's first page and the allocator's footer at the end of the memory,
//! which lies thirteen pages away. A stack 8 KiB short of the initial
//! memory puts the data, the whole initial heap and the footer in the last
//! two pages: about 4 KiB less per VU at 10,000 VUs (BENCHMARKS.md). The
//! stack is larger, not smaller, so a deep call never runs out sooner.
//!
//! `bundled_quick_get_rests_in_two_pages` (throng-host) fails if the data
//! outgrows that room.

fn main() {
    // 17 wasm pages less two host pages.
    const STACK: u32 = 17 * 65536 - 2 * 4096;
    println!("cargo::rustc-cdylib-link-arg=-zstack-size={STACK}");
    println!("cargo::rerun-if-changed=build.rs");
}
