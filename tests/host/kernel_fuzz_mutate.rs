// SPDX-License-Identifier: GPL-2.0

//! The kernel fuzzer's mutations (`tests/guest/zbt/mutate.rs`, run by `zbt fuzz` in the guest and
//! rebuilt by `zbt-case` on the host): deterministic, never out of bounds, reaching every kind,
//! and damaging what each kind claims to damage. The guest cannot check any of that itself; a
//! case that does not reproduce on the host is worth nothing.

#[allow(dead_code)]
#[path = "../guest/zbt/mutate.rs"]
mod mutate;

mod common;

use common::*;
use mutate::{case_seed, mutate, GROWTH, KIND_NAMES};

fn base(name: &[u8]) -> Vec<u8> {
    let payload: Vec<u8> = (0..4096u32).map(|i| (i * 7 % 251) as u8).collect();
    make_zboot(name, &payload, &4096u32.to_le_bytes())
}

fn case(base: &[u8], seed: u64) -> (Vec<u8>, u32) {
    let mut out = vec![0u8; base.len() + GROWTH];
    let (len, kinds) = mutate(base, seed, &mut out);
    out.truncate(len);
    (out, kinds)
}

#[test]
fn a_case_is_a_function_of_its_base_and_seed() {
    let b = base(b"zstd");
    for n in 0..500 {
        let seed = case_seed(42, n);
        assert_eq!(case(&b, seed), case(&b, seed), "case {n}");
    }
    assert_ne!(case_seed(1, 7), case_seed(2, 7));
    assert_ne!(case_seed(1, 7), case_seed(1, 8));
}

#[test]
fn cases_stay_within_their_buffer_and_reach_every_kind() {
    let mut seen = 0u32;
    let mut changed = 0;
    for (i, b) in [base(b"gzip"), base(b"lz4"), vec![], b"MZ".to_vec()]
        .iter()
        .enumerate()
    {
        for n in 0..5000 {
            let (c, kinds) = case(b, case_seed(i as u64, n));
            assert!(c.len() <= b.len() + GROWTH);
            assert_ne!(kinds, 0);
            seen |= kinds;
            if b.len() > 0x100 {
                changed += usize::from(c != *b);
            }
        }
    }
    for (i, name) in KIND_NAMES.iter().enumerate() {
        assert_ne!(seen >> i & 1, 0, "mutation kind {name} never chosen");
    }
    // Some mutations are no-ops by chance (a value written over itself, a
    // short file); most cases of a real-sized base must change it.
    assert!(
        changed > 9_000,
        "only {changed} of 10000 cases differ from their base"
    );
}

#[test]
fn a_short_output_buffer_truncates_instead_of_overflowing() {
    let b = base(b"gzip");
    for n in 0..2000 {
        let mut out = vec![0u8; 100];
        let (len, _) = mutate(&b, case_seed(9, n), &mut out);
        assert!(len <= out.len());
    }
}

#[test]
fn stream_only_kinds_touch_only_the_stream() {
    let b = base(b"zstd");
    let (start, end) = (le32(&b, 8) as usize, (le32(&b, 8) + le32(&b, 12)) as usize);
    let stream_kinds = (1 << 2) | (1 << 3) | (1 << 4) | (1 << 5);
    let mut checked = 0;
    for n in 0..5000 {
        let (c, kinds) = case(&b, case_seed(3, n));
        if kinds & !stream_kinds != 0 {
            continue;
        }
        checked += 1;
        assert_eq!(c.len(), b.len());
        assert_eq!(c[..start], b[..start], "case {n} changed the header");
        assert_eq!(c[end..], b[end..], "case {n} changed the trailer");
    }
    assert!(checked > 500, "only {checked} stream-only cases");
}
