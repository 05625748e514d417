// SPDX-License-Identifier: GPL-2.0

//! The owner of a kexec_file loader's `#[vtable]` impl: nothing to declare in this kernel,
//! whose `#[vtable]` does not name an owner module (later kernels' does).

/// Declares what `#[vtable]` impls of a built-in crate need: nothing here.
///
/// Only for [`kexec_file_ops!`](crate::kexec_file_ops), at the root of the loader's crate.
#[doc(hidden)]
#[macro_export]
macro_rules! kexec_built_in_owner {
    () => {};
}
