// SPDX-License-Identifier: GPL-2.0
//! Stand-in for the `compiler_builtins` crate, which rustc insists on linking
//! into every binary. zbt needs no compiler intrinsics beyond the memory
//! functions it defines itself (main.rs); any other one the compiler starts
//! to use shows up as an undefined symbol at link time.

#![feature(compiler_builtins)]
#![compiler_builtins]
#![no_builtins]
#![no_std]
