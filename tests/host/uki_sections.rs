// SPDX-License-Identifier: GPL-2.0

//! Hand-made UKIs: `uki::Uki::parse` on valid single- and multi-profile images and on hostile
//! section tables, headers and sections; every truncation of a small valid UKI.
//!
//! With `UKI_SEED_DIR` set, `write_fuzz_seeds` writes the builder's cases there for
//! `scripts/fuzz.sh`.

mod common;

use common::read_artifact;
use zboot_format::uki::*;

const PE: usize = 0x40;
const COFF: usize = PE + 4;
const OPT: usize = COFF + 20;
const OPT_LEN: usize = 112 + 16 * 8;
const TABLE: usize = OPT + OPT_LEN;
const ALIGN: usize = 0x200;

fn put16(file: &mut [u8], at: usize, value: u16) {
    file[at..at + 2].copy_from_slice(&value.to_le_bytes());
}

fn put32(file: &mut [u8], at: usize, value: u32) {
    file[at..at + 4].copy_from_slice(&value.to_le_bytes());
}

fn get32(file: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(file[at..at + 4].try_into().unwrap())
}

fn align(value: usize) -> usize {
    value.div_ceil(ALIGN) * ALIGN
}

/// A PE/COFF file for arm64 with these sections, laid out like ukify does: each section's raw
/// data at the file alignment, `VirtualSize` the data's length, `SizeOfRawData` padded.
fn build(sections: &[(&[u8], &[u8])]) -> Vec<u8> {
    let table_end = TABLE + 40 * sections.len();
    let headers = align(table_end.max(1));
    let mut file = vec![0u8; headers];
    file[0..2].copy_from_slice(b"MZ");
    put32(&mut file, 0x3c, PE as u32);
    file[PE..PE + 4].copy_from_slice(b"PE\0\0");
    put16(&mut file, COFF, 0xaa64);
    put16(&mut file, COFF + 2, sections.len() as u16);
    put16(&mut file, COFF + 16, OPT_LEN as u16);
    put16(&mut file, OPT, 0x20b);
    put32(&mut file, OPT + 60, headers as u32);
    put32(&mut file, OPT + 108, 16);
    for (index, (name, data)) in sections.iter().enumerate() {
        let entry = TABLE + 40 * index;
        file[entry..entry + name.len()].copy_from_slice(name);
        let offset = file.len();
        put32(&mut file, entry + 8, data.len() as u32);
        put32(&mut file, entry + 12, (0x1000 * (index + 1)) as u32);
        put32(&mut file, entry + 16, align(data.len()) as u32);
        put32(&mut file, entry + 20, offset as u32);
        file.extend_from_slice(data);
        file.resize(align(file.len()), 0);
    }
    file
}

fn entry(index: usize) -> usize {
    TABLE + 40 * index
}

const KERNEL: &[u8] = b"MZ\0\0zimg-a-fake-zboot-kernel";

fn basic() -> Vec<u8> {
    build(&[
        (b".text", b"stub code"),
        (b".osrel", b"ID=debian\n"),
        (b".cmdline", b"root=/dev/vda console=ttyAMA0\n\0"),
        (b".uname", b"6.12.0"),
        (b".linux", KERNEL),
        (b".initrd", b"070701initrd"),
    ])
}

fn profiles() -> Vec<u8> {
    build(&[
        (b".osrel", b"ID=debian\n"),
        (b".cmdline", b"quiet"),
        (b".linux", KERNEL),
        (b".initrd", b"base initrd"),
        (b".profile", b"ID=default"),
        (b".profile", b"ID=rescue\nTITLE=Rescue"),
        (b".cmdline", b"rescue"),
        (b".profile", b"ID=other"),
        (b".initrd", b"other initrd"),
        (b".dtb", b"\xd0\x0d\xfe\xedother"),
    ])
}

/// Every slice the parser returned lies inside `file`, and none overlaps another.
fn check_slices(file: &[u8], uki: &Uki) {
    let range = |s: &[u8]| {
        let start = s.as_ptr() as usize - file.as_ptr() as usize;
        assert!(start + s.len() <= file.len());
        (start, start + s.len())
    };
    let slices: Vec<(usize, usize)> = [
        Some(uki.linux()),
        uki.initrd(),
        uki.cmdline(),
        uki.osrel(),
        uki.uname(),
        uki.dtb(),
        uki.ucode(),
        uki.profile_info(),
    ]
    .into_iter()
    .flatten()
    .filter(|s| !s.is_empty())
    .map(range)
    .collect();
    for (i, a) in slices.iter().enumerate() {
        for b in &slices[i + 1..] {
            assert!(a.1 <= b.0 || b.1 <= a.0, "{a:?} and {b:?} overlap");
        }
    }
    if let Some(cmdline) = uki.cmdline() {
        assert!(!cmdline.contains(&0));
        assert!(cmdline.len() <= MAX_CMDLINE_LEN);
    }
}

#[test]
fn basic_uki() {
    let file = basic();
    assert!(is_uki(&file));
    let uki = Uki::parse(&file).unwrap();
    assert_eq!(uki.linux(), KERNEL);
    assert_eq!(uki.initrd(), Some(&b"070701initrd"[..]));
    assert_eq!(uki.cmdline(), Some(&b"root=/dev/vda console=ttyAMA0"[..]));
    assert_eq!(uki.osrel(), Some(&b"ID=debian\n"[..]));
    assert_eq!(uki.uname(), Some(&b"6.12.0"[..]));
    assert_eq!(uki.dtb(), None);
    assert_eq!(uki.ucode(), None);
    assert_eq!(uki.profile(), None);
    assert_eq!(uki.profile_count(), 0);
    assert_eq!(uki.profile_info(), None);
    check_slices(&file, &uki);
    assert_eq!(Uki::parse_base(&file), Ok(uki));
    assert_eq!(
        Uki::parse_profile(&file, 0),
        Err(UkiRefusal::NoSuchProfile {
            requested: 0,
            count: 0
        })
    );
}

#[test]
fn linux_only_has_no_optional_sections() {
    let file = build(&[(b".linux", b"kernel")]);
    let uki = Uki::parse(&file).unwrap();
    assert_eq!(uki.linux(), b"kernel");
    assert_eq!(uki.initrd(), None);
    assert_eq!(uki.cmdline(), None);
}

#[test]
fn profiles_override_the_base() {
    let file = profiles();
    assert!(is_uki(&file));
    let first = Uki::parse(&file).unwrap();
    assert_eq!(first.profile(), Some(0));
    assert_eq!(first.profile_count(), 3);
    assert_eq!(first.profile_info(), Some(&b"ID=default"[..]));
    assert_eq!(first.cmdline(), Some(&b"quiet"[..]));
    assert_eq!(first.initrd(), Some(&b"base initrd"[..]));
    assert_eq!(Uki::parse_profile(&file, 0), Ok(first));

    let rescue = Uki::parse_profile(&file, 1).unwrap();
    assert_eq!(rescue.profile_info(), Some(&b"ID=rescue\nTITLE=Rescue"[..]));
    assert_eq!(rescue.cmdline(), Some(&b"rescue"[..]));
    assert_eq!(rescue.initrd(), Some(&b"base initrd"[..]));
    assert_eq!(rescue.linux(), KERNEL);

    let other = Uki::parse_profile(&file, 2).unwrap();
    assert_eq!(other.cmdline(), Some(&b"quiet"[..]));
    assert_eq!(other.initrd(), Some(&b"other initrd"[..]));
    assert_eq!(other.dtb(), Some(&b"\xd0\x0d\xfe\xedother"[..]));

    let base = Uki::parse_base(&file).unwrap();
    assert_eq!(base.profile(), None);
    assert_eq!(base.profile_info(), None);
    assert_eq!(base.dtb(), None);
    assert_eq!(base.profile_count(), 3);
    for uki in [first, rescue, other, base] {
        check_slices(&file, &uki);
    }
    assert_eq!(
        Uki::parse_profile(&file, usize::MAX),
        Err(UkiRefusal::NoSuchProfile {
            requested: usize::MAX,
            count: 3
        })
    );
    assert_eq!(
        Uki::parse_profile(&file, 3),
        Err(UkiRefusal::NoSuchProfile {
            requested: 3,
            count: 3
        })
    );
}

#[test]
fn profile_may_carry_the_kernel() {
    let file = build(&[
        (b".profile", b"ID=a"),
        (b".linux", b"kernel a"),
        (b".profile", b"ID=b"),
        (b".linux", b"kernel b"),
    ]);
    assert_eq!(Uki::parse(&file).unwrap().linux(), b"kernel a");
    assert_eq!(Uki::parse_profile(&file, 1).unwrap().linux(), b"kernel b");
    assert_eq!(Uki::parse_base(&file), Err(UkiRefusal::NoLinux));
}

#[test]
fn cmdline_trimming() {
    for (raw, expected) in [
        (&b"a b"[..], &b"a b"[..]),
        (b"a b\n", b"a b"),
        (b"a b\0", b"a b"),
        (b"a b\n\0\0\0", b"a b"),
        (b"  \t a b \r\n", b"a b"),
        (b"a\nb", b"a\nb"),
        (b"\n\0", b""),
    ] {
        let file = build(&[(b".linux", b"k"), (b".cmdline", raw)]);
        assert_eq!(
            Uki::parse(&file).unwrap().cmdline(),
            Some(expected),
            "{raw:?}"
        );
    }
    let file = build(&[(b".linux", b"k"), (b".cmdline", b"a\0b")]);
    assert_eq!(Uki::parse(&file), Err(UkiRefusal::CmdlineNul));

    let longest = vec![b'x'; MAX_CMDLINE_LEN];
    let file = build(&[(b".linux", b"k"), (b".cmdline", &longest)]);
    assert_eq!(Uki::parse(&file).unwrap().cmdline(), Some(&longest[..]));
    let mut padded = longest.clone();
    padded.extend_from_slice(b"\n\0");
    let file = build(&[(b".linux", b"k"), (b".cmdline", &padded)]);
    assert_eq!(Uki::parse(&file).unwrap().cmdline(), Some(&longest[..]));
    let too_long = vec![b'x'; MAX_CMDLINE_LEN + 1];
    let file = build(&[(b".linux", b"k"), (b".cmdline", &too_long)]);
    assert_eq!(
        Uki::parse(&file),
        Err(UkiRefusal::CmdlineTooLong {
            len: MAX_CMDLINE_LEN + 1
        })
    );
}

#[test]
fn content_is_virtual_size_bytes() {
    let mut file = basic();
    // .linux is section 4: its content is the first VirtualSize bytes of the raw data.
    put32(&mut file, entry(4) + 8, 4);
    assert_eq!(Uki::parse(&file).unwrap().linux(), &KERNEL[..4]);
    // VirtualSize up to SizeOfRawData reads the padding.
    put32(&mut file, entry(4) + 8, ALIGN as u32);
    assert_eq!(Uki::parse(&file).unwrap().linux().len(), ALIGN);
    put32(&mut file, entry(4) + 8, ALIGN as u32 + 1);
    assert_eq!(
        Uki::parse(&file),
        Err(UkiRefusal::VirtualSizeOverRawSize {
            section: Section::Linux,
            virtual_size: ALIGN as u32 + 1,
            raw_size: ALIGN as u32
        })
    );
}

#[test]
fn stub_sections_may_be_larger_in_memory() {
    let mut file = basic();
    // .text (section 0) of the stub: a .bss-like VirtualSize is not the parser's business.
    put32(&mut file, entry(0) + 8, 0x10_0000);
    assert!(Uki::parse(&file).is_ok());
}

#[test]
fn empty_sections_are_absent_but_linux_is_refused() {
    let file = build(&[(b".linux", b"k"), (b".initrd", b""), (b".cmdline", b"")]);
    let uki = Uki::parse(&file).unwrap();
    assert_eq!(uki.initrd(), None);
    assert_eq!(uki.cmdline(), None);
    let file = build(&[(b".linux", b""), (b".initrd", b"i")]);
    assert_eq!(Uki::parse(&file), Err(UkiRefusal::EmptyLinux));
    assert!(is_uki(&file));
}

#[test]
fn missing_linux() {
    let file = build(&[(b".text", b"code"), (b".initrd", b"i")]);
    assert!(!is_uki(&file));
    assert_eq!(Uki::parse(&file), Err(UkiRefusal::NoLinux));
    // A long name (string table offset) or a name with bytes after the NUL never matches.
    let file = build(&[(b"/4", b"kernel"), (b".linux\0x", b"kernel")]);
    assert!(!is_uki(&file));
    assert_eq!(Uki::parse(&file), Err(UkiRefusal::NoLinux));
    // A .linux section of a profile the caller did not select does not count.
    let file = build(&[
        (b".profile", b"ID=a"),
        (b".profile", b"ID=b"),
        (b".linux", b"k"),
    ]);
    assert_eq!(Uki::parse(&file), Err(UkiRefusal::NoLinux));
    assert!(Uki::parse_profile(&file, 1).is_ok());
}

#[test]
fn duplicate_sections() {
    let file = build(&[(b".linux", b"k1"), (b".linux", b"k2")]);
    assert_eq!(
        Uki::parse(&file),
        Err(UkiRefusal::DuplicateSection {
            section: Section::Linux,
            profile: None
        })
    );
    let file = build(&[
        (b".linux", b"k"),
        (b".profile", b"ID=a"),
        (b".cmdline", b"x"),
        (b".initrd", b"i"),
        (b".cmdline", b"y"),
    ]);
    assert_eq!(
        Uki::parse(&file),
        Err(UkiRefusal::DuplicateSection {
            section: Section::Cmdline,
            profile: Some(0)
        })
    );
    // A duplicate in a profile nobody selects is refused too.
    let file = build(&[
        (b".linux", b"k"),
        (b".profile", b"ID=a"),
        (b".profile", b"ID=b"),
        (b".uname", b"x"),
        (b".uname", b"y"),
    ]);
    assert_eq!(
        Uki::parse(&file),
        Err(UkiRefusal::DuplicateSection {
            section: Section::Uname,
            profile: Some(1)
        })
    );
    // .dtbauto repeats by design.
    let file = build(&[(b".linux", b"k"), (b".dtbauto", b"a"), (b".dtbauto", b"b")]);
    assert!(Uki::parse(&file).is_ok());
}

#[test]
fn nested_uki() {
    let inner = basic();
    let file = build(&[(b".linux", &inner)]);
    assert_eq!(Uki::parse(&file), Err(UkiRefusal::NestedUki));
    // A PE kernel without .linux (a zboot image) is what .linux should hold.
    let zboot = build(&[(b".text", b"zboot")]);
    let file = build(&[(b".linux", &zboot)]);
    assert_eq!(Uki::parse(&file).unwrap().linux(), &zboot[..]);
}

#[test]
fn header_checks() {
    let good = basic();
    let mut file = good.clone();
    file[0] = b'X';
    assert_eq!(Uki::parse(&file), Err(UkiRefusal::NotPe));
    assert!(!is_uki(&file));

    let mut file = good.clone();
    put32(&mut file, 0x3c, good.len() as u32 - 2);
    assert_eq!(
        Uki::parse(&file),
        Err(UkiRefusal::PeHeaderOutOfBounds {
            offset: good.len() as u32 - 2
        })
    );
    for offset in [0, 4, 0x3c] {
        put32(&mut file, 0x3c, offset);
        assert_eq!(
            Uki::parse(&file),
            Err(UkiRefusal::PeHeaderOutOfBounds { offset })
        );
    }
    put32(&mut file, 0x3c, u32::MAX);
    assert_eq!(
        Uki::parse(&file),
        Err(UkiRefusal::PeHeaderOutOfBounds { offset: u32::MAX })
    );

    let mut file = good.clone();
    file[PE + 1] = b'X';
    assert_eq!(
        Uki::parse(&file),
        Err(UkiRefusal::NoPeSignature { offset: PE as u32 })
    );

    for machine in [0x8664u16, 0x014c, 0x01c2, 0x5064, 0] {
        let mut file = good.clone();
        put16(&mut file, COFF, machine);
        assert_eq!(Uki::parse(&file), Err(UkiRefusal::WrongMachine { machine }));
        assert!(!is_uki(&file));
    }

    let mut file = good.clone();
    put16(&mut file, OPT, 0x10b);
    assert_eq!(
        Uki::parse(&file),
        Err(UkiRefusal::NotPe32Plus { magic: 0x10b })
    );

    // SizeOfOptionalHeader too small for the 16 declared directories, or past the file.
    for size in [0u16, 2, 111, 112 + 8 * 16 - 1, u16::MAX] {
        let mut file = good.clone();
        put16(&mut file, COFF + 16, size);
        if size == u16::MAX {
            file.truncate(0x1000);
        }
        assert_eq!(
            Uki::parse(&file),
            Err(UkiRefusal::OptionalHeaderOutOfBounds { size }),
            "{size}"
        );
    }
}

#[test]
fn section_count() {
    for count in [0u16, 97, u16::MAX] {
        let mut file = basic();
        put16(&mut file, COFF + 2, count);
        assert_eq!(Uki::parse(&file), Err(UkiRefusal::SectionCount { count }));
    }
    // 96 sections: accepted (the table fits SizeOfHeaders).
    let names: Vec<Vec<u8>> = (0..96).map(|i| format!(".s{i}").into_bytes()).collect();
    let mut sections: Vec<(&[u8], &[u8])> = names.iter().map(|n| (&n[..], &b"x"[..])).collect();
    sections[50] = (b".linux", b"kernel");
    let file = build(&sections);
    assert_eq!(Uki::parse(&file).unwrap().linux(), b"kernel");
}

#[test]
fn section_table_lies() {
    // 7 sections declared, 6 in the table: the 7th entry is past SizeOfHeaders (0x400 here).
    let mut file = basic();
    let headers = get32(&file, OPT + 60);
    put16(&mut file, COFF + 2, 96);
    assert_eq!(
        Uki::parse(&file),
        Err(UkiRefusal::SectionTableOutOfBounds {
            end: TABLE + 40 * 96,
            size_of_headers: headers
        })
    );
    // SizeOfHeaders shorter than the table.
    let mut file = basic();
    put32(&mut file, OPT + 60, TABLE as u32);
    assert!(matches!(
        Uki::parse(&file),
        Err(UkiRefusal::SectionTableOutOfBounds { .. })
    ));
    // SizeOfHeaders past the end of the file.
    let mut file = basic();
    let past = file.len() as u32 + 1;
    put32(&mut file, OPT + 60, past);
    assert_eq!(
        Uki::parse(&file),
        Err(UkiRefusal::HeadersOutOfBounds {
            size_of_headers: past
        })
    );
    // The table past the end of a file cut short inside it.
    let mut file = basic();
    file.truncate(entry(3));
    put32(&mut file, OPT + 60, entry(3) as u32);
    assert!(matches!(
        Uki::parse(&file),
        Err(UkiRefusal::SectionTableOutOfBounds { .. })
    ));
}

#[test]
fn sections_out_of_the_file() {
    // .initrd (section 5) with huge size fields, or starting past the end.
    for (raw_offset, raw_size) in [
        (None, u32::MAX),
        (None, 0x1000_0000),
        (Some(u32::MAX), 0x200),
        (Some(u32::MAX - 0xff), 0x200),
    ] {
        let mut file = basic();
        if let Some(offset) = raw_offset {
            put32(&mut file, entry(5) + 20, offset);
        }
        put32(&mut file, entry(5) + 16, raw_size);
        assert_eq!(
            Uki::parse(&file),
            Err(UkiRefusal::SectionOutOfBounds { index: 5 }),
            "{raw_offset:?} {raw_size:#x}"
        );
    }
    // A huge VirtualSize with a sane raw size.
    let mut file = basic();
    put32(&mut file, entry(5) + 8, u32::MAX);
    assert!(matches!(
        Uki::parse(&file),
        Err(UkiRefusal::VirtualSizeOverRawSize {
            section: Section::Initrd,
            ..
        })
    ));
    // A section's raw data inside the headers.
    let mut file = basic();
    put32(&mut file, entry(2) + 20, 0x100);
    assert_eq!(
        Uki::parse(&file),
        Err(UkiRefusal::SectionOverlapsHeaders { index: 2 })
    );
}

#[test]
fn overlapping_sections() {
    let mut file = basic();
    // .initrd (5) pointed at .linux's (4) raw data.
    let linux = get32(&file, entry(4) + 20);
    put32(&mut file, entry(5) + 20, linux);
    assert_eq!(
        Uki::parse(&file),
        Err(UkiRefusal::SectionsOverlap {
            first: 4,
            second: 5
        })
    );
    // One byte of overlap.
    let mut file = basic();
    let initrd = get32(&file, entry(5) + 20);
    put32(&mut file, entry(4) + 16, initrd - linux + 1);
    assert_eq!(
        Uki::parse(&file),
        Err(UkiRefusal::SectionsOverlap {
            first: 4,
            second: 5
        })
    );
    // Adjacent is fine.
    put32(&mut file, entry(4) + 16, initrd - linux);
    assert!(Uki::parse(&file).is_ok());
}

#[test]
fn certificate_table() {
    let mut file = basic();
    let end = file.len() as u32;
    file.extend_from_slice(&[0xcc; 0x100]);
    let cert = OPT + 112 + 4 * 8;
    put32(&mut file, cert, end);
    put32(&mut file, cert + 4, 0x100);
    assert!(Uki::parse(&file).is_ok());
    // Past the end of the file.
    put32(&mut file, cert + 4, 0x101);
    assert_eq!(
        Uki::parse(&file),
        Err(UkiRefusal::CertTableOutOfBounds {
            offset: end,
            size: 0x101
        })
    );
    put32(&mut file, cert, u32::MAX);
    assert!(matches!(
        Uki::parse(&file),
        Err(UkiRefusal::CertTableOutOfBounds { .. })
    ));
    // Over .initrd (section 5).
    let initrd = get32(&file, entry(5) + 20);
    put32(&mut file, cert, initrd + 8);
    put32(&mut file, cert + 4, 8);
    assert_eq!(
        Uki::parse(&file),
        Err(UkiRefusal::CertTableOverlapsSection { index: 5 })
    );
    // Over the headers.
    put32(&mut file, cert, 0);
    assert!(matches!(
        Uki::parse(&file),
        Err(UkiRefusal::CertTableOutOfBounds { offset: 0, .. })
    ));
    // A size of 0 means no table, wherever it points.
    put32(&mut file, cert + 4, 0);
    assert!(Uki::parse(&file).is_ok());
    // With only 4 directories declared there is no certificate table entry.
    let mut file = basic();
    put32(&mut file, OPT + 108, 4);
    put32(&mut file, cert, 0);
    put32(&mut file, cert + 4, 8);
    assert!(Uki::parse(&file).is_ok());
}

/// Every prefix of a small UKI: refused or parsed, never a panic; a parse gives the same
/// sections as the whole file, and `is_uki` agrees with the headers.
#[test]
fn every_truncation() {
    for file in [basic(), profiles()] {
        let whole = Uki::parse(&file).unwrap();
        let mut parsed = 0;
        for len in 0..=file.len() {
            let cut = &file[..len];
            match Uki::parse(cut) {
                Ok(uki) => {
                    check_slices(cut, &uki);
                    assert_eq!(uki, whole, "prefix of {len}");
                    parsed += 1;
                }
                Err(refusal) => assert!(!refusal.to_string().is_empty()),
            }
            for n in 0..4 {
                let _ = Uki::parse_profile(cut, n);
            }
            let _ = is_uki(cut);
        }
        // Only the whole file parses: the last section's padded raw data ends at its end.
        assert_eq!(parsed, 1);
    }
}

#[test]
fn refusals_print_one_line() {
    let refusals = [
        UkiRefusal::NotPe,
        UkiRefusal::WrongMachine { machine: 0x8664 },
        UkiRefusal::DuplicateSection {
            section: Section::Linux,
            profile: Some(2),
        },
        UkiRefusal::CmdlineTooLong { len: 5000 },
    ];
    for refusal in refusals {
        let line = refusal.to_string();
        assert!(!line.is_empty() && !line.contains('\n'), "{line}");
    }
    assert_eq!(
        UkiRefusal::WrongMachine { machine: 0x8664 }.to_string(),
        "UKI is for PE machine 0x8664, not arm64 (0xaa64)"
    );
}

/// The kernel build's zboot images (linked by the kernel's own build, one signed with a
/// certificate table) pass the PE checks but are not UKIs; wrapped as `.linux` they are.
#[test]
fn real_zboot_images() {
    for name in [
        "vmlinuz-zstd.efi",
        "vmlinuz-gzip.efi",
        "vmlinuz-gzip.signed.efi",
        "vmlinuz-test.efi",
    ] {
        let zboot = read_artifact(name);
        assert!(!is_uki(&zboot), "{name}");
        assert_eq!(Uki::parse(&zboot), Err(UkiRefusal::NoLinux), "{name}");
        let file = build(&[
            (b".osrel", b"ID=debian\n"),
            (b".linux", &zboot),
            (b".initrd", b"070701"),
        ]);
        let uki = Uki::parse(&file).unwrap();
        assert_eq!(uki.linux(), &zboot[..], "{name}");
        assert!(zboot_format::Zboot::parse(uki.linux()).is_ok(), "{name}");
        check_slices(&file, &uki);
    }
}

/// UKIs made the way distributions make them (`scripts/make-uki.sh`: Debian's ukify around
/// Debian's arm64 systemd-stub): the sections read back are exactly what ukify was given, the
/// `.linux` is the payload zboot image (signed on its own or not), and signing the UKI (a
/// certificate table after the sections) changes none of it.
#[test]
fn real_ukify_ukis() {
    let initrd = read_artifact("uki.initrd");
    let cmdline = read_artifact("uki.cmdline");
    for (name, inner) in [
        ("uki-zstd.efi", "vmlinuz-zstd.efi"),
        ("uki-zstd.signed.efi", "vmlinuz-zstd.efi"),
        (
            "uki-zstd-inner-signed.signed.efi",
            "vmlinuz-zstd.signed.efi",
        ),
    ] {
        let file = read_artifact(name);
        let zboot = read_artifact(inner);
        assert!(is_uki(&file), "{name}");
        let uki = Uki::parse(&file).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(uki.linux(), &zboot[..], "{name}");
        assert!(zboot_format::Zboot::parse(uki.linux()).is_ok(), "{name}");
        assert_eq!(uki.initrd(), Some(&initrd[..]), "{name}");
        assert_eq!(uki.cmdline(), Some(cmdline.trim_ascii()), "{name}");
        assert!(
            uki.uname().is_some_and(|u| u.starts_with(b"6.12.")),
            "{name}"
        );
        assert!(
            uki.osrel()
                .is_some_and(|o| o.starts_with(b"ID=zboot-kexec-rs")),
            "{name}"
        );
        assert_eq!(uki.profile_count(), 0, "{name}");
        check_slices(&file, &uki);
    }
}

/// The builder's cases as fuzzing seeds, when `UKI_SEED_DIR` names a directory.
#[test]
fn write_fuzz_seeds() {
    let Some(dir) = std::env::var_os("UKI_SEED_DIR") else {
        return;
    };
    let dir = std::path::PathBuf::from(dir);
    std::fs::create_dir_all(&dir).unwrap();
    let nested = build(&[(b".linux", &basic())]);
    let dup = build(&[(b".linux", b"k1"), (b".linux", b"k2")]);
    let mut cert = basic();
    let end = cert.len() as u32;
    cert.extend_from_slice(&[0xcc; 0x40]);
    put32(&mut cert, OPT + 112 + 32, end);
    put32(&mut cert, OPT + 112 + 36, 0x40);
    for (name, file) in [
        ("basic", basic()),
        ("profiles", profiles()),
        ("nested", nested),
        ("duplicate", dup),
        ("cert", cert),
    ] {
        std::fs::write(dir.join(format!("uki-{name}")), file).unwrap();
    }
}
