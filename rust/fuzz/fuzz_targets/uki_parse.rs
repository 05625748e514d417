// SPDX-License-Identifier: GPL-2.0

//! `uki::Uki::parse` and its profile variants on arbitrary files.
//!
//! Input: the file itself. Every accepted parse must give slices inside the input that do not
//! overlap each other, a command line without NUL and within the limit, a `.linux` that is not
//! empty and not itself a UKI; every refusal must print as one line.

#![no_main]

use libfuzzer_sys::fuzz_target;
use zboot_format::uki::*;

fn one_line(refusal: &UkiRefusal) {
    let line = refusal.to_string();
    assert!(!line.is_empty() && !line.contains(['\n', '\r']), "{line:?}");
}

fn range(file: &[u8], slice: &[u8]) -> (usize, usize) {
    let start = (slice.as_ptr() as usize)
        .checked_sub(file.as_ptr() as usize)
        .expect("slice before the input");
    let end = start + slice.len();
    assert!(end <= file.len(), "slice past the input");
    (start, end)
}

fn check(file: &[u8], uki: &Uki) {
    assert!(!uki.linux().is_empty());
    assert!(!is_uki(uki.linux()), "nested UKI accepted");
    assert!(is_uki(file), "parsed but is_uki says no");
    if let Some(cmdline) = uki.cmdline() {
        assert!(!cmdline.contains(&0));
        assert!(cmdline.len() <= MAX_CMDLINE_LEN);
    }
    assert!(uki.profile().is_none_or(|p| p < uki.profile_count()));
    let slices = [
        Some(uki.linux()),
        uki.initrd(),
        uki.cmdline(),
        uki.osrel(),
        uki.uname(),
        uki.dtb(),
        uki.ucode(),
        uki.profile_info(),
    ];
    let mut ranges = [(0, 0); 8];
    let mut n = 0;
    for slice in slices.into_iter().flatten() {
        let r = range(file, slice);
        if r.0 != r.1 {
            ranges[n] = r;
            n += 1;
        }
    }
    for i in 0..n {
        for j in i + 1..n {
            let (a, b) = (ranges[i], ranges[j]);
            assert!(a.1 <= b.0 || b.1 <= a.0, "{a:?} and {b:?} overlap");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let probe = is_uki(data);
    let results = [
        Uki::parse(data),
        Uki::parse_base(data),
        Uki::parse_profile(data, 0),
        Uki::parse_profile(data, 1),
    ];
    for result in &results {
        match result {
            Ok(uki) => check(data, uki),
            Err(refusal) => one_line(refusal),
        }
    }
    if results.iter().any(Result::is_ok) {
        assert!(probe);
    }
    // The default is the first profile when there is one, else the base.
    if let Ok(uki) = &results[0] {
        let same = if uki.profile_count() > 0 {
            &results[2]
        } else {
            &results[1]
        };
        assert_eq!(same.as_ref(), Ok(uki));
    }
});
