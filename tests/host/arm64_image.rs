// SPDX-License-Identifier: GPL-2.0

//! Hand-made arm64 `Image` headers: `Arm64Image::parse` at its boundaries and `check_cpu`
//! over every combination of image flags and CPU features.

mod common;

use common::*;
use zboot_format::*;

const LE_4K: u64 = 1 << 1 | 1 << 3; // 4K pages, placement anywhere, little-endian

/// An Image of `len` bytes (at least the header) with these header fields and the magic.
fn image(len: usize, text_offset: u64, image_size: u64, flags: u64) -> Vec<u8> {
    let mut image = vec![0u8; len.max(IMAGE_HEADER_LEN)];
    put_le32(&mut image, 0, 0x1400_0010); // b +0x40
    put_le64(&mut image, 0x08, text_offset);
    put_le64(&mut image, 0x10, image_size);
    put_le64(&mut image, 0x18, flags);
    image[0x38..0x3c].copy_from_slice(b"ARM\x64");
    for (i, byte) in image.iter_mut().enumerate().skip(IMAGE_HEADER_LEN) {
        *byte = i as u8;
    }
    image.truncate(len);
    image
}

fn parse(image: &[u8]) -> Result<Arm64Image, Refusal> {
    Arm64Image::parse(image, image.len())
}

#[test]
fn good_image() {
    let data = image(4096, 0x80000, 8192, LE_4K);
    let header = parse(&data).unwrap();
    assert_eq!(header.text_offset(), 0x80000);
    assert_eq!(header.image_size(), 8192);
    assert_eq!(header.memsz(), 0x80000 + 8192);
    assert_eq!(header.endianness(), Endianness::Little);
    assert_eq!(header.page_size(), PageSize::K4);
}

#[test]
fn length_must_equal_declared() {
    let data = image(4096, 0, 8192, LE_4K);
    for declared in [0, 64, 4095, 4097, 8192, usize::MAX] {
        assert_eq!(
            Arm64Image::parse(&data, declared),
            Err(Refusal::OutputShort {
                declared,
                actual: 4096
            }),
            "declared {declared}"
        );
    }
    // The length check comes before everything else, even on garbage.
    assert_eq!(
        Arm64Image::parse(b"short", 64),
        Err(Refusal::OutputShort {
            declared: 64,
            actual: 5
        })
    );
    assert!(Arm64Image::parse(&data, 4096).is_ok());
}

#[test]
fn shorter_than_header() {
    let full = image(IMAGE_HEADER_LEN, 0, 4096, LE_4K);
    for len in 0..IMAGE_HEADER_LEN {
        assert_eq!(
            parse(&full[..len]),
            Err(Refusal::ImageTooShort { len }),
            "len {len}"
        );
    }
    assert!(parse(&full).is_ok());
}

#[test]
fn magic() {
    let good = image(256, 0, 4096, LE_4K);
    for index in 0x38..0x3c {
        for bit in 0..8 {
            let mut data = good.clone();
            data[index] ^= 1 << bit;
            assert_eq!(
                parse(&data),
                Err(Refusal::NotArm64Image),
                "byte {index:#x} bit {bit}"
            );
        }
    }
    // The magic is checked before the sizes: text with no magic is NotArm64Image, not
    // ZeroImageSize.
    let text = b"This is not an arm64 Image, just text. ".repeat(4);
    assert_eq!(parse(&text), Err(Refusal::NotArm64Image));
    let mut data = image(256, 0, 0, LE_4K);
    data[0x38] = b'a';
    assert_eq!(parse(&data), Err(Refusal::NotArm64Image));
    // The bytes after the magic (0x3c: PE header offset) are not part of it.
    let mut data = good;
    put_le32(&mut data, 0x3c, 0xffff_ffff);
    assert!(parse(&data).is_ok());
}

#[test]
fn image_size_zero() {
    assert_eq!(
        parse(&image(4096, 0, 0, LE_4K)),
        Err(Refusal::ZeroImageSize)
    );
    // Zero is refused before the text_offset is looked at.
    assert_eq!(
        parse(&image(4096, u64::MAX, 0, 0)),
        Err(Refusal::ZeroImageSize)
    );
}

#[test]
fn image_size_against_length() {
    let len = 4096usize;
    for image_size in [1, 64, len as u64 - 1] {
        assert_eq!(
            parse(&image(len, 0, image_size, LE_4K)),
            Err(Refusal::ImageSizeTooSmall { image_size, len }),
            "image_size {image_size}"
        );
    }
    for image_size in [len as u64, len as u64 + 1, 1 << 20] {
        let header = parse(&image(len, 0, image_size, LE_4K)).unwrap();
        assert_eq!(header.image_size() as u64, image_size);
    }
    // An Image that is exactly its header.
    let header = parse(&image(64, 0, 64, LE_4K)).unwrap();
    assert_eq!(header.image_size(), 64);
}

#[test]
fn image_size_and_text_offset_limits() {
    let max = MAX_IMAGE_SIZE as u64;
    let too_large = |image_size, text_offset| {
        Err(Refusal::ImageSizeTooLarge {
            image_size,
            text_offset,
        })
    };
    for (text_offset, image_size) in [(0, max), (0x80000, max - 0x80000), (max - 64, 64)] {
        let header = parse(&image(64, text_offset, image_size, LE_4K)).unwrap();
        assert_eq!(header.memsz(), MAX_IMAGE_SIZE);
        assert_eq!(header.text_offset() as u64, text_offset);
        assert_eq!(header.image_size() as u64, image_size);
    }
    for (text_offset, image_size) in [
        (0, max + 1),
        (1, max),
        (0x80000, max - 0x7ffff),
        (max, 64),
        (0, 1 << 40),
        (0, u64::MAX),
        (u64::MAX - 4095, 4096),
        (u64::MAX - 4095, 65600), // text_offset + image_size wraps around
        (u64::MAX, 1),
        (u64::MAX, u64::MAX),
    ] {
        assert_eq!(
            parse(&image(64, text_offset, image_size, LE_4K)),
            too_large(image_size, text_offset),
            "text_offset {text_offset:#x} image_size {image_size:#x}"
        );
    }
    // Too large is decided before too small.
    assert_eq!(
        parse(&image(4096, u64::MAX, 1, LE_4K)),
        too_large(1, u64::MAX)
    );
}

/// Every combination of the image's endianness and page-size flags with every CPU, against an
/// independent reading of `arch/arm64/kernel/kexec_image.c` and `booting.rst`.
#[test]
fn check_cpu_every_combination() {
    let mut checked = 0;
    for flags in 0..16u64 {
        // Bit 3 (physical placement) and bits 4-63 (reserved) must not matter.
        for extra in [0, 1 << 3, 0xffff_ffff_ffff_fff0] {
            let header = parse(&image(64, 0, 4096, flags | extra)).unwrap();
            let big_endian = flags & 1 != 0;
            let page_field = (flags >> 1) & 3;
            assert_eq!(
                header.endianness(),
                if big_endian {
                    Endianness::Big
                } else {
                    Endianness::Little
                }
            );
            let (page_size, kib) = match page_field {
                0 => (PageSize::Unspecified, 0),
                1 => (PageSize::K4, 4),
                2 => (PageSize::K16, 16),
                _ => (PageSize::K64, 64),
            };
            assert_eq!(header.page_size(), page_size, "flags {:#x}", flags | extra);
            for cpu_bits in 0..32u8 {
                let cpu = CpuFeatures {
                    kernel_big_endian: cpu_bits & 1 != 0,
                    mixed_endian: cpu_bits & 2 != 0,
                    granule_4k: cpu_bits & 4 != 0,
                    granule_16k: cpu_bits & 8 != 0,
                    granule_64k: cpu_bits & 16 != 0,
                };
                let granule = match page_field {
                    0 => true,
                    1 => cpu.granule_4k,
                    2 => cpu.granule_16k,
                    _ => cpu.granule_64k,
                };
                let want = if big_endian != cpu.kernel_big_endian && !cpu.mixed_endian {
                    Err(Refusal::EndiannessUnsupported {
                        image_big_endian: big_endian,
                    })
                } else if !granule {
                    Err(Refusal::PageSizeUnsupported { kib })
                } else {
                    Ok(())
                };
                assert_eq!(
                    header.check_cpu(&cpu),
                    want,
                    "flags {:#x}, {cpu:?}",
                    flags | extra
                );
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 16 * 3 * 32);
}

#[test]
fn check_cpu_refusals_are_einval() {
    let header = parse(&image(64, 0, 4096, 3 << 1 | 1)).unwrap();
    let cpu = CpuFeatures {
        kernel_big_endian: false,
        mixed_endian: false,
        granule_4k: true,
        granule_16k: false,
        granule_64k: false,
    };
    let refusal = header.check_cpu(&cpu).unwrap_err();
    assert_eq!(
        refusal,
        Refusal::EndiannessUnsupported {
            image_big_endian: true
        }
    );
    assert_eq!(errno(&refusal), EINVAL);
    let refusal = header
        .check_cpu(&CpuFeatures {
            mixed_endian: true,
            ..cpu
        })
        .unwrap_err();
    assert_eq!(refusal, Refusal::PageSizeUnsupported { kib: 64 });
    assert_eq!(errno(&refusal), EINVAL);
}

#[test]
fn errno_of_image_refusals() {
    // The errno zboot_cases.py's content cases expect for each header fault.
    let cases: [(Vec<u8>, i32); 6] = [
        (b"This is not an arm64 Image".repeat(4), ENOEXEC),
        (image(4096, 0, 0, LE_4K), EINVAL),
        (image(4096, 0, 4095, LE_4K), EINVAL),
        (image(4096, 0, 1 << 40, LE_4K), EFBIG),
        (image(4096, u64::MAX - 4095, 4096, LE_4K), EFBIG),
        (image(32, 0, 4096, LE_4K), EINVAL),
    ];
    for (data, want) in cases {
        let refusal = parse(&data).unwrap_err();
        assert_eq!(errno(&refusal), want, "{refusal:?}");
    }
    let short = Arm64Image::parse(&[0; 32], 64).unwrap_err();
    assert_eq!(errno(&short), EBADMSG);
}
