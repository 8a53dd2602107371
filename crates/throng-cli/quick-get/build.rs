//! Lays out quick-get's linear memory so a resting VU keeps one private
//! page of it instead of three.
//!
//! wasm-ld puts the shadow stack first (1 MiB by default), then the static
//! data (3.6 KiB here, built with LTO), then the heap up to the end of the
//! initial memory (17 wasm pages, 1,114,112 bytes). The host gives back the
//! stack's pages while a VU thinks; what stays is every 4 KiB page the
//! guest wrote above the stack. With the default stack that is the data's
//! page, the heap's first page and the allocator's footer at the end of the
//! memory, which lies thirteen pages away. A stack one page short of the
//! initial memory puts the data, the heap and the footer in the last page:
//! about 8 KiB less per VU at 10,000 VUs than the default, measured in two
//! steps (two pages, then one; BENCHMARKS.md).
//! What the heap holds between iterations (the request's parameters are
//! freed once the host keeps the request) fits in the ~460 bytes left. The
//! stack is larger, not smaller, so a deep call never runs out sooner.
//!
//! `a_resting_quick_get_vu_keeps_one_page_of_its_memory` (throng-host)
//! runs a VU and fails if it keeps more, or if its memory grew.

fn main() {
    // 17 wasm pages less one host page.
    const STACK: u32 = 17 * 65536 - 4096;
    println!("cargo::rustc-cdylib-link-arg=-zstack-size={STACK}");
    println!("cargo::rerun-if-changed=build.rs");
}
