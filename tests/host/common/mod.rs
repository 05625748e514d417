// SPDX-License-Identifier: GPL-2.0

//! Helpers shared by the host test binaries: a zboot file builder, host decompression and the
//! location of the build's artifacts.

// Each test binary uses a different part of this module.
#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};

use zboot_format::{Method, Refusal, RefusalKind};

/// The Linux error numbers (asm-generic, as on arm64) that `zboot_cases.py` writes down.
pub const ENOEXEC: i32 = 8;
pub const ENOMEM: i32 = 12;
pub const EINVAL: i32 = 22;
pub const EFBIG: i32 = 27;
pub const EBADMSG: i32 = 74;
pub const EOPNOTSUPP: i32 = 95;
pub const EADDRNOTAVAIL: i32 = 99;

/// The errno the loader gives a refusal (its `LoadError::code()`), as a positive number like
/// `zboot_cases.py` writes it.
pub fn errno(refusal: &Refusal) -> i32 {
    match refusal.kind() {
        RefusalKind::OtherFormat => ENOEXEC,
        RefusalKind::Invalid => EINVAL,
        RefusalKind::UnsupportedMethod => EOPNOTSUPP,
        RefusalKind::TooLarge => EFBIG,
        RefusalKind::CorruptPayload => EBADMSG,
    }
}

/// Where the hand-made zboot files put things.
pub const PE_OFFSET: usize = 0x40;
pub const PAYLOAD_OFFSET: usize = 0x80;

pub fn put_le32(file: &mut [u8], offset: usize, value: u32) {
    file[offset..offset + 4].copy_from_slice(&value.to_le_bytes());
}

pub fn put_le16(file: &mut [u8], offset: usize, value: u16) {
    file[offset..offset + 2].copy_from_slice(&value.to_le_bytes());
}

pub fn put_le64(file: &mut [u8], offset: usize, value: u64) {
    file[offset..offset + 8].copy_from_slice(&value.to_le_bytes());
}

/// Replaces the whole 32-byte compression name field (0x18..0x38) with `name`, zero-filled.
pub fn set_name(file: &mut [u8], name: &[u8]) {
    file[0x18..0x38].fill(0);
    file[0x18..0x18 + name.len()].copy_from_slice(name);
}

/// A minimal zboot file as Makefile.zboot lays one out: zboot header (with the PE offset at
/// 0x3c), `PE\0\0` + machine arm64 at [`PE_OFFSET`], the payload at [`PAYLOAD_OFFSET`] with the
/// payload size field covering `payload` only, then `trailer` (the le32 uncompressed size for
/// every method but gzip).
pub fn make_zboot(name: &[u8], payload: &[u8], trailer: &[u8]) -> Vec<u8> {
    let mut file = vec![0u8; PAYLOAD_OFFSET];
    file[..2].copy_from_slice(b"MZ");
    file[4..8].copy_from_slice(b"zimg");
    put_le32(&mut file, 0x08, PAYLOAD_OFFSET as u32);
    put_le32(&mut file, 0x0c, payload.len() as u32);
    set_name(&mut file, name);
    put_le32(&mut file, 0x38, 0x818223cd); // LINUX_PE_MAGIC, ignored by the parser
    put_le32(&mut file, 0x3c, PE_OFFSET as u32);
    file[PE_OFFSET..PE_OFFSET + 4].copy_from_slice(b"PE\0\0");
    put_le16(&mut file, PE_OFFSET + 4, 0xaa64);
    file.extend_from_slice(payload);
    file.extend_from_slice(trailer);
    file
}

/// A gzip-labelled file whose payload ends with the le32 `declared` (as ISIZE would).
pub fn gzip_file(declared: u32) -> Vec<u8> {
    let mut payload = b"not really deflate data".to_vec();
    payload.extend_from_slice(&declared.to_le_bytes());
    make_zboot(b"gzip", &payload, &[])
}

/// A `name`-labelled file whose le32 `declared` follows the payload.
pub fn trailer_file(name: &[u8], declared: u32) -> Vec<u8> {
    make_zboot(name, b"not really zstd data", &declared.to_le_bytes())
}

/// What the kernel's bounded decompressors (`arch-arm64/linux/lib/decompress_bounded.c`) make of a
/// payload, as far as the host can reproduce it with flate2 and the zstd library.
#[derive(Debug, PartialEq, Eq)]
pub enum Decompressed {
    /// The payload decompressed to these bytes, at most `out_size` of them.
    Data(Vec<u8>),
    /// The output would be larger than `out_size` (the kernel's `-EFBIG`).
    Overflow,
    /// Not a valid stream, checksum mismatch, truncated, or data after the stream (`-EBADMSG`).
    Corrupt,
}

/// Decompresses `payload` into at most `out_size` bytes, like `gunzip_bounded` and
/// `unzstd_bounded` do; `None` for methods the kernel has no bounded decompressor for.
///
/// Reads at most `out_size + 1` bytes of output, so bombs cost nothing.
pub fn decompress(method: Method, payload: &[u8], out_size: usize) -> Option<Decompressed> {
    let limit = out_size as u64 + 1;
    let mut out = Vec::new();
    let result = match method {
        Method::Gzip => {
            // One gzip member whose CRC32 and ISIZE must match (flate2 checks both), and
            // nothing after it: gunzip_bounded wants exactly the 8 trailer bytes after the
            // deflate data.
            let mut decoder = flate2::bufread::GzDecoder::new(payload);
            match (&mut decoder).take(limit).read_to_end(&mut out) {
                Ok(_) if out.len() as u64 == limit => Ok(()),
                Ok(_) if !decoder.into_inner().is_empty() => Err(()),
                Ok(_) => Ok(()),
                Err(_) => Err(()),
            }
        }
        Method::Zstd | Method::Zstd22 => {
            // zstd_decompress_dctx() takes any number of frames (skippable ones too), verifies
            // content checksums, and fails on anything that is not a frame; the zstd library's
            // streaming decoder does the same. Window up to 2^31: the kernel decodes straight
            // into the output buffer and has no window limit of its own.
            let decoder = zstd::stream::read::Decoder::with_buffer(payload).and_then(|mut d| {
                d.window_log_max(31)?;
                Ok(d)
            });
            match decoder {
                Ok(decoder) => decoder
                    .take(limit)
                    .read_to_end(&mut out)
                    .map(drop)
                    .map_err(drop),
                Err(_) => Err(()),
            }
        }
        _ => return None,
    };
    Some(match result {
        Err(()) => Decompressed::Corrupt,
        Ok(()) if out.len() > out_size => Decompressed::Overflow,
        Ok(()) => Decompressed::Data(out),
    })
}

/// The directory holding the kernel build's zboot files and Images (see `real_images.rs`):
/// `$ZBOOT_ARTIFACTS`, or `build/artifacts` of this repository. A relative `ZBOOT_ARTIFACTS`
/// is taken from the crate directory (`rust/`), where cargo runs the tests.
pub fn artifacts_dir() -> PathBuf {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    match std::env::var_os("ZBOOT_ARTIFACTS") {
        Some(dir) if !dir.is_empty() => crate_dir.join(dir),
        _ => crate_dir.join("../build/artifacts"),
    }
}

/// Reads one of the build's artifacts; panics, saying how to get it, when it is missing.
pub fn read_artifact(name: &str) -> Vec<u8> {
    let path = artifacts_dir().join(name);
    match std::fs::read(&path) {
        Ok(data) => data,
        Err(err) => panic!(
            "cannot read kernel build artifact {}: {err}\n\
             The real-image tests need the files the kernel build leaves in build/artifacts \
             (Image, vmlinuz-test.efi, payload-Image, vmlinuz-gzip.efi, vmlinuz-zstd.efi): \
             build the kernels first (make kernel), or point ZBOOT_ARTIFACTS at a directory \
             holding them.",
            path.display()
        ),
    }
}

pub fn le32(bytes: &[u8], offset: usize) -> u32 {
    u32::from_le_bytes(bytes[offset..offset + 4].try_into().unwrap())
}

pub fn le64(bytes: &[u8], offset: usize) -> u64 {
    u64::from_le_bytes(bytes[offset..offset + 8].try_into().unwrap())
}
