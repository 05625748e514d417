// SPDX-License-Identifier: GPL-2.0

//! kexec_file loader for arm64 Unified Kernel Images (UKIs).
//!
//! A UKI (systemd-stub PE image) carries the kernel in `.linux`, the initrd in `.initrd` and the
//! command line in `.cmdline`, under one signature over all of them. This loader, listed in
//! `kexec_file_loaders[]` ahead of the zboot loader, lets `kexec_file_load(2)` take the UKI as it
//! is, so that its signature is checked and what its signer chose is what boots:
//!
//! 1. `probe` accepts a PE file for arm64 whose headers parse and whose section table names a
//!    `.linux` section ([`uki::is_uki`]); others get `-ENOEXEC` and go to the zboot loader. The
//!    sections themselves (bounds, overlaps, duplicates, the certificate table) are checked by
//!    `load`, so that such a refusal reaches the caller with its errno and reason: after a probe
//!    refusal the caller would only see the raw `Image` loader's `-EINVAL`.
//! 2. `verify_sig` verifies the outer PE signature, which covers every section.
//! 3. `load` parses the UKI fully ([`Uki::parse`], the first profile of a multi-profile UKI) and
//!    places:
//!    - the kernel: `.linux`, a zboot image (decompressed in memory by the zboot loader's path,
//!      without a second signature check) or a raw arm64 `Image`;
//!    - the initrd: `.initrd`, zero-padded to 4 bytes, then the caller's initrd, as
//!      systemd-stub combines them (later files of the caller's cpio override the UKI's);
//!    - the command line: without a `.cmdline`, the caller's. With one, the caller's if it
//!      passed a different one and signatures are not enforced, as systemd-stub lets the boot
//!      loader override it outside Secure Boot; but when they are ([`kexec::signatures_enforced`]:
//!      lockdown, `KEXEC_SIG_FORCE`), the signed `.cmdline` and a line in the log saying the
//!      caller's was ignored. This applies to crash kernels too.
//!
//! Not used: `.dtb`/`.dtbauto` (arm64's kexec_file builds the next kernel's device tree from the
//! running one's; the load says so in one line), `.ucode` (x86 microcode), `.splash`, and the
//! metadata sections.

use kernel::{
    alloc::VVec,
    error::code::*,
    kexec::{self, Kimage, OtherSegments, SignatureCheck},
    prelude::*,
};

use crate::{
    check_crash_reservation,
    format::{self, Arm64Image},
    place_kernel, running_cpu,
    uki::{self, Uki},
    untrusted_size, LoadError,
};

// `kexec_uki_ops`, which `kexec_file_loaders[]` lists ahead of `kexec_zboot_ops`.
kernel::kexec_file_ops!(UkiLoader, "kexec_uki_ops");

/// The kexec_file loader for UKIs.
struct UkiLoader;

#[vtable]
impl kexec::Loader for UkiLoader {
    fn probe(file: &[u8]) -> Result {
        if uki::is_uki(file) {
            Ok(())
        } else {
            Err(ENOEXEC)
        }
    }

    fn load(image: &mut Kimage<'_>, file: &[u8], others: &OtherSegments<'_>) -> Result {
        load_uki(image, file, others).map_err(|err| crate::refuse(&err))
    }

    fn verify_sig(check: &SignatureCheck<'_>) -> Result {
        crate::verify_pe_file(check)
    }
}

/// Where the command line the kernel gets comes from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum CmdlineSource {
    /// The UKI's `.cmdline`.
    Uki,
    /// What the caller of `kexec_file_load(2)` passed.
    Caller,
}

impl CmdlineSource {
    fn name(self) -> &'static str {
        match self {
            CmdlineSource::Uki => ".cmdline",
            CmdlineSource::Caller => "the caller",
        }
    }
}

fn load_uki(
    image: &mut Kimage<'_>,
    file: &[u8],
    caller: &OtherSegments<'_>,
) -> Result<(), LoadError> {
    let uki = Uki::parse(file)?;
    let own_initrd = uki.initrd().unwrap_or(&[]);
    let initrd = combine_initrds(own_initrd, caller.initrd())?;
    let initrd_len = initrd.len();
    let (cmdline, source) = choose_cmdline(uki.cmdline(), caller.cmdline());
    let others = image
        .own_other_segments(initrd, cmdline)
        .map_err(|_| LoadError::UkiSegmentsNoMemory { initrd_len })?;
    if uki.dtb().is_some() {
        pr_info!("UKI: .dtb not used: arm64 kexec passes on the running kernel's device tree\n");
    }
    let linux = uki.linux();
    let zboot = format::has_zboot_magic(linux);
    if zboot {
        crate::load_zboot(image, linux, &others)?;
    } else {
        load_raw_image(image, linux, &others)?;
    }
    if image.debug_enabled() {
        pr_info!(
            "UKI: .linux ({}, {} bytes), initrd {} + {} bytes, command line from {}, {} profiles\n",
            if zboot { "zboot" } else { "Image" },
            linux.len(),
            own_initrd.len(),
            caller.initrd_len(),
            source.name(),
            uki.profile_count(),
        );
    }
    Ok(())
}

const ZEROES: [u8; 3] = [0; 3];

/// The UKI's initrd, zero-padded to a multiple of 4 bytes when the caller's follows, then the
/// caller's: concatenated cpio archives, as the kernel unpacks them.
fn combine_initrds(own: &[u8], caller: &[u8]) -> Result<VVec<u8>, LoadError> {
    let padding = if caller.is_empty() {
        0
    } else {
        own.len().wrapping_neg() % 4
    };
    let no_memory = |initrd_len| LoadError::UkiSegmentsNoMemory { initrd_len };
    let len = own
        .len()
        .checked_add(padding)
        .and_then(|len| len.checked_add(caller.len()))
        .ok_or(no_memory(usize::MAX))?;
    // The UKI's part is bounded by the file, the caller's by the core's read: still large.
    let flags = untrusted_size();
    let mut initrd = VVec::with_capacity(len, flags).map_err(|_| no_memory(len))?;
    initrd
        .extend_from_slice(own, flags)
        .and_then(|()| initrd.extend_from_slice(ZEROES.get(..padding).unwrap_or(&[]), flags))
        .and_then(|()| initrd.extend_from_slice(caller, flags))
        .map_err(|_| no_memory(len))?;
    Ok(initrd)
}

/// The command line the kernel gets, and whose it is.
///
/// Asks whether signatures are enforced only when the UKI's and the caller's differ, as asking
/// logs a line under lockdown.
fn choose_cmdline<'a>(own: Option<&'a [u8]>, caller: &'a [u8]) -> (&'a [u8], CmdlineSource) {
    let caller = trim(caller);
    let Some(own) = own else {
        return (caller, CmdlineSource::Caller);
    };
    if caller.is_empty() || caller == own {
        return (own, CmdlineSource::Uki);
    }
    if kexec::signatures_enforced() {
        pr_info!("UKI: signatures are enforced: its .cmdline is used, the caller's is ignored\n");
        return (own, CmdlineSource::Uki);
    }
    (caller, CmdlineSource::Caller)
}

/// `cmdline` without leading and trailing spaces (what clients add around options).
fn trim(cmdline: &[u8]) -> &[u8] {
    let start = cmdline
        .iter()
        .position(|byte| !byte.is_ascii_whitespace())
        .unwrap_or(cmdline.len());
    let end = cmdline
        .iter()
        .rposition(|byte| !byte.is_ascii_whitespace())
        .map_or(start, |last| last.saturating_add(1));
    cmdline.get(start..end).unwrap_or(&[])
}

/// Loads `file`, a raw arm64 `Image` (a UKI's `.linux` may be one), from a copy of it.
fn load_raw_image(
    image: &mut Kimage<'_>,
    file: &[u8],
    others: &OtherSegments<'_>,
) -> Result<(), LoadError> {
    let header = check_raw_image(file)?;
    check_crash_reservation(image, header.memsz(), others)?;
    let kernel = copy_raw_image(file)?;
    place_kernel(image, kernel, &header, others)
}

/// Checks `file` as an arm64 `Image` the running CPU can boot.
fn check_raw_image(file: &[u8]) -> Result<Arm64Image, LoadError> {
    let header = Arm64Image::parse(file, file.len())?;
    header.check_cpu(&running_cpu())?;
    Ok(header)
}

/// A copy of `file` to place: the core's file buffer is not the loader's to hand over.
fn copy_raw_image(file: &[u8]) -> Result<VVec<u8>, LoadError> {
    let size = file.len();
    let flags = untrusted_size();
    let mut kernel = VVec::with_capacity(size, flags).map_err(|_| LoadError::NoMemory { size })?;
    kernel
        .extend_from_slice(file, flags)
        .map_err(|_| LoadError::NoMemory { size })?;
    Ok(kernel)
}

/// Runs every UKI vector of `blob` (`mkvectors.py --uki`: a synthetic UKI around a synthetic
/// zboot image, and the cases `uki_cases.py` derives from it) through what `kexec_file_load(2)`
/// would do with it short of placing segments: the UKI loader's probe (a refused file gets
/// `EINVAL` from the raw `Image` loader after it), the parsing, the initrd, and `.linux`'s
/// checks and decompression. Logs each vector whose result is not the expected one; returns
/// how many were tried and how many were wrong.
#[cfg(CONFIG_KEXEC_IMAGE_ZBOOT_KUNIT_TEST)]
pub(crate) fn check_vectors(blob: &[u8]) -> (usize, usize) {
    use crate::vectors;

    let listed = vectors::count(blob, b"UKVECT01").unwrap_or(0) as usize;
    let (mut tried, mut wrong) = (0, 0);
    for v in vectors::vectors(blob) {
        tried += 1;
        let (got, len) = match <UkiLoader as kexec::Loader>::probe(v.data) {
            Err(_) => (EINVAL.to_errno(), 0),
            Ok(()) => unpack_uki(v.data).map_or_else(|err| (err.code().to_errno(), 0), |n| (0, n)),
        };
        if v.probe != 0 || v.flags != 0 {
            pr_err!(
                "{}: not a UKI vector (probe {}, flags {})\n",
                v.name,
                v.probe,
                v.flags
            );
            wrong += 1;
        } else if got != v.load && (v.alt == 0 || got != v.alt) {
            pr_err!("{}: got {}, expected {}\n", v.name, got, v.load);
            wrong += 1;
        } else if got == 0 && len != v.image_len {
            pr_err!(
                "{}: kernel of {} bytes, expected {}\n",
                v.name,
                len,
                v.image_len
            );
            wrong += 1;
        }
    }
    if tried != listed {
        pr_err!("{} UKI vectors walked, {} listed\n", tried, listed);
        wrong += 1;
    }
    pr_info!("{} UKI vectors tried, {} wrong\n", tried, wrong);
    (tried, wrong)
}

/// Everything `load` does with a UKI before placing segments; returns the length of the kernel.
#[cfg(CONFIG_KEXEC_IMAGE_ZBOOT_KUNIT_TEST)]
fn unpack_uki(file: &[u8]) -> Result<usize, LoadError> {
    let uki = Uki::parse(file)?;
    let initrd = combine_initrds(uki.initrd().unwrap_or(&[]), b"caller")?;
    drop(initrd);
    let linux = uki.linux();
    if format::has_zboot_magic(linux) {
        let zboot = format::Zboot::parse(linux)?;
        let (kernel, _) = crate::unpack(&zboot)?;
        return Ok(kernel.len());
    }
    check_raw_image(linux)?;
    Ok(copy_raw_image(linux)?.len())
}
