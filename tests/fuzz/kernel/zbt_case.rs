// SPDX-License-Identifier: GPL-2.0
//! zbt-case: rebuilds one case of the kernel fuzzer (`zbt fuzz`) on the host.
//!
//!     zbt-case BASE SEED OUT
//!
//! BASE is the host copy of the base image the guest named, SEED the case
//! seed of its `zbt: fuzz case N BASE SEED` line (0x-hex or decimal). The
//! mutations are the guest's own (tests/guest/zbt/mutate.rs), so OUT is the
//! byte-for-byte file the guest loaded. Built by tests/e2e/fuzz_e2e.py.

#[allow(dead_code)]
#[path = "../../guest/zbt/mutate.rs"]
mod mutate;

use std::process::ExitCode;

fn parse_seed(s: &str) -> Option<u64> {
    match s.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => s.parse().ok(),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let [_, base, seed, out] = args.as_slice() else {
        eprintln!("usage: zbt-case BASE SEED OUT");
        return ExitCode::from(2);
    };
    let Some(seed) = parse_seed(seed) else {
        eprintln!("zbt-case: bad SEED {seed}");
        return ExitCode::from(2);
    };
    let base = match std::fs::read(base) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("zbt-case: {base}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut case = vec![0u8; base.len() + mutate::GROWTH];
    let (len, kinds) = mutate::mutate(&base, seed, &mut case);
    case.truncate(len);
    if let Err(e) = std::fs::write(out, &case) {
        eprintln!("zbt-case: {out}: {e}");
        return ExitCode::FAILURE;
    }
    let names: Vec<&str> = mutate::KIND_NAMES
        .iter()
        .enumerate()
        .filter(|(i, _)| kinds >> i & 1 == 1)
        .map(|(_, n)| *n)
        .collect();
    println!("{out}: {len} bytes, mutations: {}", names.join(", "));
    ExitCode::SUCCESS
}
