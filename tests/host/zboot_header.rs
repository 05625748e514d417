// SPDX-License-Identifier: GPL-2.0

//! Hand-made zboot headers: every field of the header at its boundaries, the size trailer,
//! the declared-size checks, the method names and the refusal messages.

mod common;

use common::*;
use zboot_format::*;

fn parse(file: &[u8]) -> Result<Zboot<'_>, Refusal> {
    Zboot::parse(file)
}

fn refusal(file: &[u8]) -> Refusal {
    match Zboot::parse(file) {
        Ok(zboot) => panic!("parsed, want a refusal: {zboot:?}"),
        Err(refusal) => refusal,
    }
}

/// A payload of `len` bytes whose last four are the le32 `declared` (gzip's ISIZE).
fn gzip_payload(len: usize, declared: u32) -> Vec<u8> {
    assert!(len >= 4);
    let mut payload: Vec<u8> = (0..len - 4).map(|i| i as u8 | 1).collect();
    payload.extend_from_slice(&declared.to_le_bytes());
    payload
}

fn out_of_bounds(offset: u32, size: u32, file_len: usize) -> Refusal {
    Refusal::PayloadOutOfBounds {
        offset,
        size,
        file_len,
    }
}

#[test]
fn good_gzip() {
    let payload = gzip_payload(40, 0x0001_0040);
    let file = make_zboot(b"gzip", &payload, &[]);
    let zboot = parse(&file).unwrap();
    assert_eq!(zboot.method(), Some(Method::Gzip));
    assert_eq!(zboot.method_name().as_bytes(), b"gzip");
    assert_eq!(zboot.method_name().to_string(), "gzip");
    assert_eq!(format!("{:?}", zboot.method_name()), "\"gzip\"");
    assert_eq!(zboot.method_name_with_nul(), b"gzip\0");
    assert_eq!(zboot.payload(), &payload[..]);
    assert_eq!(
        zboot.payload().as_ptr(),
        file[PAYLOAD_OFFSET..].as_ptr(),
        "payload must borrow the file"
    );
    assert_eq!(zboot.declared_size(), 0x0001_0040);
    assert_eq!(
        zboot.unsupported_method(),
        Refusal::UnsupportedMethod {
            name: zboot.method_name(),
            known: true
        }
    );
    assert_eq!(
        zboot.corrupt_payload(),
        Refusal::CorruptPayload {
            name: zboot.method_name()
        }
    );
}

#[test]
fn good_zstd() {
    let file = make_zboot(b"zstd", b"0123456789", &0x00ab_cdefu32.to_le_bytes());
    let zboot = parse(&file).unwrap();
    assert_eq!(zboot.method(), Some(Method::Zstd));
    assert_eq!(zboot.payload(), b"0123456789", "the trailer is not payload");
    assert_eq!(zboot.declared_size(), 0x00ab_cdef);
    assert_eq!(zboot.method_name_with_nul(), b"zstd\0");
}

#[test]
fn no_magic_is_not_zboot() {
    let good = make_zboot(b"gzip", &gzip_payload(8, 64), &[]);
    for file in [
        &b""[..],
        b"M",
        b"MZ",
        b"MZ\0\0zim",
        b"MZ\0\0zimh",
        b"ZM\0\0zimg",
        b"mz\0\0zimg",
        b"MZ\0\0ZIMG",
        b"\0MZ\0zimg",
    ] {
        assert!(!has_zboot_magic(file), "{file:?}");
        assert_eq!(refusal(file), Refusal::NotZboot, "{file:?}");
    }
    let mut file = good.clone();
    file[7] = b'h';
    assert_eq!(refusal(&file), Refusal::NotZboot);
    let mut file = good.clone();
    file[1] = b'z';
    assert_eq!(refusal(&file), Refusal::NotZboot);
    // Bytes 2-3 are the DOS header's, not part of the magic.
    let mut file = good;
    file[2..4].copy_from_slice(b"\xff\xff");
    assert!(has_zboot_magic(&file));
    assert!(parse(&file).is_ok());
    assert!(has_zboot_magic(b"MZ\0\0zimg"));
}

/// Every truncation of a gzip file: the refusal names the first field that is cut.
#[test]
fn gzip_truncated_at_every_length() {
    let payload = gzip_payload(24, 100);
    let file = make_zboot(b"gzip", &payload, &[]);
    let size = payload.len() as u32;
    for cut in 0..file.len() {
        let want = match cut {
            0..8 => Refusal::NotZboot,
            8..0x40 => Refusal::HeaderTruncated { file_len: cut },
            0x40..0x46 => Refusal::PeHeaderOutOfBounds { offset: 0x40 },
            _ => out_of_bounds(0x80, size, cut),
        };
        assert_eq!(refusal(&file[..cut]), want, "cut at {cut:#x}");
    }
    assert!(parse(&file).is_ok());
}

/// Every truncation of a zstd file, whose size trailer follows the payload.
#[test]
fn zstd_truncated_at_every_length() {
    let payload = b"zstd frame";
    let file = make_zboot(b"zstd", payload, &4096u32.to_le_bytes());
    let payload_end = PAYLOAD_OFFSET + payload.len();
    for cut in 0..file.len() {
        let want = match cut {
            0..8 => Refusal::NotZboot,
            8..0x40 => Refusal::HeaderTruncated { file_len: cut },
            0x40..0x46 => Refusal::PeHeaderOutOfBounds { offset: 0x40 },
            _ if cut < payload_end => out_of_bounds(0x80, payload.len() as u32, cut),
            _ => Refusal::SizeTrailerOutOfBounds,
        };
        assert_eq!(refusal(&file[..cut]), want, "cut at {cut:#x}");
    }
    assert_eq!(parse(&file).unwrap().declared_size(), 4096);
}

#[test]
fn header_truncated_reports_file_len() {
    // Magic present, nothing else: the refusal carries the length.
    assert_eq!(
        refusal(b"MZ\0\0zimg\x80\0\0\0"),
        Refusal::HeaderTruncated { file_len: 12 }
    );
    let mut header = make_zboot(b"gzip", &gzip_payload(8, 64), &[]);
    header.truncate(ZBOOT_HEADER_LEN - 1);
    assert_eq!(
        refusal(&header),
        Refusal::HeaderTruncated {
            file_len: ZBOOT_HEADER_LEN - 1
        }
    );
}

fn with_payload_fields(offset: u32, size: u32) -> Vec<u8> {
    let mut file = make_zboot(b"gzip", &gzip_payload(32, 64), &[]);
    put_le32(&mut file, 0x08, offset);
    put_le32(&mut file, 0x0c, size);
    file
}

#[test]
fn payload_offset_boundaries() {
    let len = PAYLOAD_OFFSET + 32;
    for offset in [0, 1, 0x3c, 0x3f] {
        let file = with_payload_fields(offset, 8);
        assert_eq!(
            refusal(&file),
            out_of_bounds(offset, 8, len),
            "offset {offset:#x}"
        );
    }
    // 0x40 is the first offset past the zboot header: accepted, even though the PE header is
    // there (the parser does not police the PE layout beyond the signature and machine).
    let file = with_payload_fields(0x40, 8);
    let zboot = parse(&file).unwrap();
    assert_eq!(zboot.payload(), &file[0x40..0x48]);
    assert_eq!(zboot.declared_size(), le32(&file, 0x44) as usize);
    // Payload ending exactly at the end of the file, then one byte more.
    let last = (len - 4) as u32;
    assert!(parse(&with_payload_fields(last, 4)).is_ok());
    assert_eq!(
        refusal(&with_payload_fields(last + 1, 4)),
        out_of_bounds(last + 1, 4, len)
    );
    for offset in [
        len as u32,
        len as u32 + 1,
        0x7fff_ffff,
        0xffff_fffc,
        0xffff_ffff,
    ] {
        let file = with_payload_fields(offset, 4);
        assert_eq!(
            refusal(&file),
            out_of_bounds(offset, 4, len),
            "offset {offset:#x}"
        );
    }
}

#[test]
fn payload_size_boundaries() {
    let len = PAYLOAD_OFFSET + 32;
    assert_eq!(
        refusal(&with_payload_fields(0x80, 0)),
        out_of_bounds(0x80, 0, len)
    );
    assert!(parse(&with_payload_fields(0x80, 32)).is_ok());
    for size in [33, 0x1000, 0x7fff_ffff, 0xffff_ff80, 0xffff_ffff] {
        assert_eq!(
            refusal(&with_payload_fields(0x80, size)),
            out_of_bounds(0x80, size, len),
            "size {size:#x}"
        );
    }
    // offset + size wraps a u32 (end = 2^32 exactly, and 2^32 + 0x7f): the sum is done in
    // usize (checked), so it is past the end of the file, not a small end.
    for (offset, size) in [
        (0x80, 0xffff_ff80),
        (0x100, 0xffff_ff7f),
        (0xffff_ffff, 0xffff_ffff),
    ] {
        assert_eq!(
            refusal(&with_payload_fields(offset, size)),
            out_of_bounds(offset, size, len),
            "offset {offset:#x} size {size:#x}"
        );
    }
}

#[test]
fn gzip_size_is_last_four_payload_bytes() {
    for size in 0..4 {
        let file = with_payload_fields(0x80, size);
        let want = if size == 0 {
            out_of_bounds(0x80, 0, file.len())
        } else {
            Refusal::SizeTrailerOutOfBounds
        };
        assert_eq!(refusal(&file), want, "payload of {size} bytes");
    }
    for size in 4..=32u32 {
        let file = with_payload_fields(0x80, size);
        let zboot = parse(&file).unwrap();
        let end = PAYLOAD_OFFSET + size as usize;
        assert_eq!(zboot.payload(), &file[PAYLOAD_OFFSET..end]);
        assert_eq!(zboot.declared_size(), le32(&file, end - 4) as usize);
    }
    // Bytes after a gzip payload are not read.
    let mut file = make_zboot(b"gzip", &gzip_payload(16, 1234), &[]);
    file.extend_from_slice(&[0xff; 4]);
    assert_eq!(parse(&file).unwrap().declared_size(), 1234);
}

/// Every method but gzip keeps its size after the payload, known names and unknown alike.
#[test]
fn other_methods_size_follows_payload() {
    let names: [&[u8]; 10] = [
        b"zstd", b"zstd22", b"xzkern", b"lzma", b"lz4", b"lzo", b"bzip2", b"brotli", b"gzip_",
        b"gzip9",
    ];
    for name in names {
        // The payload ends with what would be an ISIZE: it must not be taken.
        let mut payload = b"payload".to_vec();
        payload.extend_from_slice(&0xdead_beefu32.to_le_bytes());
        let file = make_zboot(name, &payload, &77u32.to_le_bytes());
        let zboot = parse(&file).unwrap();
        assert_eq!(zboot.declared_size(), 77, "{}", zboot.method_name());
        assert_eq!(zboot.payload(), &payload[..]);
        // Payload ending at the end of the file: nowhere for the size.
        let file = make_zboot(name, &payload, &[]);
        assert_eq!(refusal(&file), Refusal::SizeTrailerOutOfBounds);
        let file = make_zboot(name, &payload, &[1, 2, 3]);
        assert_eq!(refusal(&file), Refusal::SizeTrailerOutOfBounds);
        // Anything after the trailer is ignored.
        let file = make_zboot(name, &payload, &[77, 0, 0, 0, 1, 2]);
        assert_eq!(parse(&file).unwrap().declared_size(), 77);
    }
}

#[test]
fn declared_size_extremes_parse() {
    for declared in [0, 1, 63, 64, u32::MAX] {
        assert_eq!(
            parse(&gzip_file(declared)).unwrap().declared_size(),
            declared as usize
        );
        assert_eq!(
            parse(&trailer_file(b"zstd", declared))
                .unwrap()
                .declared_size(),
            declared as usize
        );
    }
}

fn with_pe(pe_offset: u32, patch: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut file = make_zboot(b"gzip", &gzip_payload(16, 64), &[]);
    put_le32(&mut file, 0x3c, pe_offset);
    patch(&mut file);
    file
}

#[test]
fn pe_offset_boundaries() {
    let len = PAYLOAD_OFFSET + 16;
    // Offset 0 points at "MZ\0\0", 0x20 into the name field's zeros, 0x3c at itself.
    for offset in [0u32, 4, 0x20, 0x3c, 0x44] {
        assert_eq!(
            refusal(&with_pe(offset, |_| {})),
            Refusal::NoPeSignature { offset },
            "offset {offset:#x}"
        );
    }
    for offset in [
        len as u32 - 3,
        len as u32,
        len as u32 + 1,
        0x7fff_ffff,
        0xffff_fffb,
        0xffff_fffc,
        0xffff_fffe,
        0xffff_ffff,
    ] {
        assert_eq!(
            refusal(&with_pe(offset, |_| {})),
            Refusal::PeHeaderOutOfBounds { offset },
            "offset {offset:#x}"
        );
    }
    // The signature in the last four bytes: no room for the machine.
    let at_end = |room: usize| {
        let mut file = make_zboot(b"gzip", &gzip_payload(16, 64), &[]);
        file.extend_from_slice(b"PE\0\0\x64\xaa");
        file.truncate(file.len() - 2 + room);
        let offset = (file.len() - 4 - room) as u32;
        put_le32(&mut file, 0x3c, offset);
        (file, offset)
    };
    for room in 0..2 {
        let (file, offset) = at_end(room);
        assert_eq!(
            refusal(&file),
            Refusal::PeHeaderOutOfBounds { offset },
            "room {room}"
        );
    }
    let (file, _) = at_end(2);
    assert!(parse(&file).is_ok());
    // A PE header inside the payload is fine too: only the signature and machine are read.
    let file = with_pe(0x80, |file| {
        file[0x80..0x86].copy_from_slice(b"PE\0\0\x64\xaa");
    });
    assert!(parse(&file).is_ok());
}

#[test]
fn pe_signature_and_machine() {
    for signature in [
        &b"PE\0\x01"[..],
        b"pe\0\0",
        b"PE\x01\0",
        b"NE\0\0",
        b"\0PE\0",
    ] {
        let file = with_pe(0x40, |file| file[0x40..0x44].copy_from_slice(signature));
        assert_eq!(refusal(&file), Refusal::NoPeSignature { offset: 0x40 });
    }
    for machine in [
        0u16, 0x014c, 0x01c4, 0x5064, 0x8664, 0x64aa, 0xaa65, 0xaa63, 0xffff,
    ] {
        let file = with_pe(0x40, |file| put_le16(file, 0x44, machine));
        assert_eq!(refusal(&file), Refusal::WrongMachine { machine });
    }
    assert!(parse(&with_pe(0x40, |file| put_le16(file, 0x44, 0xaa64))).is_ok());
}

/// The checks run in header order: PE header, then name, then payload, then trailer.
#[test]
fn first_fault_wins() {
    let mut file = make_zboot(b"zstd", b"x", &[]);
    put_le32(&mut file, 0x0c, 0);
    assert_eq!(refusal(&file), out_of_bounds(0x80, 0, file.len()));
    set_name(&mut file, b"");
    assert_eq!(refusal(&file), Refusal::MethodNameInvalid);
    put_le16(&mut file, 0x44, 0x8664);
    assert_eq!(refusal(&file), Refusal::WrongMachine { machine: 0x8664 });
    file[0x43] = 1;
    assert_eq!(refusal(&file), Refusal::NoPeSignature { offset: 0x40 });
}

fn named(name: &[u8]) -> Vec<u8> {
    let mut file = trailer_file(b"zstd", 64);
    set_name(&mut file, name);
    file
}

#[test]
fn name_unterminated() {
    // All 32 bytes of the field non-NUL: no NUL before 0x38. The bytes from 0x38 on (the
    // LINUX_PE_MAGIC here, often with a zero byte) are not part of the field.
    let mut file = named(b"");
    file[0x18..0x38].fill(b'a');
    assert_eq!(refusal(&file), Refusal::MethodNameUnterminated);
    put_le32(&mut file, 0x38, 0);
    assert_eq!(refusal(&file), Refusal::MethodNameUnterminated);
    // Unterminated beats invalid characters.
    file[0x18..0x38].fill(b'A');
    assert_eq!(refusal(&file), Refusal::MethodNameUnterminated);
}

#[test]
fn name_max_length() {
    assert_eq!(MAX_METHOD_NAME_LEN, 31);
    let name = [b'z'; MAX_METHOD_NAME_LEN];
    let file = named(&name);
    let zboot = parse(&file).unwrap();
    assert_eq!(zboot.method_name().as_bytes(), &name[..]);
    assert_eq!(zboot.method_name_with_nul().len(), 32);
    assert_eq!(zboot.method(), None);
    assert_eq!(
        zboot.unsupported_method().to_string(),
        format!("unknown compression method \"{}\"", "z".repeat(31))
    );
}

#[test]
fn name_empty_or_bad_characters() {
    assert_eq!(refusal(&named(b"")), Refusal::MethodNameInvalid);
    for byte in 1..=255u8 {
        let good = byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'_';
        for name in [
            vec![byte],
            vec![b'g', byte, b'z'],
            [b"gzip", &[byte][..]].concat(),
        ] {
            let result = parse(&named(&name)).map(|zboot| zboot.method_name());
            if good {
                assert_eq!(result.unwrap().as_bytes(), &name[..], "{name:?}");
            } else {
                assert_eq!(result, Err(Refusal::MethodNameInvalid), "{name:?}");
            }
        }
    }
    for name in [
        &b"GZIP"[..],
        b"gz\nip",
        b"%s%n%p",
        b"zstd ",
        b" zstd",
        b"zstd-22",
        b"lz4.hc",
    ] {
        assert_eq!(
            refusal(&named(name)),
            Refusal::MethodNameInvalid,
            "{name:?}"
        );
    }
}

#[test]
fn name_ends_at_first_nul() {
    let mut file = named(b"gzip");
    file[0x1d..0x38].fill(0xff); // junk after "gzip\0"
    let zboot = parse(&file).unwrap();
    assert_eq!(zboot.method_name_with_nul(), b"gzip\0");
    assert_eq!(zboot.method(), Some(Method::Gzip));
    // The name decides where the size is: now the payload's last four bytes.
    let payload = zboot.payload();
    assert_eq!(
        zboot.declared_size(),
        le32(payload, payload.len() - 4) as usize
    );
}

#[test]
fn unknown_well_formed_names_parse() {
    for name in [
        &b"brotli"[..],
        b"a",
        b"0",
        b"_",
        b"zstd_22",
        b"lz4hc",
        b"gzip2",
        b"zst",
    ] {
        let zboot_file = named(name);
        let zboot = parse(&zboot_file).unwrap();
        assert_eq!(zboot.method(), None, "{name:?}");
        assert_eq!(zboot.method_name().as_bytes(), name);
        assert_eq!(zboot.declared_size(), 64);
        assert_eq!(
            zboot.unsupported_method(),
            Refusal::UnsupportedMethod {
                name: zboot.method_name(),
                known: false
            }
        );
    }
    for method in [
        Method::Gzip,
        Method::Zstd,
        Method::Zstd22,
        Method::Xzkern,
        Method::Lzma,
        Method::Lz4,
        Method::Lzo,
        Method::Bzip2,
    ] {
        let file = if method == Method::Gzip {
            gzip_file(64)
        } else {
            named(method.name().as_bytes())
        };
        let zboot = parse(&file).unwrap();
        assert_eq!(zboot.method(), Some(method));
        assert_eq!(
            zboot.unsupported_method(),
            Refusal::UnsupportedMethod {
                name: zboot.method_name(),
                known: true
            }
        );
    }
}

#[test]
fn method_names_round_trip() {
    let all = [
        Method::Gzip,
        Method::Zstd,
        Method::Zstd22,
        Method::Xzkern,
        Method::Lzma,
        Method::Lz4,
        Method::Lzo,
        Method::Bzip2,
    ];
    let names: Vec<&str> = all.iter().map(|method| method.name()).collect();
    assert_eq!(
        names,
        ["gzip", "zstd", "zstd22", "xzkern", "lzma", "lz4", "lzo", "bzip2"]
    );
    for method in all {
        let name = method.name();
        assert_eq!(Method::from_name(name.as_bytes()), Some(method));
        assert!(name.len() <= MAX_METHOD_NAME_LEN);
        assert!(name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'));
        let with_nul = [name.as_bytes(), b"\0"].concat();
        assert_eq!(Method::from_name(&with_nul), None);
        assert_eq!(Method::from_name(name.to_uppercase().as_bytes()), None);
        assert_eq!(Method::from_name(&name.as_bytes()[1..]), None);
    }
    for name in [
        &b""[..],
        b"xz",
        b"zstd2",
        b"gzip ",
        b"bz2",
        b"lz4hc",
        b"zstd_22",
    ] {
        assert_eq!(Method::from_name(name), None, "{name:?}");
    }
}

#[test]
fn checked_declared_size_limits() {
    let check = |declared: u32, limit: usize| {
        let file = gzip_file(declared);
        let zboot = parse(&file).unwrap();
        checked_declared_size(&zboot, limit)
    };
    for declared in [0, 1, 32, 63] {
        let d = declared as usize;
        assert_eq!(
            check(declared, MAX_IMAGE_SIZE),
            Err(Refusal::DeclaredSizeTooSmall { declared: d })
        );
        // Too small is decided first, whatever the limit.
        assert_eq!(
            check(declared, 0),
            Err(Refusal::DeclaredSizeTooSmall { declared: d })
        );
    }
    assert_eq!(check(64, MAX_IMAGE_SIZE), Ok(64));
    assert_eq!(check(64, 64), Ok(64));
    assert_eq!(
        check(64, 63),
        Err(Refusal::DeclaredSizeTooLarge {
            declared: 64,
            limit: 63
        })
    );
    let max = MAX_IMAGE_SIZE as u32;
    assert_eq!(check(max, MAX_IMAGE_SIZE), Ok(MAX_IMAGE_SIZE));
    for declared in [max + 1, 0x8000_0000, u32::MAX] {
        assert_eq!(
            check(declared, MAX_IMAGE_SIZE),
            Err(Refusal::DeclaredSizeTooLarge {
                declared: declared as usize,
                limit: MAX_IMAGE_SIZE
            })
        );
    }
    // A small machine's limit.
    let limit = image_size_limit(64 << 20);
    assert_eq!(check(32 << 20, limit), Ok(32 << 20));
    assert_eq!(
        check((32 << 20) + 1, limit),
        Err(Refusal::DeclaredSizeTooLarge {
            declared: (32 << 20) + 1,
            limit: 32 << 20
        })
    );
    // The size after the payload counts the same way.
    let file = trailer_file(b"zstd", 63);
    assert_eq!(
        checked_declared_size(&parse(&file).unwrap(), MAX_IMAGE_SIZE),
        Err(Refusal::DeclaredSizeTooSmall { declared: 63 })
    );
    // usize::MAX is not a special value.
    assert_eq!(check(u32::MAX, usize::MAX), Ok(u32::MAX as usize));
}

#[test]
fn image_size_limit_is_half_of_ram_capped() {
    assert_eq!(MAX_IMAGE_SIZE, 512 << 20);
    let max = MAX_IMAGE_SIZE as u64;
    for (ram, want) in [
        (0, 0),
        (1, 0),
        (2, 1),
        (3, 1),
        (128 << 20, 64 << 20),
        (2 * max - 2, MAX_IMAGE_SIZE - 1),
        (2 * max - 1, MAX_IMAGE_SIZE - 1),
        (2 * max, MAX_IMAGE_SIZE),
        (2 * max + 2, MAX_IMAGE_SIZE),
        (16 << 30, MAX_IMAGE_SIZE),
        (u64::MAX / 2, MAX_IMAGE_SIZE),
        (u64::MAX, MAX_IMAGE_SIZE),
    ] {
        assert_eq!(image_size_limit(ram), want, "ram {ram:#x}");
    }
}

/// One value of every `Refusal` variant, extremes where a field can take them. The match in
/// `variant` has no wildcard: a new variant does not build until it is listed here too.
fn every_refusal() -> Vec<Refusal> {
    let file = named(&[b'z'; MAX_METHOD_NAME_LEN]);
    let long = parse(&file).unwrap();
    let file = gzip_file(64);
    let gzip = parse(&file).unwrap();
    vec![
        Refusal::NotZboot,
        Refusal::HeaderTruncated { file_len: 8 },
        Refusal::PeHeaderOutOfBounds { offset: u32::MAX },
        Refusal::NoPeSignature { offset: 0 },
        Refusal::WrongMachine { machine: 0x8664 },
        Refusal::MethodNameUnterminated,
        Refusal::MethodNameInvalid,
        out_of_bounds(u32::MAX, u32::MAX, usize::MAX),
        Refusal::SizeTrailerOutOfBounds,
        gzip.unsupported_method(),
        long.unsupported_method(),
        Refusal::DeclaredSizeTooSmall { declared: 0 },
        Refusal::DeclaredSizeTooLarge {
            declared: u32::MAX as usize,
            limit: MAX_IMAGE_SIZE,
        },
        Refusal::OutputOverflow { declared: 64 },
        gzip.corrupt_payload(),
        long.corrupt_payload(),
        Refusal::OutputShort {
            declared: 65600,
            actual: 0,
        },
        Refusal::ImageTooShort { len: 0 },
        Refusal::NotArm64Image,
        Refusal::ZeroImageSize,
        Refusal::ImageSizeTooSmall {
            image_size: 1,
            len: usize::MAX,
        },
        Refusal::ImageSizeTooLarge {
            image_size: u64::MAX,
            text_offset: u64::MAX,
        },
        Refusal::EndiannessUnsupported {
            image_big_endian: true,
        },
        Refusal::EndiannessUnsupported {
            image_big_endian: false,
        },
        Refusal::PageSizeUnsupported { kib: 64 },
    ]
}

fn variant(refusal: &Refusal) -> usize {
    match refusal {
        Refusal::NotZboot => 0,
        Refusal::HeaderTruncated { .. } => 1,
        Refusal::PeHeaderOutOfBounds { .. } => 2,
        Refusal::NoPeSignature { .. } => 3,
        Refusal::WrongMachine { .. } => 4,
        Refusal::MethodNameUnterminated => 5,
        Refusal::MethodNameInvalid => 6,
        Refusal::PayloadOutOfBounds { .. } => 7,
        Refusal::SizeTrailerOutOfBounds => 8,
        Refusal::UnsupportedMethod { .. } => 9,
        Refusal::DeclaredSizeTooSmall { .. } => 10,
        Refusal::DeclaredSizeTooLarge { .. } => 11,
        Refusal::OutputOverflow { .. } => 12,
        Refusal::CorruptPayload { .. } => 13,
        Refusal::OutputShort { .. } => 14,
        Refusal::ImageTooShort { .. } => 15,
        Refusal::NotArm64Image => 16,
        Refusal::ZeroImageSize => 17,
        Refusal::ImageSizeTooSmall { .. } => 18,
        Refusal::ImageSizeTooLarge { .. } => 19,
        Refusal::EndiannessUnsupported { .. } => 20,
        Refusal::PageSizeUnsupported { .. } => 21,
    }
}

#[test]
fn every_refusal_prints_one_line() {
    let refusals = every_refusal();
    let mut seen = [false; 22];
    for refusal in &refusals {
        seen[variant(refusal)] = true;
        let line = refusal.to_string();
        assert!(!line.is_empty(), "{refusal:?}");
        assert!(
            !line.contains(['\n', '\r']),
            "{refusal:?} prints more than one line: {line:?}"
        );
        assert_eq!(
            line.trim(),
            line,
            "{refusal:?}: stray whitespace in {line:?}"
        );
        assert!(
            !line.contains("  "),
            "{refusal:?}: double space in {line:?}"
        );
        assert!(line.is_ascii(), "{refusal:?}: {line:?}");
        // printk's line limit is 1024 bytes; stay far below it.
        assert!(line.len() < 200, "{refusal:?}: {line:?}");
    }
    let missing: Vec<usize> = (0..seen.len()).filter(|&i| !seen[i]).collect();
    assert!(missing.is_empty(), "variants without a sample: {missing:?}");
}

#[test]
fn refusal_messages() {
    let file = trailer_file(b"bzip2", 64);
    let bzip2 = parse(&file).unwrap();
    assert_eq!(
        bzip2.unsupported_method().to_string(),
        "this kernel has no bzip2 decompressor"
    );
    assert_eq!(
        bzip2.corrupt_payload().to_string(),
        "bzip2 payload is corrupt, truncated, has trailing data or fails its checksum"
    );
    assert_eq!(
        Refusal::WrongMachine { machine: 0x8664 }.to_string(),
        "zboot image is for PE machine 0x8664, not arm64 (0xaa64)"
    );
    assert_eq!(
        Refusal::HeaderTruncated { file_len: 8 }.to_string(),
        "zboot header truncated: file is 8 bytes, header needs 64"
    );
    assert_eq!(
        Refusal::NotArm64Image.to_string(),
        "payload is not an arm64 Image (no ARM\\x64 magic)"
    );
}

#[test]
fn errno_mapping_of_parse_refusals() {
    // What probe() returns for each header refusal (tests/corpus/zboot_cases.py's contract).
    assert_eq!(errno(&Refusal::NotZboot), ENOEXEC);
    for file in [
        make_zboot(b"gzip", &gzip_payload(8, 64), &[])[..0x20].to_vec(),
        with_pe(0, |_| {}),
        with_pe(u32::MAX, |_| {}),
        with_pe(0x40, |file| put_le16(file, 0x44, 0x8664)),
        named(b""),
        with_payload_fields(0, 4),
        trailer_file(b"zstd", 64)[..PAYLOAD_OFFSET + 2].to_vec(),
    ] {
        assert_eq!(errno(&refusal(&file)), EINVAL, "{:?}", refusal(&file));
    }
}
