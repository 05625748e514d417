// SPDX-License-Identifier: GPL-2.0

//! Crates built into the kernel that are not modules.
//!
//! `module!` gives a module's crate the log prefix of its `pr_*!` messages. Code that is built in
//! without being a module (a kexec_file loader, a library under `lib/`) declares it with
//! [`built_in_crate!`](crate::built_in_crate) instead.

/// Declares, at the root of a crate that is built into the kernel without `module!`, the log
/// prefix of its `pr_*!` messages (`$name: `).
///
/// Only for built-in code: a loadable module uses `module!`, and this refuses to build in one.
/// (Later kernels' `#[vtable]` also names an owner module, which this declares there.)
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
    };
}
