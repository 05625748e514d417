// SPDX-License-Identifier: GPL-2.0

//! The owner of a kexec_file loader's `#[vtable]` impl.
//!
//! `#[vtable]` impls name an owner module (`type OwnerModule = crate::LocalModule`), which
//! `module!` defines. A kexec_file loader is built into the kernel, without `module!`, so
//! [`kexec_file_ops!`](crate::kexec_file_ops) declares the owner for it.

/// Declares `LocalModule`, the owner of the `#[vtable]` impls of a built-in crate.
///
/// Only for [`kexec_file_ops!`](crate::kexec_file_ops), at the root of the loader's crate.
#[doc(hidden)]
#[macro_export]
macro_rules! kexec_built_in_owner {
    () => {
        /// The owner of this crate's `#[vtable]` impls: built-in code, no module.
        // Unused where `#[vtable]` names no owner (7.2).
        #[allow(dead_code)]
        struct LocalModule;

        impl $crate::ModuleMetadata for LocalModule {
            const NAME: &'static $crate::str::CStr = c"kexec_file";

            // SAFETY: built-in code has no `struct module`: its `THIS_MODULE` is null, which
            // `try_module_get()` and `module_put()` accept.
            const THIS_MODULE: $crate::ThisModule =
                unsafe { $crate::ThisModule::from_ptr(::core::ptr::null_mut()) };
        }
    };
}
