// SPDX-License-Identifier: GPL-2.0

//! Placing an arm64 kernel `Image` (`Documentation/arch/arm64/booting.rst`).
//!
//! C header: [`arch/arm64/include/asm/kexec.h`](srctree/arch/arm64/include/asm/kexec.h).
//!
//! The placement is arm64's own, shared with the C raw-`Image` loader (`kexec_image.c`):
//! `load_kernel_segment()` puts the kernel at a 2 MiB aligned base, with the initrd, device tree
//! and command line next to it, moving to another hole while those do not fit.

use super::{Kimage, OtherSegments};
use crate::{
    alloc::VVec,
    bindings,
    error::{code::*, to_result, Result},
};

/// Where an arm64 kernel `Image` goes in memory, from its header.
///
/// # Invariants
///
/// `image_size` is not 0 and `text_offset + image_size` does not overflow `usize`.
#[derive(Clone, Copy, Debug)]
pub struct KernelLayout {
    text_offset: usize,
    image_size: usize,
}

impl KernelLayout {
    /// The layout of an `Image` whose header gives `text_offset` and `image_size` (BSS
    /// included).
    ///
    /// Fails with [`EINVAL`] for an `image_size` of 0 (an `Image` header without a size, from
    /// before v3.17) or a layout that does not fit the address space.
    ///
    /// # Examples
    ///
    /// ```
    /// use kernel::kexec::arm64::KernelLayout;
    ///
    /// let layout = KernelLayout::new(0x8_0000, 0x20_0000)?;
    /// assert_eq!(layout.text_offset(), 0x8_0000);
    /// assert_eq!(layout.image_size(), 0x20_0000);
    /// assert!(KernelLayout::new(0, 0).is_err());
    /// assert!(KernelLayout::new(u64::MAX, 1).is_err());
    /// # Ok::<(), Error>(())
    /// ```
    pub fn new(text_offset: u64, image_size: u64) -> Result<Self> {
        let text_offset = usize::try_from(text_offset).map_err(|_| EINVAL)?;
        let image_size = usize::try_from(image_size).map_err(|_| EINVAL)?;
        if image_size == 0 || text_offset.checked_add(image_size).is_none() {
            return Err(EINVAL);
        }
        // INVARIANT: checked above.
        Ok(Self {
            text_offset,
            image_size,
        })
    }

    /// Where the `Image` starts above its 2 MiB aligned base: its entry point.
    pub fn text_offset(&self) -> usize {
        self.text_offset
    }

    /// Bytes the `Image` takes when it runs, BSS included.
    pub fn image_size(&self) -> usize {
        self.image_size
    }
}

impl Kimage<'_> {
    /// Places `kernel`, an `Image` laid out as `layout` says, as the kernel segment, with the
    /// initrd, device tree and command line of `others` (for a crash kernel also the ELF core
    /// header), and makes it the entry point.
    ///
    /// `kernel` is kept until `cleanup`. Fails with [`EINVAL`] if `kernel` is larger than
    /// `layout.image_size()`; on failure no segment this added is left.
    pub fn add_arm64_kernel(
        &mut self,
        kernel: VVec<u8>,
        layout: KernelLayout,
        others: &OtherSegments<'_>,
    ) -> Result {
        if kernel.len() > layout.image_size() {
            return Err(EINVAL);
        }
        let (buffer, bufsz) = self.keep(kernel)?;
        // SAFETY: the kimage is valid and ours by the type invariant of `Kimage`; `buffer` is
        // `bufsz` bytes kept until `cleanup`, after the core has copied the segments, and the C
        // side only reads it; `initrd` and `cmdline` are the core's buffers for this kimage (type
        // invariant of `OtherSegments`).
        to_result(unsafe {
            bindings::load_kernel_segment(
                self.ptr.as_ptr(),
                buffer.cast_mut().cast(),
                bufsz,
                layout.text_offset(),
                layout.image_size(),
                others.initrd,
                others.initrd_len(),
                others.cmdline,
            )
        })
    }
}
