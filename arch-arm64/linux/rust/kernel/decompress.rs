// SPDX-License-Identifier: GPL-2.0

//! Bounded whole-buffer decompression.
//!
//! C header: [`include/linux/decompress/bounded.h`](srctree/include/linux/decompress/bounded.h).
//!
//! Unlike the boot-time decompressors, these run after boot, on untrusted input, and never
//! write past the output buffer: a stream that would, fails with `EFBIG`.

use crate::{
    alloc::VVec,
    bindings,
    error::{to_result, Result},
};

/// Longest method name looked up, without its NUL.
const MAX_NAME_LEN: usize = 31;

/// A decompressor for one compression method (`decompress_method_by_name()`).
#[derive(Clone, Copy)]
pub struct Decompressor {
    decompress: unsafe extern "C" fn(*const u8, usize, *mut u8, usize, *mut usize) -> i32,
}

impl Decompressor {
    /// The decompressor for the method the kernel build calls `name` (`gzip`, `zstd`, `zstd22`,
    /// `xzkern`, `lzma`, `lz4`, `lzo`), or `None` if this kernel has none for it.
    ///
    /// # Examples
    ///
    /// ```
    /// use kernel::decompress::Decompressor;
    ///
    /// assert!(Decompressor::by_name(b"brotli").is_none());
    /// assert!(Decompressor::by_name(b"gzip\0").is_none());
    /// ```
    pub fn by_name(name: &[u8]) -> Option<Self> {
        if name.len() > MAX_NAME_LEN || name.contains(&0) {
            return None;
        }
        let mut c_name = [0u8; MAX_NAME_LEN + 1];
        c_name[..name.len()].copy_from_slice(name);
        // SAFETY: `c_name` is NUL-terminated and outlives the call, which only compares it with
        // the names of a table.
        let decompress = unsafe { bindings::decompress_method_by_name(c_name.as_ptr().cast()) };
        decompress.map(|decompress| Self { decompress })
    }

    /// Decompresses all of `input` into the spare capacity of `out` and appends the result.
    ///
    /// Fails with `EFBIG` if the output does not fit in the spare capacity (nothing is written
    /// past it), `EBADMSG` if `input` is corrupt, truncated, fails its checksum or is followed by
    /// trailing bytes, `ENOMEM` if the decoder's state cannot be allocated. On failure `out`
    /// keeps its length.
    pub fn decompress_into(&self, input: &[u8], out: &mut VVec<u8>) -> Result {
        let spare = out.spare_capacity_mut();
        let out_size = spare.len();
        let mut written = 0usize;
        // SAFETY: `input` is valid for reads of its length and `spare` for writes of `out_size`
        // bytes; a `decompress_bounded_fn` writes nothing past `out_size`, and `written` is valid
        // for a write.
        to_result(unsafe {
            (self.decompress)(
                input.as_ptr(),
                input.len(),
                spare.as_mut_ptr().cast(),
                out_size,
                &mut written,
            )
        })?;
        // A decompressor that reports more than it may write broke its contract: trust none of
        // it.
        if written > out_size {
            return Err(crate::error::code::EINVAL);
        }
        // Not `mem::take()`: `VVec` implements `Default` only in later kernels than 6.12.
        #[allow(clippy::mem_replace_with_default)]
        let taken = core::mem::replace(out, VVec::new());
        let (ptr, len, capacity) = taken.into_raw_parts();
        // SAFETY: `ptr`, `capacity` and `len` come from a `VVec` given up just above; the
        // decompressor initialised the `written <= capacity - len` bytes after the first `len`.
        *out = unsafe { VVec::from_raw_parts(ptr, len + written, capacity) };
        Ok(())
    }
}
