// SPDX-License-Identifier: GPL-2.0

//! `Arm64Image::parse` and `check_cpu` on arbitrary decompressed images.
//!
//! Input: one byte of CPU features (bit 0 big-endian kernel, 1 mixed endian, 2-4 the 4K, 16K
//! and 64K granules), one signed byte added to the image length to make the declared size,
//! then the image.

#![no_main]

use libfuzzer_sys::fuzz_target;
use zboot_format::*;

fn le64(bytes: &[u8], offset: usize) -> u64 {
    u64::from_le_bytes(bytes[offset..offset + 8].try_into().unwrap())
}

fn one_line(refusal: &Refusal) {
    let line = refusal.to_string();
    assert!(!line.is_empty() && !line.contains(['\n', '\r']), "{line:?}");
}

fn check_cpu(image: &[u8], header: &Arm64Image, cpu: &CpuFeatures) {
    let flags = le64(image, 0x18);
    let big_endian = flags & 1 != 0;
    let (granule, kib) = match (flags >> 1) & 3 {
        0 => (true, 0),
        1 => (cpu.granule_4k, 4),
        2 => (cpu.granule_16k, 16),
        _ => (cpu.granule_64k, 64),
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
    let got = header.check_cpu(cpu);
    if let Err(refusal) = &got {
        one_line(refusal);
    }
    assert_eq!(got, want);
}

fuzz_target!(|data: &[u8]| {
    let [cpu, delta, image @ ..] = data else {
        return;
    };
    let cpu = CpuFeatures {
        kernel_big_endian: cpu & 1 != 0,
        mixed_endian: cpu & 2 != 0,
        granule_4k: cpu & 4 != 0,
        granule_16k: cpu & 8 != 0,
        granule_64k: cpu & 16 != 0,
    };
    let len = image.len();
    let declared = len.saturating_add_signed(isize::from(*delta as i8));
    match Arm64Image::parse(image, declared) {
        Ok(header) => {
            assert_eq!(len, declared);
            assert!(len >= IMAGE_HEADER_LEN);
            assert_eq!(&image[0x38..0x3c], b"ARM\x64");
            assert_eq!(header.text_offset() as u64, le64(image, 0x08));
            assert_eq!(header.image_size() as u64, le64(image, 0x10));
            assert_eq!(header.memsz(), header.text_offset() + header.image_size());
            assert!(header.memsz() >= header.image_size());
            assert!(header.image_size() >= len);
            assert!(header.memsz() <= MAX_IMAGE_SIZE);
            check_cpu(image, &header, &cpu);
        }
        Err(refusal) => {
            one_line(&refusal);
            match refusal {
                Refusal::OutputShort {
                    declared: d,
                    actual,
                } => assert!(d == declared && actual == len && len != declared),
                Refusal::ImageTooShort { len: l } => assert!(l == len && len < IMAGE_HEADER_LEN),
                Refusal::NotArm64Image => assert_ne!(&image[0x38..0x3c], b"ARM\x64"),
                Refusal::ZeroImageSize => assert_eq!(le64(image, 0x10), 0),
                Refusal::ImageSizeTooLarge {
                    image_size,
                    text_offset,
                } => {
                    assert_eq!(image_size, le64(image, 0x10));
                    assert_eq!(text_offset, le64(image, 0x08));
                    assert!(image_size
                        .checked_add(text_offset)
                        .is_none_or(|memsz| memsz > MAX_IMAGE_SIZE as u64));
                }
                Refusal::ImageSizeTooSmall { image_size, len: l } => {
                    assert_eq!(image_size, le64(image, 0x10));
                    assert!(l == len && image_size < len as u64);
                }
                other => panic!("Arm64Image::parse cannot refuse with {other:?}"),
            }
        }
    }
});
