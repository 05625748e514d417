// SPDX-License-Identifier: GPL-2.0

//! `Zboot::parse` on arbitrary files, with every accessor checked against an independent
//! reading of the header, and `checked_declared_size` against a fuzzed RAM size.

#![no_main]

use libfuzzer_sys::fuzz_target;
use zboot_format::*;

fn le16(bytes: &[u8], offset: usize) -> u16 {
    u16::from_le_bytes(bytes[offset..offset + 2].try_into().unwrap())
}

fn le32(bytes: &[u8], offset: usize) -> u32 {
    u32::from_le_bytes(bytes[offset..offset + 4].try_into().unwrap())
}

fn le64(bytes: &[u8], offset: usize) -> u64 {
    u64::from_le_bytes(bytes[offset..offset + 8].try_into().unwrap())
}

fn name_byte_ok(byte: u8) -> bool {
    byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'_'
}

fn one_line(refusal: &Refusal) {
    use std::fmt::Write;
    let mut line = String::new();
    write!(line, "{refusal}").unwrap();
    assert!(!line.is_empty() && !line.contains(['\n', '\r']), "{line:?}");
}

/// A refusal: it must be one `parse` can give, and true of the file.
fn check_refusal(data: &[u8], refusal: Refusal) {
    one_line(&refusal);
    let len = data.len();
    match refusal {
        Refusal::NotZboot => assert!(!has_zboot_magic(data)),
        Refusal::HeaderTruncated { file_len } => {
            assert!(has_zboot_magic(data));
            assert_eq!(file_len, len);
            assert!(len < ZBOOT_HEADER_LEN);
        }
        Refusal::PeHeaderOutOfBounds { offset } => {
            assert_eq!(offset, le32(data, 0x3c));
            let pe = offset as usize;
            assert!(pe.checked_add(6).is_none_or(|end| end > len));
        }
        Refusal::NoPeSignature { offset } => {
            assert_eq!(offset, le32(data, 0x3c));
            let pe = offset as usize;
            assert_ne!(&data[pe..pe + 4], b"PE\0\0");
        }
        Refusal::WrongMachine { machine } => {
            let pe = le32(data, 0x3c) as usize;
            assert_eq!(&data[pe..pe + 4], b"PE\0\0");
            assert_eq!(machine, le16(data, pe + 4));
            assert_ne!(machine, 0xaa64);
        }
        Refusal::MethodNameUnterminated => assert!(!data[0x18..0x38].contains(&0)),
        Refusal::MethodNameInvalid => {
            let field = &data[0x18..0x38];
            let name = &field[..field.iter().position(|&b| b == 0).unwrap()];
            assert!(name.is_empty() || !name.iter().all(|&b| name_byte_ok(b)));
        }
        Refusal::PayloadOutOfBounds {
            offset,
            size,
            file_len,
        } => {
            assert_eq!(
                (offset, size, file_len),
                (le32(data, 8), le32(data, 0x0c), len)
            );
            let end = offset as u64 + size as u64;
            assert!((offset as usize) < ZBOOT_HEADER_LEN || size == 0 || end > len as u64);
        }
        Refusal::SizeTrailerOutOfBounds => {
            let end = le32(data, 8) as usize + le32(data, 0x0c) as usize;
            let gzip = data[0x18..0x1d] == *b"gzip\0";
            assert!(if gzip {
                le32(data, 0x0c) < 4
            } else {
                end + 4 > len
            });
        }
        other => panic!("Zboot::parse cannot refuse with {other:?}"),
    }
}

fn check_zboot(data: &[u8], zboot: &Zboot<'_>) {
    let len = data.len();
    assert!(has_zboot_magic(data) && len >= ZBOOT_HEADER_LEN);

    // The PE header is arm64's, where 0x3c says.
    let pe = le32(data, 0x3c) as usize;
    assert_eq!(&data[pe..pe + 4], b"PE\0\0");
    assert_eq!(le16(data, pe + 4), 0xaa64);

    // The payload is the subslice the header delimits, after the header, inside the file.
    let offset = le32(data, 8) as usize;
    let size = le32(data, 0x0c) as usize;
    let payload = zboot.payload();
    assert!(offset >= ZBOOT_HEADER_LEN && size > 0 && offset + size <= len);
    assert_eq!(payload.as_ptr(), data[offset..].as_ptr());
    assert_eq!(payload.len(), size);

    // The name is well-formed, NUL-terminated in the field, and what the method says.
    let name = zboot.method_name();
    let bytes = name.as_bytes();
    assert!(!bytes.is_empty() && bytes.len() <= MAX_METHOD_NAME_LEN);
    assert!(bytes.iter().all(|&b| name_byte_ok(b)));
    let with_nul = zboot.method_name_with_nul();
    assert_eq!(with_nul, &data[0x18..0x18 + bytes.len() + 1]);
    assert_eq!(with_nul.last(), Some(&0));
    assert_eq!(zboot.method(), Method::from_name(bytes));
    if let Some(method) = zboot.method() {
        assert_eq!(method.name().as_bytes(), bytes);
    }
    assert_eq!(
        zboot.unsupported_method(),
        Refusal::UnsupportedMethod {
            name,
            known: zboot.method().is_some()
        }
    );
    assert_eq!(zboot.corrupt_payload(), Refusal::CorruptPayload { name });
    one_line(&zboot.unsupported_method());
    one_line(&zboot.corrupt_payload());

    // The declared size comes from gzip's ISIZE, or from after the payload for the rest.
    let declared = if bytes == b"gzip" {
        le32(data, offset + size - 4)
    } else {
        le32(data, offset + size)
    } as usize;
    assert_eq!(zboot.declared_size(), declared);

    // The limit for a RAM size taken from header bytes the parser ignores.
    let ram = le64(data, 0x10);
    let limit = image_size_limit(ram);
    assert_eq!(limit as u64, (ram / 2).min(MAX_IMAGE_SIZE as u64));
    for limit in [
        limit,
        MAX_IMAGE_SIZE,
        declared,
        declared.saturating_sub(1),
        0,
    ] {
        let want = if declared < IMAGE_HEADER_LEN {
            Err(Refusal::DeclaredSizeTooSmall { declared })
        } else if declared > limit {
            Err(Refusal::DeclaredSizeTooLarge { declared, limit })
        } else {
            Ok(declared)
        };
        assert_eq!(checked_declared_size(zboot, limit), want);
    }
}

fuzz_target!(|data: &[u8]| {
    match Zboot::parse(data) {
        Ok(zboot) => {
            check_zboot(data, &zboot);
            // Bytes after everything the header points at change nothing.
            let mut longer = data.to_vec();
            longer.extend_from_slice(&[0xa5; 8]);
            let again = Zboot::parse(&longer).expect("accepted file refused once extended");
            assert_eq!(again.payload(), zboot.payload());
            assert_eq!(again.declared_size(), zboot.declared_size());
            assert_eq!(again.method_name(), zboot.method_name());
        }
        Err(refusal) => check_refusal(data, refusal),
    }
});
