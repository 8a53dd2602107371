//! Fiber stacks that a VU gives back to the OS while it thinks.
//!
//! Every guest call runs on a wasmtime fiber. The fiber's stack
//! (`async_stack_size`, 2 MiB of address space) stays with the VU's store
//! between calls: wasmtime keeps a store's last stack for its next call,
//! and so keeps every page a call ever touched resident. For a Rust VU
//! that sends HTTP that is 20 KiB on its first call (which connects) and
//! 12 KiB on the next (it was 56 and 28 KiB before the large futures of
//! TLS and HTTP/2 were boxed out of the plain HTTP/1.1 path, `throng-http`
//! `dial.rs`), and each page is a fault to pay again after a rest.
//!
//! throng therefore makes the stacks itself ([`wasmtime::Config::with_host_stack`]):
//! the same layout as wasmtime's own (one mapping, a guard page at the
//! bottom), but each stack is shared with the VU whose store it serves.
//! A VU about to think for a while discards the stack's pages
//! ([`VuStack::release`], `madvise(MADV_DONTNEED)`); its next call finds
//! zeroed pages and faults in only what it touches. A guest that sleeps
//! inside a call keeps its frames, but the pages below them go
//! ([`VuStack::release_below_here`]).
//!
//! A fresh stack comes with the pages a VU's first call will touch
//! already in place ([`populate_top`]): one system call instead of a
//! fault per page, which a start of many VUs pays for every VU.
//!
//! Which stack is a VU's is learnt when wasmtime makes it: that happens
//! synchronously inside a poll of one of the store's futures, so
//! [`watch`] notes any stack made during its own polls of the future it
//! wraps.
#![allow(unsafe_code)]

use std::cell::Cell;
use std::future::Future;
use std::ops::Range;
use std::pin::Pin;
use std::sync::Arc;

use rustix::mm::{Advice, MapFlags, MprotectFlags, ProtFlags};

/// One stack's mapping: a guard page at the bottom, the stack above it.
struct Mapping {
    base: usize,
    len: usize,
    guard: usize,
}

impl Mapping {
    fn new(size: usize) -> std::io::Result<Mapping> {
        let guard = rustix::param::page_size();
        let size = size.div_ceil(guard).max(1) * guard;
        let len = size + guard;
        // SAFETY: a fresh anonymous mapping at an address of the kernel's
        // choosing aliases nothing; its first page is made a guard page
        // before anyone sees it, exactly wasmtime's own fiber layout.
        unsafe {
            let base = rustix::mm::mmap_anonymous(
                std::ptr::null_mut(),
                len,
                ProtFlags::READ | ProtFlags::WRITE,
                MapFlags::PRIVATE | MapFlags::NORESERVE,
            )?;
            if let Err(e) = make_guard(base, guard) {
                let _ = rustix::mm::munmap(base, len);
                return Err(e);
            }
            populate_top(base as usize + len, size);
            Ok(Mapping {
                base: base as usize,
                len,
                guard,
            })
        }
    }

    fn stack(&self) -> Range<usize> {
        self.base + self.guard..self.base + self.len
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: the mapping is ours, and this is its last owner: neither
        // wasmtime (its `Stack` is gone) nor a VU uses it any more.
        let _ = unsafe { rustix::mm::munmap(self.base as *mut _, self.len) };
    }
}

/// How much of a fresh stack [`populate_top`] faults in: what a Rust VU's
/// first guest call touches when it connects and sends HTTP (the module
/// docs).
const FIRST_CALL: usize = 20 << 10;

/// Faults in the top [`FIRST_CALL`] bytes of a fresh stack (below `top`,
/// within `size`) in one system call (`MADV_POPULATE_WRITE`, Linux 5.14).
/// The VU's first call would touch those pages anyway, one fault each:
/// ten thousand VUs starting at once took 5.1 faults per VU on their
/// stacks, and a fault costs more than its share of one `madvise`
/// (BENCHMARKS.md, (c)). The memory is the same; the pages go back with
/// the rest of the stack when the VU rests ([`VuStack::release`]). A
/// kernel without the advice refuses it, and the pages fault as before.
fn populate_top(top: usize, size: usize) {
    #[cfg(target_os = "linux")]
    {
        let len = populated(size);
        // SAFETY: `top - len..top` lies in the fresh, writable stack just
        // mapped (`len` ≤ `size`, both whole pages); populating only
        // allocates its zeroed pages, and nobody has used it yet.
        let _ =
            unsafe { rustix::mm::madvise((top - len) as *mut _, len, Advice::LinuxPopulateWrite) };
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (top, size);
}

/// The bytes [`populate_top`] faults in of a `size`-byte stack (whole
/// pages, `size` itself one).
#[cfg(target_os = "linux")]
fn populated(size: usize) -> usize {
    let page = rustix::param::page_size();
    (FIRST_CALL.div_ceil(page) * page).min(size)
}

/// `MADV_GUARD_INSTALL` (Linux 6.13, the same number on every
/// architecture): the pages fault like `PROT_NONE` ones, but the mapping
/// is not split around them.
#[cfg(target_os = "linux")]
const MADV_GUARD_INSTALL: libc::c_int = 102;

/// Whether guard pages can be installed without splitting a mapping
/// (`MADV_GUARD_INSTALL`). Then a stack is one mapping, which the kernel
/// merges with the stacks and linear memories beside it, so a VU costs
/// well under one of the process's `vm.max_map_count` mappings instead
/// of two or three. Asked of the kernel once, with a mapping of its own.
pub(crate) fn light_guards() -> bool {
    static LIGHT: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *LIGHT.get_or_init(|| {
        let page = rustix::param::page_size();
        // SAFETY: a fresh private mapping, used for nothing but the probe
        // and unmapped right after it.
        unsafe {
            let Ok(base) = rustix::mm::mmap_anonymous(
                std::ptr::null_mut(),
                2 * page,
                ProtFlags::READ | ProtFlags::WRITE,
                MapFlags::PRIVATE | MapFlags::NORESERVE,
            ) else {
                return false;
            };
            let light = install_guard(base, page);
            let _ = rustix::mm::munmap(base, 2 * page);
            light
        }
    })
}

/// Installs a light guard over `len` bytes at `base`: whether the kernel
/// took it.
///
/// # Safety
/// `base..base + len` must be page-aligned, private, anonymous memory
/// that nothing uses: its contents are discarded.
#[cfg(target_os = "linux")]
unsafe fn install_guard(base: *mut std::ffi::c_void, len: usize) -> bool {
    // SAFETY: as the caller promised; the call only changes page tables.
    unsafe { libc::madvise(base, len, MADV_GUARD_INSTALL) == 0 }
}

#[cfg(not(target_os = "linux"))]
unsafe fn install_guard(_base: *mut std::ffi::c_void, _len: usize) -> bool {
    false
}

/// Makes the first `guard` bytes at `base` inaccessible: a light guard
/// where the kernel has them, else `PROT_NONE`, which splits the mapping.
///
/// # Safety
/// As for [`install_guard`].
unsafe fn make_guard(base: *mut std::ffi::c_void, guard: usize) -> std::io::Result<()> {
    // SAFETY: as the caller promised.
    unsafe {
        if light_guards() && install_guard(base, guard) {
            return Ok(());
        }
        rustix::mm::mprotect(base, guard, MprotectFlags::empty())?;
    }
    Ok(())
}

thread_local! {
    /// The stack wasmtime made last on this thread, until [`watch`] takes it.
    static MADE: Cell<Option<Arc<Mapping>>> = const { Cell::new(None) };
}

/// Makes the fiber stacks of every store of the engine.
pub(crate) struct Stacks;

// SAFETY: each stack is a fresh, page-aligned, zero-filled mapping with an
// inaccessible guard page below it, that lives as long as wasmtime holds
// the `Stack` (and longer if a VU still holds it).
unsafe impl wasmtime::StackCreator for Stacks {
    fn new_stack(
        &self,
        size: usize,
        _zeroed: bool,
    ) -> Result<Box<dyn wasmtime::StackMemory>, wasmtime::Error> {
        // Fresh anonymous memory is zeroed whether asked or not.
        let mapping = Arc::new(Mapping::new(size)?);
        MADE.set(Some(mapping.clone()));
        Ok(Box::new(Stack(mapping)))
    }
}

/// wasmtime's view of one stack.
struct Stack(Arc<Mapping>);

// SAFETY: the ranges describe the mapping `Stack` keeps alive.
unsafe impl wasmtime::StackMemory for Stack {
    fn top(&self) -> *mut u8 {
        self.0.stack().end as *mut u8
    }

    fn range(&self) -> Range<usize> {
        self.0.stack()
    }

    fn guard_range(&self) -> Range<*mut u8> {
        self.0.base as *mut u8..(self.0.base + self.0.guard) as *mut u8
    }
}

/// The fiber stack a VU's store runs its calls on.
#[derive(Clone)]
pub(crate) struct VuStack(Arc<Mapping>);

/// What [`VuStack::release_below_here`] keeps below its own frame: room
/// for the `madvise` system call it makes from there (rustix issues it
/// inline: a few words of stack) and the ABI's 128-byte red zone, many
/// times over.
const KEEP_BELOW: usize = 4 << 10;

impl VuStack {
    /// Give the stack's resident pages back to the OS; they read as zeros
    /// when next touched. `store` is the store this stack serves: holding
    /// it mutably proves that none of its calls is under way, since each
    /// call's future borrows the store until it is done or dropped (and a
    /// dropped call's fiber has ended).
    pub(crate) fn release<T>(&self, store: &mut wasmtime::Store<T>) {
        let _ = store;
        let stack = self.0.stack();
        // SAFETY: the range is a private anonymous read-write mapping kept
        // alive by `self.0`; no fiber runs or is suspended on it (see
        // above), and wasmtime writes a fresh frame at its top before each
        // call. A failure only leaves the pages resident.
        let _ = unsafe {
            rustix::mm::madvise(stack.start as *mut _, stack.len(), Advice::LinuxDontNeed)
        };
    }
}

impl VuStack {
    /// Whether both are the same stack.
    pub(crate) fn same(a: &Option<VuStack>, b: &Option<VuStack>) -> bool {
        match (a, b) {
            (Some(a), Some(b)) => Arc::ptr_eq(&a.0, &b.0),
            (None, None) => true,
            _ => false,
        }
    }

    /// Give back the pages of this stack below the caller, when the caller
    /// runs on it: a guest asleep in a host call keeps its frames at the
    /// top of the stack, while the pages an earlier, deeper call touched
    /// (an HTTP send) lie unused below. Does nothing when called on
    /// another stack.
    #[inline(never)]
    pub(crate) fn release_below_here(&self) {
        let here = std::hint::black_box(0u8);
        let sp = std::ptr::addr_of!(here) as usize;
        let stack = self.0.stack();
        if !stack.contains(&sp) {
            return;
        }
        let page = self.0.guard;
        let end = sp.saturating_sub(KEEP_BELOW) / page * page;
        if end <= stack.start {
            return;
        }
        // SAFETY: the stack grows down, so everything below this frame is
        // free: no live frame of this or any caller lies there, only the
        // frames this call makes, which `KEEP_BELOW` leaves alone. The
        // range is part of the private read-write mapping `self.0` keeps
        // alive; a page touched again later reads as zeros, as fresh
        // stack memory does.
        let _ = unsafe {
            rustix::mm::madvise(
                stack.start as *mut _,
                end - stack.start,
                Advice::LinuxDontNeed,
            )
        };
    }
}

/// Run `future` (one of a store's calls) and note in `stack` any fiber
/// stack wasmtime makes for it.
///
/// The call is pinned by the caller and borrowed here, not moved in: the
/// future returned is two pointers, so wrapping a call in it (and that in
/// a timeout) copies no state. An `async fn` taking the call by value held
/// it twice, and every layer copied the one below when made: the timeout
/// layer alone was 1,488 bytes, copied on every iteration.
pub(crate) fn watch<'a, F: Future + ?Sized>(
    mut future: Pin<&'a mut F>,
    stack: &'a mut Option<VuStack>,
) -> impl Future<Output = F::Output> + Unpin + 'a {
    std::future::poll_fn(move |cx| {
        // Anything left over was made outside a watched poll; it is not
        // this store's.
        MADE.take();
        let polled = future.as_mut().poll(cx);
        if let Some(made) = MADE.take() {
            *stack = Some(VuStack(made));
        }
        polled
    })
}

#[cfg(test)]
mod tests {
    use std::pin::pin;

    use wasmtime::StackCreator;

    use super::*;
    use crate::memory::resident_pages;

    fn fill(memory: &dyn wasmtime::StackMemory, byte: u8) {
        let range = memory.range();
        // SAFETY: the test owns the stack; no fiber runs on it.
        unsafe { std::ptr::write_bytes(range.start as *mut u8, byte, range.len()) }
    }

    fn all(memory: &dyn wasmtime::StackMemory, byte: u8) -> bool {
        let range = memory.range();
        // SAFETY: as above; the mapping is readable.
        let stack = unsafe { std::slice::from_raw_parts(range.start as *const u8, range.len()) };
        stack.iter().all(|&b| b == byte)
    }

    #[tokio::test]
    async fn a_released_stack_reads_as_zeros_and_stays_usable() {
        let mut slot = None;
        let memory = watch(
            pin!(async { Stacks.new_stack(64 << 10, false).unwrap() }),
            &mut slot,
        )
        .await;
        let range = memory.range();
        assert_eq!(range.len(), 64 << 10);
        assert_eq!(memory.top() as usize, range.end);
        assert_eq!(memory.guard_range().end as usize, range.start);
        assert!(all(&*memory, 0));
        fill(&*memory, 0xA5);

        let vu_stack = slot.expect("the stack made inside the watched poll is noted");
        let mut store = wasmtime::Store::new(&wasmtime::Engine::default(), ());
        vu_stack.release(&mut store);
        assert!(all(&*memory, 0));
        fill(&*memory, 1);
        assert!(all(&*memory, 1));
    }

    #[test]
    fn release_below_here_keeps_what_lies_above_and_ignores_other_stacks() {
        // Called from the test thread's own stack, not this one: nothing
        // happens.
        let memory = Stacks.new_stack(64 << 10, false).unwrap();
        fill(&*memory, 7);
        let stack = MADE.take().map(VuStack).unwrap();
        stack.release_below_here();
        assert!(all(&*memory, 7));
    }

    #[tokio::test]
    async fn a_stack_made_outside_a_watched_poll_is_not_noted() {
        let _outside = Stacks.new_stack(16 << 10, false).unwrap();
        let mut slot = None;
        watch(pin!(async {}), &mut slot).await;
        assert!(slot.is_none());
    }

    /// Whether one byte at `at` can be read, asked of the kernel
    /// (`process_vm_readv` on this process fails where a plain read would
    /// fault).
    #[cfg(target_os = "linux")]
    fn readable(at: usize) -> bool {
        let mut byte = 0u8;
        let local = libc::iovec {
            iov_base: std::ptr::addr_of_mut!(byte).cast(),
            iov_len: 1,
        };
        let remote = libc::iovec {
            iov_base: at as *mut _,
            iov_len: 1,
        };
        // SAFETY: both vectors describe one byte; the kernel checks the
        // remote one and writes only into `byte`.
        unsafe { libc::process_vm_readv(libc::getpid(), &local, 1, &remote, 1, 0) == 1 }
    }

    /// The mapping of `/proc/self/maps` that holds `at`.
    #[cfg(target_os = "linux")]
    fn mapping_of(at: usize) -> Range<usize> {
        let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
        maps.lines()
            .filter_map(|line| {
                let (start, end) = line.split_whitespace().next()?.split_once('-')?;
                let start = usize::from_str_radix(start, 16).ok()?;
                let end = usize::from_str_radix(end, 16).ok()?;
                Some(start..end)
            })
            .find(|range| range.contains(&at))
            .unwrap()
    }

    /// Whether this kernel takes `MADV_POPULATE_WRITE`, asked with a
    /// mapping of the test's own.
    #[cfg(target_os = "linux")]
    fn populate_works() -> bool {
        let page = rustix::param::page_size();
        // SAFETY: a fresh private mapping, used for the probe alone and
        // unmapped right after it.
        unsafe {
            let base = rustix::mm::mmap_anonymous(
                std::ptr::null_mut(),
                page,
                ProtFlags::READ | ProtFlags::WRITE,
                MapFlags::PRIVATE,
            )
            .unwrap();
            let works = rustix::mm::madvise(base, page, Advice::LinuxPopulateWrite).is_ok();
            rustix::mm::munmap(base, page).unwrap();
            works
        }
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_fresh_stack_has_its_first_calls_pages_and_no_more() {
        let memory = Stacks.new_stack(64 << 10, false).unwrap();
        let stack = memory.range();
        let len = populated(stack.len());
        let top = len / rustix::param::page_size();
        assert!(len >= FIRST_CALL && top > 0);
        let resident = resident_pages(stack.clone());
        if populate_works() {
            assert_eq!(resident, top);
            assert_eq!(resident_pages(stack.end - len..stack.end), top);
        } else {
            // A kernel before 5.14: the pages fault in as they are used.
            assert_eq!(resident, 0);
        }
        assert!(all(&*memory, 0));

        // Released, the stack holds none of them.
        let vu_stack = VuStack(Arc::new(Mapping::new(64 << 10).unwrap()));
        let mut store = wasmtime::Store::new(&wasmtime::Engine::default(), ());
        vu_stack.release(&mut store);
        assert_eq!(resident_pages(vu_stack.0.stack()), 0);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_stack_has_an_unreadable_guard_and_is_one_mapping_with_light_guards() {
        let memory = Stacks.new_stack(64 << 10, false).unwrap();
        let guard = memory.guard_range();
        let (guard, stack) = (guard.start as usize, memory.range());
        assert!(!readable(guard), "the guard page can be read");
        assert!(readable(stack.start) && readable(stack.end - 1));
        let holding_stack = mapping_of(stack.start);
        if light_guards() {
            // The guard did not split the mapping: guard and stack lie in
            // one, which the kernel may have merged with its neighbours.
            assert!(holding_stack.contains(&guard), "{holding_stack:x?}");
        } else {
            assert_eq!(holding_stack.start, stack.start);
        }
        // A stack released and used again keeps its guard.
        let vu_stack = VuStack(Arc::new(Mapping::new(64 << 10).unwrap()));
        let mut store = wasmtime::Store::new(&wasmtime::Engine::default(), ());
        vu_stack.release(&mut store);
        assert!(!readable(vu_stack.0.base));
        assert!(readable(vu_stack.0.stack().start));
    }
}
