//! Linear memories made by throng: always in the compact layout, and in
//! the fast one when every journey is laid out stack first
//! ([`crate::HostOptions::stack_first`]).
//!
//! In the compact layout ([`crate::MemoryLayout::Compact`]) a linear
//! memory is one mapping of its own size. wasmtime's own memory of that
//! kind grows by mapping a larger region and copying the old one into it,
//! and the copy makes every page of the old size resident: a guest whose
//! heap outgrows its first megabyte would then hold its whole shadow
//! stack region. throng's memories ([`Memories`]) grow with `mremap`,
//! which moves the pages the guest touched and nothing else. In the fast
//! layout a memory is wasmtime's reservation and guard, inaccessible past
//! the memory's size and grown in place with `mprotect`; its data is
//! copied in, since such a memory cannot take a copy-on-write image.
//!
//! Knowing where each VU's memory lies lets a VU about to think give back
//! its guest's stack pages too ([`VuMemory::release_stack`]), as it gives
//! back its fiber stack (`stacks.rs`). Between calls the guest's shadow
//! stack, in its linear memory, holds nothing: the stack pointer is back
//! at its top. Where that stack lies is read from the module
//! ([`StackRegion::find`]); which memory is a VU's is learnt when wasmtime
//! makes it, inside a poll of the VU's instantiation ([`watch`]).
#![allow(unsafe_code)]

use std::cell::Cell;
use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rustix::mm::{Advice, MapFlags, MprotectFlags, MremapFlags, ProtFlags};
use wasmparser::{Name, Parser, Payload, TypeRef, ValType};

/// One linear memory's mapping, wherever it lies now: `mremap` may move
/// it when it grows, unless it was made with a reservation.
struct Mapping {
    base: AtomicUsize,
    /// Bytes readable and writable from the base, a multiple of the host
    /// page.
    mapped: AtomicUsize,
    /// Bytes reserved from the base (the fast layout's reservation, the
    /// memory's most), 0 when the mapping moves to grow (the compact
    /// layout's).
    reserved: usize,
    /// Inaccessible bytes after the reservation.
    guard: usize,
}

impl Mapping {
    /// A read-write mapping of `len` bytes; with a `reserved` size it is
    /// the start of an inaccessible reservation of that size plus `guard`
    /// bytes, and grows in place.
    fn new(len: usize, reserved: usize, guard: usize) -> std::io::Result<Mapping> {
        let mapped = round_up(len.max(1));
        let (base, reserved, guard) = if reserved == 0 {
            // SAFETY: a fresh anonymous mapping at an address of the
            // kernel's choosing aliases nothing.
            let base = unsafe {
                rustix::mm::mmap_anonymous(
                    std::ptr::null_mut(),
                    mapped,
                    ProtFlags::READ | ProtFlags::WRITE,
                    MapFlags::PRIVATE | MapFlags::NORESERVE,
                )?
            };
            (base, 0, 0)
        } else {
            let reserved = round_up(reserved.max(mapped));
            let guard = round_up(guard);
            // SAFETY: as above, all of it inaccessible until made
            // read-write below.
            let base = unsafe {
                rustix::mm::mmap_anonymous(
                    std::ptr::null_mut(),
                    reserved + guard,
                    ProtFlags::empty(),
                    MapFlags::PRIVATE | MapFlags::NORESERVE,
                )?
            };
            // SAFETY: `[base, base + mapped)` lies in the reservation just
            // made, which nothing else knows of yet.
            if let Err(e) = unsafe {
                rustix::mm::mprotect(base, mapped, MprotectFlags::READ | MprotectFlags::WRITE)
            } {
                // SAFETY: the reservation is ours alone.
                let _ = unsafe { rustix::mm::munmap(base, reserved + guard) };
                return Err(e.into());
            }
            (base, reserved, guard)
        };
        Ok(Mapping {
            base: AtomicUsize::new(base as usize),
            mapped: AtomicUsize::new(mapped),
            reserved,
            guard,
        })
    }

    fn base(&self) -> usize {
        self.base.load(Ordering::Acquire)
    }

    /// Bytes the memory may grow to without moving.
    fn capacity(&self) -> usize {
        if self.reserved == 0 {
            self.mapped.load(Ordering::Acquire)
        } else {
            self.reserved
        }
    }

    /// Make at least `len` bytes readable and writable; a mapping without
    /// a reservation may move.
    fn grow(&self, len: usize) -> std::io::Result<()> {
        let mapped = self.mapped.load(Ordering::Acquire);
        if len <= mapped {
            return Ok(());
        }
        let new = round_up(len);
        if self.reserved != 0 {
            if new > self.reserved {
                return Err(std::io::ErrorKind::OutOfMemory.into());
            }
            // SAFETY: `[base + mapped, base + new)` lies in this memory's
            // own reservation, inaccessible until now.
            unsafe {
                rustix::mm::mprotect(
                    (self.base() + mapped) as *mut _,
                    new - mapped,
                    MprotectFlags::READ | MprotectFlags::WRITE,
                )?
            };
            self.mapped.store(new, Ordering::Release);
            return Ok(());
        }
        // SAFETY: the mapping is ours and wasmtime, which asked for the
        // growth, holds no pointer into it across the call: it reloads the
        // base afterwards. The pages past the old end are zero-filled.
        let moved = unsafe {
            rustix::mm::mremap(self.base() as *mut _, mapped, new, MremapFlags::MAYMOVE)?
        };
        self.base.store(moved as usize, Ordering::Release);
        self.mapped.store(new, Ordering::Release);
        Ok(())
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        let len = if self.reserved == 0 {
            self.mapped.load(Ordering::Acquire)
        } else {
            self.reserved + self.guard
        };
        // SAFETY: this is the mapping's last owner: wasmtime's memory and
        // the VU are both gone.
        let _ = unsafe { rustix::mm::munmap(self.base() as *mut _, len) };
    }
}

fn round_up(len: usize) -> usize {
    let page = rustix::param::page_size();
    len.div_ceil(page) * page
}

thread_local! {
    /// The memories wasmtime made on this thread since [`watch`] last
    /// looked, and the last of them.
    static MADE: Cell<(usize, Option<Arc<Mapping>>)> = const { Cell::new((0, None)) };
}

/// Makes the linear memories of every store in the compact layout, and
/// in the fast one when every journey lays its memory out stack first.
pub(crate) struct Memories;

// SAFETY: each memory is a fresh, zero-filled, read-write mapping of at
// least the size asked. Asked for no reservation (the compact layout), it
// has no guard region after it and may move, which is what that
// configuration tells the compiled code to expect: it checks bounds
// itself and reloads the base after a growth. Asked for a reservation
// (the fast layout), the mapping reserves that many bytes plus the guard,
// inaccessible past the memory's size, and never moves, so the compiled
// code may leave out the bounds checks the reservation and guard cover.
unsafe impl wasmtime::MemoryCreator for Memories {
    fn new_memory(
        &self,
        _ty: wasmtime::MemoryType,
        minimum: usize,
        _maximum: Option<usize>,
        reserved_size_in_bytes: Option<usize>,
        guard_size_in_bytes: usize,
    ) -> Result<Box<dyn wasmtime::LinearMemory>, String> {
        let reserved = reserved_size_in_bytes.unwrap_or(0);
        if reserved == 0 && guard_size_in_bytes != 0 {
            return Err(format!(
                "throng's memories have a guard region only after a reservation \
                 (asked: a {guard_size_in_bytes}-byte guard and no reservation)"
            ));
        }
        let mapping = Arc::new(
            Mapping::new(minimum, reserved, guard_size_in_bytes).map_err(|e| e.to_string())?,
        );
        let (count, _) = MADE.take();
        MADE.set((count + 1, Some(mapping.clone())));
        Ok(Box::new(Memory {
            mapping,
            len: minimum,
        }))
    }
}

/// wasmtime's view of one memory.
struct Memory {
    mapping: Arc<Mapping>,
    /// Bytes the guest may use.
    len: usize,
}

// SAFETY: `as_ptr` and `byte_capacity` describe the mapping as it is now;
// `grow_to` changes them only when wasmtime asks.
unsafe impl wasmtime::LinearMemory for Memory {
    fn byte_size(&self) -> usize {
        self.len
    }

    fn byte_capacity(&self) -> usize {
        self.mapping.capacity()
    }

    fn grow_to(&mut self, new_size: usize) -> wasmtime::Result<()> {
        self.mapping.grow(new_size)?;
        self.len = new_size;
        Ok(())
    }

    fn as_ptr(&self) -> *mut u8 {
        self.mapping.base() as *mut u8
    }
}

/// A VU's linear memory, when throng made it.
#[derive(Clone)]
pub(crate) struct VuMemory(Arc<Mapping>);

impl VuMemory {
    /// Give back the pages of the guest's shadow stack that lie wholly in
    /// `region`; they read as zeros when next touched, as fresh stack
    /// does. `store` is the store this memory belongs to: holding it
    /// mutably proves that none of its calls is under way (each call's
    /// future borrows the store until it is done or dropped, and a dropped
    /// call poisons the VU), so the guest's stack pointer is back at the
    /// top of its stack and nothing below it is live.
    pub(crate) fn release_stack<T>(&self, region: StackRegion, store: &mut wasmtime::Store<T>) {
        let _ = store;
        let page = rustix::param::page_size();
        let mapped = self.0.mapped.load(Ordering::Acquire);
        let end = (region.top as usize).min(mapped) / page * page;
        if end == 0 {
            return;
        }
        // SAFETY: `[base, base + end)` lies in the private read-write
        // mapping `self.0` keeps alive, and holds only the guest's stack,
        // dead between calls (above).
        let _ = unsafe { rustix::mm::madvise(self.0.base() as *mut _, end, Advice::LinuxDontNeed) };
    }
}

#[cfg(test)]
impl VuMemory {
    /// The memory's accessible bytes and how many of its host pages are
    /// resident.
    pub(crate) fn resident(&self) -> (usize, usize) {
        let mapped = self.0.mapped.load(Ordering::Acquire);
        let base = self.0.base();
        (mapped, resident_pages(base..base + mapped))
    }
}

/// How many of the host pages in `range` are resident (`mincore`).
///
/// # Panics
/// When `range` is not page-aligned mapped memory.
#[cfg(test)]
pub(crate) fn resident_pages(range: std::ops::Range<usize>) -> usize {
    let page = rustix::param::page_size();
    let mut pages = vec![0u8; range.len().div_ceil(page)];
    // SAFETY: the kernel checks that `range` is mapped and writes only
    // `pages`, which has one byte per page of it.
    let done = unsafe { libc::mincore(range.start as *mut _, range.len(), pages.as_mut_ptr()) };
    assert_eq!(done, 0, "mincore: {}", std::io::Error::last_os_error());
    pages.iter().filter(|p| *p & 1 == 1).count()
}

/// Run `future` (a store's instantiation) and note in `memory` the linear
/// memory wasmtime makes for it, when it makes exactly one.
pub(crate) async fn watch<F: Future>(future: F, memory: &mut Option<VuMemory>) -> F::Output {
    let mut future = pin!(future);
    let mut made = 0;
    let mut last = None;
    let output = std::future::poll_fn(|cx| {
        // Anything left over was made outside a watched poll; it is not
        // this store's.
        MADE.take();
        let polled = future.as_mut().poll(cx);
        let (count, mapping) = MADE.take();
        made += count;
        if mapping.is_some() {
            last = mapping;
        }
        polled
    })
    .await;
    *memory = (made == 1).then(|| last.map(VuMemory)).flatten();
    output
}

/// Where a guest keeps its shadow stack: the bytes `[0, top)` of its
/// memory, with its stack pointer at `top` between calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StackRegion {
    /// The stack pointer's value between calls.
    pub top: u32,
}

impl StackRegion {
    /// The stack region of a component whose one linear memory is laid
    /// out stack first, as Rust's and wasm-ld's `--stack-first` lay it
    /// out: the module defining the memory has a global named
    /// `__stack_pointer` (mutable, `i32`, a constant start), and every
    /// data segment lies at or above that start, so nothing but the stack
    /// lives below it. `None` for any other layout (a snapshot whose data
    /// reaches into the stack, a memory shared by several modules, no
    /// names), or when the bytes do not parse.
    pub(crate) fn find(component: &[u8]) -> Option<StackRegion> {
        let mut modules: Vec<Module> = Vec::new();
        let mut found = None;
        let mut memories = 0;
        for payload in Parser::new(0).parse_all(component) {
            match payload.ok()? {
                Payload::Version {
                    encoding: wasmparser::Encoding::Module,
                    ..
                } => modules.push(Module::default()),
                Payload::ImportSection(imports) => {
                    if let Some(module) = modules.last_mut() {
                        for import in imports.into_imports() {
                            match import.ok()?.ty {
                                TypeRef::Global(_) => module.imported_globals += 1,
                                TypeRef::Memory(_) => module.imported_memory = true,
                                _ => {}
                            }
                        }
                    }
                }
                Payload::MemorySection(section) => {
                    if let Some(module) = modules.last_mut() {
                        module.memories += section.count();
                    }
                }
                Payload::GlobalSection(section) => {
                    if let Some(module) = modules.last_mut() {
                        for global in section {
                            let global = global.ok()?;
                            let start = match global.init_expr.get_operators_reader().read() {
                                Ok(wasmparser::Operator::I32Const { value }) => Some(value),
                                _ => None,
                            };
                            let stack_like =
                                global.ty.mutable && global.ty.content_type == ValType::I32;
                            module.globals.push(start.filter(|_| stack_like));
                        }
                    }
                }
                Payload::DataSection(section) => {
                    if let Some(module) = modules.last_mut() {
                        for data in section {
                            let lowest = match data.ok()?.kind {
                                wasmparser::DataKind::Active {
                                    memory_index: 0,
                                    offset_expr,
                                } => match offset_expr.get_operators_reader().read() {
                                    Ok(wasmparser::Operator::I32Const { value }) => value,
                                    _ => -1,
                                },
                                _ => -1,
                            };
                            module.lowest_data =
                                Some(module.lowest_data.map_or(lowest, |l: i32| l.min(lowest)));
                        }
                    }
                }
                Payload::CustomSection(section) if section.name() == "name" => {
                    if let (Some(module), wasmparser::KnownCustom::Name(names)) =
                        (modules.last_mut(), section.as_known())
                    {
                        for name in names {
                            if let Ok(Name::Global(map)) = name {
                                for naming in map.into_iter().flatten() {
                                    if naming.name == "__stack_pointer" {
                                        module.stack_pointer = Some(naming.index);
                                    }
                                }
                            }
                        }
                    }
                }
                Payload::End(_) => {
                    // The end of a module or of a component: only a module
                    // was pushed.
                    let Some(module) = modules.pop() else {
                        continue;
                    };
                    memories += module.memories;
                    if module.imported_memory {
                        return None;
                    }
                    if module.memories > 0 {
                        found = module.stack_region();
                    }
                }
                _ => {}
            }
        }
        if memories == 1 { found } else { None }
    }
}

/// What [`StackRegion::find`] learns of one core module.
#[derive(Default)]
struct Module {
    imported_globals: u32,
    imported_memory: bool,
    memories: u32,
    /// Each defined global's constant start, when it is a mutable `i32`.
    globals: Vec<Option<i32>>,
    /// The lowest start of a data segment; -1 when one is not an active
    /// segment of memory 0 at a constant offset.
    lowest_data: Option<i32>,
    /// The index of the global named `__stack_pointer`.
    stack_pointer: Option<u32>,
}

impl Module {
    fn stack_region(&self) -> Option<StackRegion> {
        let index = self.stack_pointer?.checked_sub(self.imported_globals)?;
        let top = (*self.globals.get(index as usize)?)?;
        let top = u32::try_from(top).ok().filter(|&t| t > 0)?;
        match self.lowest_data {
            Some(lowest) if u32::try_from(lowest).map_or(true, |l| l < top) => None,
            _ => Some(StackRegion { top }),
        }
    }
}

#[cfg(test)]
mod tests {
    use wasmtime::{LinearMemory, MemoryCreator, MemoryType};

    use super::*;

    fn make(len: usize) -> (Box<dyn LinearMemory>, VuMemory) {
        MADE.take();
        let memory = Memories
            .new_memory(MemoryType::new(1, None), len, None, Some(0), 0)
            .unwrap();
        let (count, mapping) = MADE.take();
        assert_eq!(count, 1);
        (memory, VuMemory(mapping.unwrap()))
    }

    fn bytes(memory: &dyn LinearMemory) -> &[u8] {
        // SAFETY: the test owns the memory and no guest runs in it.
        unsafe { std::slice::from_raw_parts(memory.as_ptr(), memory.byte_size()) }
    }

    fn write(memory: &mut dyn LinearMemory, at: usize, data: &[u8]) {
        assert!(at + data.len() <= memory.byte_size());
        // SAFETY: as above, and the range is inside the memory.
        unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), memory.as_ptr().add(at), data.len()) }
    }

    #[test]
    fn a_memory_grows_keeping_its_contents_and_zeroing_the_rest() {
        let (mut memory, _vu) = make(64 << 10);
        assert_eq!(memory.byte_size(), 64 << 10);
        assert!(bytes(&*memory).iter().all(|&b| b == 0));
        write(&mut *memory, 0, b"first");
        write(&mut *memory, (64 << 10) - 4, b"last");
        // Far past the first mapping, so that it has to move or extend.
        memory.grow_to(16 << 20).unwrap();
        assert_eq!(memory.byte_size(), 16 << 20);
        assert!(memory.byte_capacity() >= 16 << 20);
        let now = bytes(&*memory);
        assert_eq!(&now[..5], b"first");
        assert_eq!(&now[(64 << 10) - 4..64 << 10], b"last");
        assert!(now[64 << 10..].iter().all(|&b| b == 0));
        write(&mut *memory, (16 << 20) - 1, b"!");
    }

    #[test]
    fn releasing_the_stack_zeroes_only_the_stack_region() {
        let (mut memory, vu) = make(128 << 10);
        write(&mut *memory, 0, &[0xA5; 128 << 10]);
        let mut store = wasmtime::Store::new(&wasmtime::Engine::default(), ());
        // A top that is not page-aligned keeps the page it lies in.
        let page = rustix::param::page_size();
        vu.release_stack(
            StackRegion {
                top: (64 << 10) + 100,
            },
            &mut store,
        );
        let now = bytes(&*memory);
        assert!(now[..64 << 10].iter().all(|&b| b == 0));
        assert!(now[64 << 10..].iter().all(|&b| b == 0xA5));
        // After a growth the release follows the memory where it moved.
        memory.grow_to(8 << 20).unwrap();
        write(&mut *memory, 0, &[1; 4096]);
        vu.release_stack(StackRegion { top: page as u32 }, &mut store);
        let now = bytes(&*memory);
        assert!(now[..page].iter().all(|&b| b == 0));
        assert!(now[64 << 10..128 << 10].iter().all(|&b| b == 0xA5));
    }

    #[test]
    fn a_guard_without_a_reservation_is_refused() {
        let ty = MemoryType::new(1, None);
        assert!(Memories.new_memory(ty, 65536, None, Some(0), 4096).is_err());
    }

    /// The fast layout's memory: 64 KiB usable of a 1 MiB reservation and
    /// a 64 KiB guard. It grows in place up to the reservation and no
    /// further; its stack is given back as the compact layout's is.
    #[test]
    fn a_reserved_memory_grows_in_place_up_to_its_reservation() {
        MADE.take();
        let mut memory = Memories
            .new_memory(
                MemoryType::new(1, None),
                64 << 10,
                None,
                Some(1 << 20),
                64 << 10,
            )
            .unwrap();
        let (_, mapping) = MADE.take();
        let vu = VuMemory(mapping.unwrap());
        assert_eq!(memory.byte_size(), 64 << 10);
        assert_eq!(memory.byte_capacity(), 1 << 20);
        let base = memory.as_ptr();
        write(&mut *memory, 0, &[0xA5; 64 << 10]);
        memory.grow_to(512 << 10).unwrap();
        assert_eq!(memory.as_ptr(), base, "grown in place");
        let now = bytes(&*memory);
        assert!(now[..64 << 10].iter().all(|&b| b == 0xA5));
        assert!(now[64 << 10..].iter().all(|&b| b == 0));
        write(&mut *memory, (512 << 10) - 1, b"!");
        assert!(memory.grow_to((1 << 20) + 4096).is_err());
        memory.grow_to(1 << 20).unwrap();
        let mut store = wasmtime::Store::new(&wasmtime::Engine::default(), ());
        vu.release_stack(StackRegion { top: 32 << 10 }, &mut store);
        let now = bytes(&*memory);
        assert!(now[..32 << 10].iter().all(|&b| b == 0));
        assert!(now[32 << 10..64 << 10].iter().all(|&b| b == 0xA5));
    }

    #[tokio::test]
    async fn watch_notes_one_memory_and_no_more() {
        let mut slot = None;
        let memory = watch(async { make_unwatched(65536) }, &mut slot).await;
        assert!(slot.is_some());
        drop(memory);
        let mut slot = None;
        watch(
            async { (make_unwatched(65536), make_unwatched(65536)) },
            &mut slot,
        )
        .await;
        assert!(
            slot.is_none(),
            "two memories: which is the stack's is unknown"
        );
        let _outside = make_unwatched(65536);
        let mut slot = None;
        watch(async {}, &mut slot).await;
        assert!(slot.is_none(), "made outside the watched poll");
    }

    fn make_unwatched(len: usize) -> Box<dyn LinearMemory> {
        Memories
            .new_memory(MemoryType::new(1, None), len, None, Some(0), 0)
            .unwrap()
    }

    const QUICK_GET: &[u8] = include_bytes!("../../throng-cli/assets/quick-get.wasm");

    #[test]
    fn the_stack_region_of_a_rust_journey_is_found() {
        // quick-get's build script asks for a stack 4 KiB short of its
        // 17-page initial memory (Rust's default is 1 MiB).
        assert_eq!(
            StackRegion::find(QUICK_GET),
            Some(StackRegion {
                top: 17 * 65536 - 4096
            }),
            "Rust lays out the stack first"
        );
        assert_eq!(StackRegion::find(b"\0asm\x0d\0\x01\0garbage"), None);
        assert_eq!(StackRegion::find(b""), None);
    }

    /// What the core module defining a component's memory lays out in it:
    /// the initial size, the data segments' span and `__heap_base`.
    #[derive(Debug, Default)]
    struct Layout {
        memory_end: u64,
        data: Option<(u32, u32)>,
        heap_base: Option<u32>,
    }

    fn layout(component: &[u8]) -> Layout {
        let mut layout = Layout::default();
        // The current module's globals, imported ones first, and whether it
        // defines the memory.
        let mut globals = Vec::new();
        let mut defines_memory = false;
        for payload in Parser::new(0).parse_all(component) {
            match payload.unwrap() {
                Payload::Version {
                    encoding: wasmparser::Encoding::Module,
                    ..
                } => {
                    globals.clear();
                    defines_memory = false;
                }
                Payload::ImportSection(imports) => {
                    for import in imports.into_imports() {
                        if let TypeRef::Global(_) = import.unwrap().ty {
                            globals.push(None);
                        }
                    }
                }
                Payload::MemorySection(section) => {
                    let memory = section.into_iter().next().unwrap().unwrap();
                    layout.memory_end = memory.initial * 65536;
                    defines_memory = true;
                }
                Payload::GlobalSection(section) => {
                    for global in section {
                        let init = global.unwrap().init_expr.get_operators_reader().read();
                        globals.push(match init {
                            Ok(wasmparser::Operator::I32Const { value }) => Some(value as u32),
                            _ => None,
                        });
                    }
                }
                Payload::DataSection(section) => {
                    for data in section {
                        let data = data.unwrap();
                        let wasmparser::DataKind::Active { offset_expr, .. } = data.kind else {
                            continue;
                        };
                        let Ok(wasmparser::Operator::I32Const { value }) =
                            offset_expr.get_operators_reader().read()
                        else {
                            continue;
                        };
                        let (start, end) = (value as u32, value as u32 + data.data.len() as u32);
                        layout.data = Some(
                            layout
                                .data
                                .map_or((start, end), |(s, e)| (s.min(start), e.max(end))),
                        );
                    }
                }
                Payload::CustomSection(section) if defines_memory && section.name() == "name" => {
                    if let wasmparser::KnownCustom::Name(names) = section.as_known() {
                        for name in names {
                            if let Ok(Name::Global(map)) = name {
                                for naming in map.into_iter().flatten() {
                                    // wasm-ld names it `GOT.data.internal.__heap_base`
                                    // in the relocatable code Rust's components use.
                                    if naming.name.trim_start_matches("GOT.data.internal.")
                                        == "__heap_base"
                                    {
                                        layout.heap_base =
                                            globals.get(naming.index as usize).copied().flatten();
                                    }
                                }
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        layout
    }

    /// A resting quick-get VU keeps, of its linear memory, only the pages it
    /// wrote above the stack: its data, the heap's first chunk and the
    /// allocator's footer at the end of the initial memory. Its build
    /// script sizes the stack so that all of them lie in the last host page
    /// (8 KiB less per VU than Rust's default layout, BENCHMARKS.md); that
    /// the resting heap fits there is checked by running a VU
    /// (`a_resting_quick_get_vu_keeps_one_page_of_its_memory`, `vu.rs`).
    #[test]
    fn bundled_quick_get_lays_its_data_in_the_last_page() {
        let page = 4096;
        let top = StackRegion::find(QUICK_GET).unwrap().top;
        let Layout {
            memory_end,
            data,
            heap_base,
        } = layout(QUICK_GET);
        let (data_start, data_end) = data.unwrap();
        let heap_base = heap_base.expect("a global named __heap_base");
        assert_eq!(data_start, top, "the data lies right above the stack");
        assert!(
            top.is_multiple_of(page),
            "the stack ends on a page boundary"
        );
        assert!(data_end <= heap_base);
        assert_eq!(
            memory_end - u64::from(top),
            u64::from(page),
            "the data and the initial heap take the last page of the initial \
             memory ({memory_end} bytes); set quick-get's stack size \
             (crates/throng-cli/quick-get/build.rs) to the memory less 4 KiB"
        );
        assert!(
            u64::from(heap_base) < memory_end,
            "quick-get's data ({data_start}..{data_end}) outgrew the last page"
        );
    }

    fn leb(mut n: u32, out: &mut Vec<u8>) {
        loop {
            let byte = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                out.push(byte);
                return;
            }
            out.push(byte | 0x80);
        }
    }

    fn section(id: u8, body: &[u8], out: &mut Vec<u8>) {
        out.push(id);
        leb(body.len() as u32, out);
        out.extend_from_slice(body);
    }

    /// `i32.const n; end` for small positive `n` (two-byte signed LEB).
    fn const_expr(n: u32, out: &mut Vec<u8>) {
        assert!(n < 1 << 20);
        out.push(0x41);
        out.extend_from_slice(&[
            (n & 0x7f) as u8 | 0x80,
            ((n >> 7) & 0x7f) as u8 | 0x80,
            (n >> 14) as u8,
        ]);
        out.push(0x0b);
    }

    /// A core module with one memory, one mutable `i32` global starting at
    /// `top` (named `global_name`), and one data segment at `data_at`.
    fn module(top: u32, data_at: u32, global_name: &str) -> Vec<u8> {
        let mut m = b"\0asm\x01\0\0\0".to_vec();
        section(5, &[1, 0, 17], &mut m);
        let mut globals = vec![1, 0x7f, 1];
        const_expr(top, &mut globals);
        section(6, &globals, &mut m);
        let mut data = vec![1, 0];
        const_expr(data_at, &mut data);
        data.extend_from_slice(&[1, 42]);
        section(11, &data, &mut m);
        let mut names = vec![4];
        names.extend_from_slice(b"name");
        let mut map = vec![1, 0];
        leb(global_name.len() as u32, &mut map);
        map.extend_from_slice(global_name.as_bytes());
        section(7, &map, &mut names);
        section(0, &names, &mut m);
        m
    }

    #[test]
    fn only_a_stack_first_layout_with_a_named_stack_pointer_gives_a_region() {
        let top = 64 << 10;
        assert_eq!(
            StackRegion::find(&module(top, top + 16, "__stack_pointer")),
            Some(StackRegion { top })
        );
        // Data below the stack's top (a snapshot, or data laid out first):
        // the region below the top is not all stack.
        assert_eq!(
            StackRegion::find(&module(top, 1024, "__stack_pointer")),
            None
        );
        // No global is known to be the stack pointer.
        assert_eq!(StackRegion::find(&module(top, top + 16, "counter")), None);
    }
}
