// SPDX-License-Identifier: GPL-2.0

//! The zboot images the kernel build makes (`build/artifacts/`, or `$ZBOOT_ARTIFACTS`, as
//! `scripts/make-kernel.sh` installs them): the parser must take them as they are, and what they
//! decompress to on the host must be an arm64 `Image` padded to its `image_size`, as
//! `Makefile.zboot` pads it, and the very `Image` the build left next to it where there is one.
//!
//! These tests fail, rather than skip, when the artifacts are missing: a host test run that
//! silently checks no real image proves nothing about them.

mod common;

use common::*;
use zboot_format::*;

/// A zboot file of the build and the raw `Image` it was made from.
struct Real {
    /// The zboot file in the artifacts directory.
    zboot: &'static str,
    method: Method,
    /// The build's raw `Image` of the same kernel.
    image: &'static str,
    /// Whether `image` is the very file the zboot payload was made from. The zstd image is a
    /// separate build (`payload-kernel-zstd`) of the payload kernel's configuration, so only
    /// the header fields that do not depend on the build's exact size are compared.
    same_build: bool,
}

/// The pairs `scripts/make-kernel.sh` leaves in build/artifacts.
const REAL: [Real; 3] = [
    Real {
        zboot: "vmlinuz-test.efi",
        method: Method::Gzip,
        image: "Image",
        same_build: true,
    },
    Real {
        zboot: "vmlinuz-gzip.efi",
        method: Method::Gzip,
        image: "payload-Image",
        same_build: true,
    },
    Real {
        zboot: "vmlinuz-zstd.efi",
        method: Method::Zstd,
        image: "payload-Image",
        same_build: false,
    },
];

/// An `arm64` `Image` artifact, its header fields read independently of the parser.
struct ImageFile {
    data: Vec<u8>,
}

impl ImageFile {
    fn read(name: &str) -> Self {
        let data = read_artifact(name);
        assert!(
            data.len() >= IMAGE_HEADER_LEN && &data[0x38..0x3c] == b"ARM\x64",
            "{}/{name} is not an arm64 Image",
            artifacts_dir().display()
        );
        Self { data }
    }

    fn image_size(&self) -> usize {
        le64(&self.data, 0x10) as usize
    }
}

fn real(zboot: &str) -> &'static Real {
    REAL.iter().find(|real| real.zboot == zboot).unwrap()
}

fn stream_magic(method: Method) -> &'static [u8] {
    match method {
        Method::Gzip => &[0x1f, 0x8b, 0x08],
        Method::Zstd => &[0x28, 0xb5, 0x2f, 0xfd],
        other => panic!("no real {} image", other.name()),
    }
}

fn check_real(real: &Real) {
    let file = read_artifact(real.zboot);
    let image = ImageFile::read(real.image);
    let what = artifacts_dir().join(real.zboot).display().to_string();
    let method = real.method;

    let zboot = Zboot::parse(&file).unwrap_or_else(|refusal| panic!("{what}: {refusal}"));
    assert_eq!(zboot.method(), Some(method), "{what}");
    assert_eq!(
        zboot.method_name_with_nul(),
        [method.name().as_bytes(), b"\0"].concat()
    );

    // The payload is exactly what the header fields delimit, inside the file and after the
    // zboot header, and starts like a stream of its method.
    let offset = le32(&file, 0x08) as usize;
    let size = le32(&file, 0x0c) as usize;
    assert!(offset >= ZBOOT_HEADER_LEN && size > 0, "{what}");
    assert!(offset + size <= file.len(), "{what}");
    assert_eq!(zboot.payload().as_ptr(), file[offset..].as_ptr(), "{what}");
    assert_eq!(zboot.payload().len(), size, "{what}");
    let magic = stream_magic(method);
    assert!(
        zboot.payload().starts_with(magic),
        "{what}: payload does not start with the {} magic {magic:02x?}",
        method.name()
    );
    // And the PE header the parser checked is where 0x3c says.
    let pe = le32(&file, 0x3c) as usize;
    assert_eq!(&file[pe..pe + 6], b"PE\0\0\x64\xaa", "{what}");

    // The size trailer: gzip's ISIZE ends the payload, the others' follows it.
    let declared = zboot.declared_size();
    let trailer = match method {
        Method::Gzip => &file[offset + size - 4..offset + size],
        _ => &file[offset + size..offset + size + 4],
    };
    assert_eq!(le32(trailer, 0) as usize, declared, "{what}: size trailer");
    let size = checked_declared_size(&zboot, MAX_IMAGE_SIZE)
        .unwrap_or_else(|refusal| panic!("{what}: {refusal}"));

    // Decompressed on the host with the same bound as the kernel's decompressor.
    let kernel = match decompress(method, zboot.payload(), size) {
        Some(Decompressed::Data(kernel)) => kernel,
        other => panic!("{what}: host decompression gave {other:?}"),
    };
    assert_eq!(kernel.len(), declared, "{what}: decompressed length");
    let header =
        Arm64Image::parse(&kernel, size).unwrap_or_else(|refusal| panic!("{what}: {refusal}"));
    // Makefile.zboot pads vmlinux.bin to image_size before compressing it, so the declared
    // size is the padded Image.
    assert_eq!(
        header.image_size(),
        kernel.len(),
        "{what}: payload padded to image_size"
    );
    assert!(header.memsz() >= header.image_size());
    assert_eq!(header.endianness(), Endianness::Little, "{what}");

    let what_image = format!("{what} vs {}", real.image);
    if real.same_build {
        // The very Image, header and all, then zeros up to image_size.
        assert_eq!(
            declared,
            image.image_size(),
            "{what_image}: declared size vs image_size"
        );
        assert_eq!(
            &kernel[..IMAGE_HEADER_LEN],
            &image.data[..IMAGE_HEADER_LEN],
            "{what_image}"
        );
        assert!(
            kernel[..image.data.len()] == image.data[..],
            "{what_image}: contents differ"
        );
        assert!(
            kernel[image.data.len()..].iter().all(|&b| b == 0),
            "{what_image}: padding is not zeros"
        );
    } else {
        // Another build of the same configuration: the same header but for image_size.
        assert_eq!(
            &kernel[..0x10],
            &image.data[..0x10],
            "{what_image}: code, text_offset"
        );
        assert_eq!(
            &kernel[0x18..IMAGE_HEADER_LEN],
            &image.data[0x18..IMAGE_HEADER_LEN],
            "{what_image}: flags, magic"
        );
    }

    // The test kernels are 4K-page, little-endian arm64 builds, as qemu's default CPU runs.
    let cpu = CpuFeatures {
        kernel_big_endian: false,
        mixed_endian: false,
        granule_4k: true,
        granule_16k: false,
        granule_64k: false,
    };
    header
        .check_cpu(&cpu)
        .unwrap_or_else(|refusal| panic!("{what}: {refusal}"));
}

#[test]
fn real_test_kernel_gzip() {
    check_real(real("vmlinuz-test.efi"));
}

#[test]
fn real_payload_kernel_gzip() {
    check_real(real("vmlinuz-gzip.efi"));
}

#[test]
fn real_payload_kernel_zstd() {
    check_real(real("vmlinuz-zstd.efi"));
}

/// Cut anywhere, the real files are refused, never read out of bounds.
#[test]
fn real_files_truncated() {
    for real in &REAL {
        let name = real.zboot;
        let file = read_artifact(name);
        let offset = le32(&file, 0x08) as usize;
        let size = le32(&file, 0x0c) as usize;
        let pe = le32(&file, 0x3c) as usize;
        let trailer_end = match real.method {
            Method::Gzip => offset + size,
            _ => offset + size + 4,
        };
        let cuts = [
            0,
            7,
            8,
            0x3f,
            pe + 5,
            offset,
            offset + size / 2,
            trailer_end - 1,
        ];
        for cut in cuts {
            let refusal = Zboot::parse(&file[..cut]).unwrap_err();
            let want = if cut < 8 { ENOEXEC } else { EINVAL };
            assert_eq!(errno(&refusal), want, "{name} cut at {cut:#x}: {refusal}");
        }
        assert!(Zboot::parse(&file[..trailer_end]).is_ok(), "{name}");
    }
}
