// SPDX-License-Identifier: GPL-2.0

//! KUnit suite `kexec_zboot`: the loader's own tests, as Rust `#[kunit_tests]`.
//!
//! The vectors are zboot files made at build time by `mkvectors.py` from a small synthetic
//! arm64 `Image`: a good one per compression method and many hostile ones, each with the errno
//! `probe` and `load` must give (`zboot_cases.py` writes that contract down). Every vector goes
//! through [`ZbootLoader::probe`] and, when accepted, through everything `load` does before
//! placing segments ([`unpack`]). The C suites beside this file test the decompressors and the
//! `kexec_file_ops` table as C sees it.

use kernel::prelude::*;

#[kunit_tests(kexec_zboot)]
mod loader {
    use crate::{format, unpack, LoadError, ZbootLoader};
    use kernel::{error::code::*, kexec::Loader, prelude::*, str::CString};

    /// The vectors, as `mkvectors.py` lays them out (little-endian): `"ZBVECT01"`, u32 count,
    /// u32 0, then per vector: `char name[64]`, s32 probe, s32 load, u32 flags, u32 image_len,
    /// u32 data_len, s32 alt, data padded to 8 bytes.
    static VECTORS: &[u8] = include_bytes!(concat!(
        env!("OBJTREE"),
        "/arch/arm64/kernel/kexec_zboot/kexec_zboot_vectors.bin"
    ));

    const MAGIC: &[u8] = b"ZBVECT01";
    const HEADER_LEN: usize = 16;
    const NAME_LEN: usize = 64;
    const VECTOR_HEADER_LEN: usize = NAME_LEN + 6 * 4;
    const FLAG_LEGACY: u32 = 1;

    struct Vector {
        name: &'static str,
        probe: i32,
        load: i32,
        alt: i32,
        flags: u32,
        image_len: usize,
        data: &'static [u8],
    }

    impl Vector {
        /// What `load` must give for this vector on this kernel.
        fn expected_load(&self) -> i32 {
            if self.flags & FLAG_LEGACY != 0 && !cfg!(CONFIG_KEXEC_IMAGE_ZBOOT_LEGACY) {
                return EOPNOTSUPP.to_errno();
            }
            self.load
        }

        fn is_good(&self) -> bool {
            self.probe == 0 && self.load == 0 && self.image_len != 0
        }
    }

    fn le32(bytes: &[u8], at: usize) -> Option<u32> {
        let field = bytes.get(at..at.checked_add(4)?)?;
        Some(u32::from_le_bytes([field[0], field[1], field[2], field[3]]))
    }

    fn count() -> Option<u32> {
        if !VECTORS.starts_with(MAGIC) {
            return None;
        }
        le32(VECTORS, MAGIC.len())
    }

    /// The vector at `at` and where the next one starts, or `None` past the end or if it is
    /// malformed.
    fn vector_at(at: usize) -> Option<(Vector, usize)> {
        let head = VECTORS.get(at..at.checked_add(VECTOR_HEADER_LEN)?)?;
        let name = head[..NAME_LEN].split(|&b| b == 0).next()?;
        let field = |i: usize| le32(head, NAME_LEN + 4 * i);
        let data_len = usize::try_from(field(4)?).ok()?;
        let data_at = at + VECTOR_HEADER_LEN;
        let data = VECTORS.get(data_at..data_at.checked_add(data_len)?)?;
        let vector = Vector {
            name: core::str::from_utf8(name).ok()?,
            probe: field(0)? as i32,
            load: field(1)? as i32,
            flags: field(2)?,
            image_len: usize::try_from(field(3)?).ok()?,
            alt: field(5)? as i32,
            data,
        };
        Some((vector, data_at + data_len.next_multiple_of(8)))
    }

    /// Every vector, in order.
    fn vectors() -> impl Iterator<Item = Vector> {
        let mut at = HEADER_LEN;
        core::iter::from_fn(move || {
            let (vector, next) = vector_at(at)?;
            at = next;
            Some(vector)
        })
    }

    fn errno_of(result: Result) -> i32 {
        result.map_or_else(|err| err.to_errno(), |()| 0)
    }

    #[test]
    fn vectors_are_complete() {
        let listed = count().unwrap_or(0);
        assert!(listed > 0);
        assert_eq!(vectors().count(), listed as usize);
        let good = vectors().filter(|v| v.is_good()).count();
        assert!(good >= 2);
        assert!(vectors().any(|v| v.name == "good-gzip"));
        assert!(vectors().any(|v| v.name == "good-zstd"));
    }

    /// `probe` and `load`'s checks and decompression give each vector's expected result.
    #[test]
    fn every_vector_gets_its_errno() {
        let mut tried = 0;
        let mut wrong = 0;
        for v in vectors() {
            tried += 1;
            let probe = errno_of(ZbootLoader::probe(v.data));
            if probe != v.probe {
                pr_err!("{}: probe gave {}, expected {}\n", v.name, probe, v.probe);
                wrong += 1;
                continue;
            }
            if probe != 0 {
                continue;
            }
            let unpacked = format::Zboot::parse(v.data)
                .map_err(LoadError::from)
                .and_then(|zboot| unpack(&zboot));
            let (load, image_len) = match &unpacked {
                Ok((kernel, _)) => (0, kernel.len()),
                Err(err) => (err.code().to_errno(), 0),
            };
            if load == v.expected_load() || (v.alt != 0 && load == v.alt) {
                if load == 0 && image_len != v.image_len {
                    pr_err!(
                        "{}: image of {} bytes, expected {}\n",
                        v.name,
                        image_len,
                        v.image_len
                    );
                    wrong += 1;
                }
            } else {
                pr_err!(
                    "{}: load gave {}, expected {}\n",
                    v.name,
                    load,
                    v.expected_load()
                );
                wrong += 1;
            }
        }
        pr_info!("{} vectors tried, {} wrong\n", tried, wrong);
        assert_eq!(wrong, 0);
        assert_eq!(tried, count().unwrap_or(0) as usize);
    }

    /// A raw arm64 `Image`, or nothing at all, is left to the next loader.
    #[test]
    fn raw_image_is_left_to_the_next_loader() {
        let mut image = [0u8; 64];
        image[0x38..0x3c].copy_from_slice(b"ARM\x64");
        image[0x10] = 64;
        assert_eq!(errno_of(ZbootLoader::probe(&image)), ENOEXEC.to_errno());
        assert_eq!(errno_of(ZbootLoader::probe(&[])), ENOEXEC.to_errno());
    }

    /// The failures of the running system (not of the file) have their own codes and lines.
    #[test]
    fn system_failures_name_their_reason() {
        let good_gzip = vectors().find(|v| v.name == "good-gzip").map(|v| v.data);
        let gzip = good_gzip.and_then(|data| format::Zboot::parse(data).ok());
        assert!(gzip.is_some());
        let Some(gzip) = gzip.map(|zboot| zboot.method_name()) else {
            return;
        };
        let failures = [
            (
                LoadError::CrashReservationTooSmall {
                    needed: 2,
                    reserved: 1,
                },
                EADDRNOTAVAIL,
                "crash kernel needs at least 2 bytes, crashkernel= reserved 1",
            ),
            (
                LoadError::NoMemory { size: 4096 },
                ENOMEM,
                "cannot allocate 4096 bytes for the decompressed image",
            ),
            (
                LoadError::DecoderNoMemory { name: gzip },
                ENOMEM,
                "cannot allocate the state of the gzip decompressor",
            ),
            (
                LoadError::NoPlacement(EADDRNOTAVAIL),
                EADDRNOTAVAIL,
                "cannot place the kernel and its other segments (EADDRNOTAVAIL)",
            ),
        ];
        for (failure, code, line) in &failures {
            assert_eq!(failure.code(), *code);
            let printed = CString::try_from_fmt(fmt!("{}", format_args!("{failure}")));
            assert!(printed.is_ok());
            if let Ok(printed) = printed {
                assert_eq!(printed.to_bytes(), line.as_bytes());
            }
        }
    }
}
