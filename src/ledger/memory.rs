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
