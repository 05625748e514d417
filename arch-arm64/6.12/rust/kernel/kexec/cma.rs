// SPDX-License-Identifier: GPL-2.0

//! CMA placement of kexec segments: none in this kernel.
//!
//! `kexec_add_buffer()` places every segment by walking RAM (CMA placement arrived in 6.17), so
//! a segment given up holds nothing to release.

use crate::bindings;
use core::ptr::NonNull;

/// Control over CMA placement while an arm64 kernel segment is placed: nothing to control here.
pub(super) struct Placement;

impl Placement {
    /// Starts placing segments of `image`.
    pub(super) fn new(_image: NonNull<bindings::kimage>, _allow: bool) -> Self {
        Self
    }

    /// Whether segment `index` was placed in a CMA block: never.
    pub(super) fn in_cma(&self, _index: usize) -> bool {
        false
    }

    /// Places the coming segments outside CMA, as they always are.
    pub(super) fn disable(&mut self) {}

    /// Releases the CMA blocks of segments `first` and later: there are none.
    pub(super) fn release_unused(&self, _first: usize) {}
}
