//! The media thread's heap: what the SFU holds per visit. The peers (the load) run in
//! this process too, so the process's resident memory mixes both; this counts, with a
//! counting allocator, the bytes allocated and not yet freed by the media thread alone
//! (a buffer it allocates and another thread frees still counts, and the reverse; the
//! only such hand-overs are an admission's SDP offer and answer, a few kilobytes per
//! peer).

#![allow(unsafe_code, reason = "a GlobalAlloc implementation; see Cargo.toml")]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicI32, AtomicI64, Ordering};

/// The media thread being counted (its Linux thread id); 0: none.
static COUNTED: AtomicI32 = AtomicI32::new(0);
/// Bytes the counted thread holds (allocated minus freed, since counting began).
static HELD: AtomicI64 = AtomicI64::new(0);

thread_local! {
    /// This thread's id, read once (a const thread-local allocates nothing).
    static TID: Cell<i32> = const { Cell::new(0) };
}

fn on_counted_thread() -> bool {
    let counted = COUNTED.load(Ordering::Relaxed);
    if counted == 0 {
        return false;
    }
    TID.try_with(|t| {
        if t.get() == 0 {
            // SAFETY: gettid has no preconditions.
            t.set(unsafe { libc::gettid() });
        }
        t.get() == counted
    })
    .unwrap_or(false)
}

fn count(delta: i64) {
    if on_counted_thread() {
        HELD.fetch_add(delta, Ordering::Relaxed);
    }
}

/// The system allocator, counting the media thread's bytes.
pub struct Counting;

// SAFETY: every call goes to the system allocator unchanged; counting only adds.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract is passed on.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            count(layout.size() as i64);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract is passed on.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            count(layout.size() as i64);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        count(-(layout.size() as i64));
        // SAFETY: the caller's contract is passed on.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract is passed on.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            count(new_size as i64 - layout.size() as i64);
        }
        p
    }
}

/// Starts counting the thread with Linux thread id `tid` from zero.
pub(super) fn count_thread(tid: i32) {
    HELD.store(0, Ordering::Relaxed);
    COUNTED.store(tid, Ordering::Relaxed);
}

/// Bytes the counted thread holds now.
pub(super) fn held() -> i64 {
    HELD.load(Ordering::Relaxed)
}

/// This process's resident memory (Linux), in bytes.
pub(super) fn resident() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .split_whitespace()
        .next()?
        .parse::<u64>()
        .ok()?;
    Some(kb * 1024)
}
