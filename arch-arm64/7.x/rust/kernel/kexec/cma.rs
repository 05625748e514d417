// SPDX-License-Identifier: GPL-2.0

//! CMA placement of kexec segments.
//!
//! `kexec_add_buffer()` first tries to give a segment a block of the CMA area
//! (`kexec_alloc_contig()`), recorded in `kimage::segment_cma[]`, and only then walks RAM for a
//! hole. The kexec core releases these blocks for the segments it counts (`nr_segments`), so a
//! loader that gives a segment up must release its block itself.

use crate::bindings;
use core::ptr::NonNull;

/// Control over CMA placement while an arm64 kernel segment is placed.
///
/// # Invariants
///
/// `image` points to a valid kimage that the [`super::Kimage`] that made this value uses
/// exclusively; `saved_no_cma` is what user space asked for (`KEXEC_FILE_NO_CMA`), restored on
/// drop.
pub(super) struct Placement {
    image: NonNull<bindings::kimage>,
    saved_no_cma: bool,
}

impl Placement {
    /// Starts placing segments of `image`; with `allow` false, outside CMA.
    pub(super) fn new(image: NonNull<bindings::kimage>, allow: bool) -> Self {
        // SAFETY: the caller's `Kimage` guarantees `image` is valid and exclusively its own.
        let saved_no_cma = unsafe { image.as_ref().no_cma() } != 0;
        let mut placement = Self {
            image,
            saved_no_cma,
        };
        if !allow {
            placement.disable();
        }
        placement
    }

    /// Whether segment `index` was placed in a CMA block.
    pub(super) fn in_cma(&self, index: usize) -> bool {
        // SAFETY: `image` is valid by the type invariant; the index is bounds-checked.
        let cma = unsafe { self.image.as_ref().segment_cma[index] };
        !cma.is_null()
    }

    /// Places the coming segments outside CMA.
    pub(super) fn disable(&mut self) {
        // SAFETY: `image` is valid and not otherwise in use by the type invariant.
        unsafe { self.image.as_mut().set_no_cma(1) };
    }

    /// Releases the CMA blocks of segments `first` and later that the kimage no longer counts:
    /// the kernel segment given up, and those `load_other_segments()` dropped when it failed.
    pub(super) fn release_unused(&self, first: usize) {
        // SAFETY: `image` is valid by the type invariant.
        let counted = unsafe { self.image.as_ref().nr_segments };
        for index in first.max(counted)..bindings::KEXEC_SEGMENT_MAX as usize {
            self.release(index);
        }
    }

    #[cfg(CONFIG_DMA_CMA)]
    fn release(&self, index: usize) {
        let mut image = self.image;
        // SAFETY: `image` is valid and not otherwise in use by the type invariant.
        let image = unsafe { image.as_mut() };
        let cma = image.segment_cma[index];
        if cma.is_null() {
            return;
        }
        // `kexec_alloc_contig()` took `memsz >> PAGE_SHIFT` pages (`memsz` is page aligned);
        // a count that does not fit is not a block it made: leave it rather than guess.
        let Ok(pages) = i32::try_from(image.segment[index].memsz >> bindings::PAGE_SHIFT) else {
            return;
        };
        // arm64 has no `arch_kexec_pre_free_pages()` to undo before the block goes back.
        // SAFETY: `cma` is the block `kexec_alloc_contig()` allocated for this segment with that
        // many pages, and nothing refers to it any more: the segment is no longer counted.
        unsafe { bindings::dma_release_from_contiguous(core::ptr::null_mut(), cma, pages) };
        image.segment_cma[index] = core::ptr::null_mut();
        if super::debug_enabled() {
            crate::pr_info!(
                "kexec_file: released the CMA block of segment {} ({} pages)\n",
                index,
                pages
            );
        }
    }

    #[cfg(not(CONFIG_DMA_CMA))]
    fn release(&self, _index: usize) {}
}

impl Drop for Placement {
    fn drop(&mut self) {
        // SAFETY: `image` is valid and not otherwise in use by the type invariant.
        unsafe { self.image.as_mut().set_no_cma(self.saved_no_cma.into()) };
    }
}
