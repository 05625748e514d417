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
    use crate::{
        format, unpack,
        vectors::{self, Vector},
        LoadError, ZbootLoader,
    };
    use kernel::{error::code::*, kexec::Loader, prelude::*, str::CString};

    static VECTORS: &[u8] = include_bytes!(concat!(
        env!("OBJTREE"),
        "/arch/arm64/kernel/kexec_zboot/kexec_zboot_vectors.bin"
    ));

    const MAGIC: &[u8] = b"ZBVECT01";
    const FLAG_LEGACY: u32 = 1;

    /// What `load` must give for this vector on this kernel.
    fn expected_load(v: &Vector<'_>) -> i32 {
        if v.flags & FLAG_LEGACY != 0 && !cfg!(CONFIG_KEXEC_IMAGE_ZBOOT_LEGACY) {
            return EOPNOTSUPP.to_errno();
        }
        v.load
    }

    fn is_good(v: &Vector<'_>) -> bool {
        v.probe == 0 && v.load == 0 && v.image_len != 0
    }

    fn count() -> Option<u32> {
        vectors::count(VECTORS, MAGIC)
    }

    /// Every vector, in order.
    fn vectors() -> impl Iterator<Item = Vector<'static>> {
        vectors::vectors(VECTORS)
    }

    fn errno_of(result: Result) -> i32 {
        result.map_or_else(|err| err.to_errno(), |()| 0)
    }

    #[test]
    fn vectors_are_complete() {
        let listed = count().unwrap_or(0);
        assert!(listed > 0);
        assert_eq!(vectors().count(), listed as usize);
        let good = vectors().filter(is_good).count();
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
            if load == expected_load(&v) || (v.alt != 0 && load == v.alt) {
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
                    expected_load(&v)
                );
                wrong += 1;
            }
        }
        pr_info!("{} vectors tried, {} wrong\n", tried, wrong);
        assert_eq!(wrong, 0);
        assert_eq!(tried, count().unwrap_or(0) as usize);
    }

    /// Every UKI vector gets its errno through the UKI loader's probe, parsing and unpacking.
    #[test]
    fn every_uki_vector_gets_its_errno() {
        #[cfg(CONFIG_KEXEC_IMAGE_UKI)]
        {
            static UKI_VECTORS: &[u8] = include_bytes!(concat!(
                env!("OBJTREE"),
                "/arch/arm64/kernel/kexec_zboot/kexec_uki_vectors.bin"
            ));
            let (tried, wrong) = crate::kexec_uki::check_vectors(UKI_VECTORS);
            assert!(tried > 0);
            assert_eq!(wrong, 0);
        }
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
