// SPDX-License-Identifier: GPL-2.0

//! Crates built into the kernel that are not modules.
//!
//! `module!` gives a module's crate the log prefix of its `pr_*!` messages and the owner its
//! `#[vtable]` impls name. Code that is built in without being a module (a kexec_file loader, a
//! library under `lib/`) declares them with [`built_in_crate!`](crate::built_in_crate) instead.

/// Declares, at the root of a crate that is built into the kernel without `module!`, the log
/// prefix of its `pr_*!` messages (`$name: `) and the owner of its `#[vtable]` impls (none: its
/// `THIS_MODULE` is null, as C's is for built-in code).
///
/// Only for built-in code: a loadable module uses `module!`, and this refuses to build in one.
///
/// ```ignore
/// kernel::built_in_crate!("kexec_file(zboot)");
/// ```
#[macro_export]
macro_rules! built_in_crate {
    ($name:literal) => {
        #[cfg(MODULE)]
        ::core::compile_error!("built_in_crate! is for built-in code: a module uses module!");

        /// The prefix of this crate's log messages.
        const __LOG_PREFIX: &[u8] = ::core::concat!($name, "\0").as_bytes();

        /// The owner of this crate's `#[vtable]` impls: built-in code, no module.
        #[allow(dead_code)]
        struct LocalModule;

        impl $crate::ModuleMetadata for LocalModule {
            const NAME: &'static $crate::str::CStr = $crate::c_str!($name);

            // SAFETY: this crate is built in (not `MODULE`, checked above), and the
            // `THIS_MODULE` of built-in code is null, which `try_module_get()` and
            // `module_put()` accept.
            const THIS_MODULE: $crate::ThisModule =
                unsafe { $crate::ThisModule::from_ptr(::core::ptr::null_mut()) };
        }
    };
}
