// SPDX-License-Identifier: GPL-2.0

//! The loader's test entry points for its C KUnit suite (`kexec_zboot_bridge_test.c`), on
//! kernels that cannot run Rust KUnit suites outside the `kernel` crate (`#[kunit_tests]`
//! arrived in 6.15; newer kernels run `tests.rs` of the loader's source instead).

use super::{format, refuse, unpack, LoadError};
use core::slice;
use kernel::ffi::c_int;

/// Runs `load`'s checks and decompression on a file without placing it.
///
/// Returns 0 or a negative errno, as `load` would; on success sets `*image_len` to the length
/// of the decompressed image, which is freed again.
///
/// # Safety
///
/// `buf` must be valid for reads of `len` bytes, and `image_len` valid for a write.
#[no_mangle]
pub(crate) unsafe extern "C" fn kexec_zboot_unpack_test(
    buf: *const u8,
    len: usize,
    image_len: *mut usize,
) -> c_int {
    // SAFETY: `buf` is valid for `len` bytes by the function's safety requirements.
    let file = unsafe { slice::from_raw_parts(buf, len) };
    let unpacked = format::Zboot::parse(file)
        .map_err(LoadError::from)
        .and_then(|zboot| unpack(&zboot));
    match unpacked {
        Ok((kernel, _)) => {
            // SAFETY: `image_len` is valid for a write by the function's safety requirements.
            unsafe { image_len.write(kernel.len()) };
            0
        }
        Err(err) => refuse(&err).to_errno(),
    }
}

/// Runs every UKI vector of the blob `buf` (`kexec_uki::check_vectors()`).
///
/// Returns how many were tried if each gave its expected result, else minus how many did not.
///
/// # Safety
///
/// `buf` must be valid for reads of `len` bytes.
#[cfg(CONFIG_KEXEC_IMAGE_UKI)]
#[no_mangle]
pub(crate) unsafe extern "C" fn kexec_uki_vectors_test(buf: *const u8, len: usize) -> c_int {
    // SAFETY: `buf` is valid for `len` bytes by the function's safety requirements.
    let blob = unsafe { slice::from_raw_parts(buf, len) };
    let (tried, wrong) = super::kexec_uki::check_vectors(blob);
    let count = |n: usize| c_int::try_from(n).unwrap_or(c_int::MAX);
    if wrong == 0 {
        count(tried)
    } else {
        -count(wrong)
    }
}
