// SPDX-License-Identifier: GPL-2.0

//! Host build of the zboot kexec loader's pure parser.
//!
//! `rust/format.rs` is compiled into the kernel as a module of `kexec_zboot.rs`; this crate
//! compiles the very same file for the host, `no_std` like in the kernel, so that the tests in
//! `tests/host/` and the fuzz targets in `rust/fuzz/` exercise the code the kernel runs.

#![no_std]

#[path = "../format.rs"]
mod format;

pub use format::*;

/// The UKI section parser (`rust/uki.rs`), in the kernel a module of the loader beside
/// `format` (with `CONFIG_KEXEC_IMAGE_UKI`).
#[path = "../uki.rs"]
pub mod uki;
