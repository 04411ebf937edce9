//! The global allocator: mimalloc, entered the way its plain `malloc` callers enter it.
//!
//! The `mimalloc` crate hands every request to `mi_malloc_aligned`. In mimalloc 3 that takes a
//! slow, over-allocating path whenever the block size is not a power of two (a 48-byte node gets
//! a 64-byte block), which is most of a syntax tree (upstream: purpleprotocol/mimalloc_rust#170).
//! A request whose alignment a plain block already has goes to `mi_malloc` instead.

use std::alloc::{GlobalAlloc, Layout};
use std::ffi::c_void;

use libmimalloc_sys as mi;

/// Alignment of every mimalloc block whose size is a multiple of it, up to 16 bytes: size
/// classes are multiples of 8 (of 16 above 16) and pages start 16-aligned.
const PLAIN_ALIGN: usize = 16;

pub struct MiMalloc;

fn plain(size: usize, align: usize) -> bool {
    align <= PLAIN_ALIGN && size >= align && size.is_multiple_of(align)
}

// SAFETY: every block comes from mimalloc and goes back to it (`mi_free` takes blocks of the
// plain and the aligned entry points alike); `plain` sends a request to an entry point without
// an alignment argument only when mimalloc's size classes already give that alignment.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for MiMalloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if plain(layout.size(), layout.align()) {
            unsafe { mi::mi_malloc(layout.size()) as *mut u8 }
        } else {
            unsafe { mi::mi_malloc_aligned(layout.size(), layout.align()) as *mut u8 }
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if plain(layout.size(), layout.align()) {
            unsafe { mi::mi_zalloc(layout.size()) as *mut u8 }
        } else {
            unsafe { mi::mi_zalloc_aligned(layout.size(), layout.align()) as *mut u8 }
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        unsafe { mi::mi_free(ptr as *mut c_void) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if plain(new_size, layout.align()) {
            unsafe { mi::mi_realloc(ptr as *mut c_void, new_size) as *mut u8 }
        } else {
            unsafe {
                mi::mi_realloc_aligned(ptr as *mut c_void, new_size, layout.align()) as *mut u8
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_have_the_alignment_asked_for() {
        let a = MiMalloc;
        for align in [1, 2, 4, 8, 16, 32, 64, 4096] {
            for size in [align, 3 * align, 5 * align, 48, 1000, 70_000] {
                let Ok(layout) = Layout::from_size_align(size, align) else {
                    continue;
                };
                // SAFETY: a non-zero layout, freed with the allocator it came from.
                #[allow(unsafe_code)]
                unsafe {
                    let p = a.alloc(layout);
                    assert!(!p.is_null());
                    assert_eq!(p as usize % align, 0, "size {size} align {align}");
                    let q = a.realloc(p, layout, size * 2 + align);
                    assert_eq!(q as usize % align, 0, "grown {size} align {align}");
                    a.dealloc(q, layout);
                    let z = a.alloc_zeroed(layout);
                    assert!(std::slice::from_raw_parts(z, size).iter().all(|b| *b == 0));
                    a.dealloc(z, layout);
                }
            }
        }
    }
}
