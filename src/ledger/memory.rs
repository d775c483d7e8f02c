//! Large buffers backed by huge pages where the system allows it: a buffer of hundreds of
//! megabytes then costs a few hundred page faults instead of tens of thousands.

/// Asks the system to back the buffer of `v` with huge pages (transparent huge pages, Linux).
/// Only advice: nothing changes when the system declines.
pub(crate) fn huge_pages<T>(v: &Vec<T>) {
    #[cfg(target_os = "linux")]
    {
        const HUGE: usize = 2 << 20;
        let start = v.as_ptr() as usize;
        let end = start + v.capacity() * std::mem::size_of::<T>();
        let (from, to) = (start.div_ceil(HUGE) * HUGE, end / HUGE * HUGE);
        if from < to {
            // SAFETY: madvise with MADV_HUGEPAGE only changes how the kernel backs these pages of
            // the vector's own allocation; it never changes their contents.
            unsafe {
                libc::madvise(from as *mut libc::c_void, to - from, libc::MADV_HUGEPAGE);
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = v;
}

/// Starts fetching the cache line of `item`, to be read soon: a look-up whose place is known
/// some steps ahead (the next record's account, the account of an event further on in a replay)
/// then does not wait for memory.
#[inline]
pub(crate) fn prefetch<T>(item: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is only a hint to the cache: it never reads into the program, and it
    // does not fault even on an invalid address (this one is a valid reference anyway). SSE,
    // which it needs, is part of every x86-64 processor.
    unsafe {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        _mm_prefetch::<_MM_HINT_T0>((item as *const T).cast::<i8>());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = item;
}
