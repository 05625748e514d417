// SPDX-License-Identifier: GPL-2.0

//! The loader's test entry points for its C KUnit suite (`kexec_zboot_bridge_test.c`), on
//! kernels that cannot run Rust KUnit suites outside the `kernel` crate (`#[kunit_tests]`
//! arrived in 6.15; newer kernels run `tests.rs` of the loader's source instead).

use super::{format, refuse, unpack};
use core::slice;
use kernel::{
    bindings,
    ffi::{c_int, c_uint},
};

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
    match format::Zboot::parse(file).and_then(|zboot| unpack(&zboot)) {
        Ok((kernel, _)) => {
            // SAFETY: `image_len` is valid for a write by the function's safety requirements.
            unsafe { image_len.write(kernel.len()) };
            0
        }
        Err(refusal) => refuse(&refusal).to_errno(),
    }
}

/// Checks the errno values the pure parser names against the kernel's: returns 0 when they
/// agree, else the (positive) value of the first that does not.
#[no_mangle]
pub(crate) extern "C" fn kexec_zboot_errno_test() -> c_int {
    use format::errno;
    let pairs = [
        (errno::ENOEXEC, bindings::ENOEXEC),
        (errno::ENOMEM, bindings::ENOMEM),
        (errno::EINVAL, bindings::EINVAL),
        (errno::EFBIG, bindings::EFBIG),
        (errno::EBADMSG, bindings::EBADMSG),
        (errno::EOPNOTSUPP, bindings::EOPNOTSUPP),
        (errno::EADDRNOTAVAIL, bindings::EADDRNOTAVAIL),
    ];
    pairs
        .iter()
        .find(|&&(ours, kernel)| c_uint::try_from(ours) != Ok(kernel))
        .map_or(0, |&(ours, _)| ours)
}
