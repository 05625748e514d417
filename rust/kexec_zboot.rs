// SPDX-License-Identifier: GPL-2.0

//! kexec_file loader for arm64 EFI zboot images.
//!
//! A zboot image (`vmlinuz.efi`) is a PE/COFF file that wraps a compressed arm64 `Image`. This
//! loader lets `kexec_file_load(2)` take it as it is, so the PE signature can be checked on the
//! file the distribution signed, before a byte of it is decompressed:
//!
//! 1. `probe` checks the zboot header ([`format::Zboot::parse`]); files without the zboot magic
//!    get `-ENOEXEC` so that the raw `Image` loader, registered after this one, can take them.
//! 2. The core then calls `verify_sig` (the kernel's PE verifier) on the whole file.
//! 3. `load` decompresses the payload with the bounded decompressor for its method into a
//!    vmalloc'd buffer sized by the (capped) declared size, checks the result as an arm64
//!    `Image` against the running CPU, and hands it to [`kexec::Kimage::add_arm64_kernel`],
//!    which places it like `kexec_image.c` does, with the initrd, DTB and command line.
//! 4. The decompressed buffer stays with the kexec abstraction until the core has copied it.
//!
//! A refusal is one `pr_err` line naming the reason (a failed signature check, one `pr_info`
//! line); a successful load says what it did only when `kexec_file_load(2)` was asked to
//! (`KEXEC_FILE_DEBUG`), as the kexec core's `kexec_dprintk()` does.
//!
//! Safe Rust only: the kernel is reached through `kernel::kexec` and `kernel::decompress`. The
//! parsing is in `format.rs`, which is pure and also builds on the host.
//!
//! With `CONFIG_KEXEC_IMAGE_UKI` this crate also holds the UKI loader (`kexec_uki.rs`, listed
//! ahead of this one; its parser, `uki.rs`, is as pure as `format.rs`), which loads a UKI's
//! `.linux` through the same path.

use kernel::{
    alloc::{
        flags::{__GFP_NOWARN, __GFP_RETRY_MAYFAIL, GFP_KERNEL},
        Flags, VVec,
    },
    cpufeature::SystemFeatures,
    decompress::Decompressor,
    error::{code::*, Error},
    kexec::{self, arm64::KernelLayout, Kimage, OtherSegments, SignatureCheck},
    prelude::*,
    time::{Instant, Monotonic},
};

pub mod format;

#[cfg(CONFIG_KEXEC_IMAGE_UKI)]
mod kexec_uki;
#[cfg(CONFIG_KEXEC_IMAGE_UKI)]
pub mod uki;

#[cfg(CONFIG_KEXEC_IMAGE_ZBOOT_KUNIT_TEST)]
mod tests;
#[cfg(CONFIG_KEXEC_IMAGE_ZBOOT_KUNIT_TEST)]
mod vectors;

use core::fmt;
use format::{Arm64Image, CpuFeatures, MethodName, Refusal, RefusalKind, Zboot};
#[cfg(CONFIG_KEXEC_IMAGE_UKI)]
use uki::UkiRefusal;

kernel::built_in_crate!("kexec_file(zboot)");

// `kexec_zboot_ops`, which `kexec_file_loaders[]` lists ahead of `kexec_image_ops`.
kernel::kexec_file_ops!(ZbootLoader, "kexec_zboot_ops");

/// The kexec_file loader for EFI zboot images.
struct ZbootLoader;

#[vtable]
impl kexec::Loader for ZbootLoader {
    fn probe(file: &[u8]) -> Result {
        Zboot::parse(file)
            .map(|_| ())
            .map_err(|refusal| refuse(&refusal.into()))
    }

    fn load(image: &mut Kimage<'_>, file: &[u8], others: &OtherSegments<'_>) -> Result {
        load_zboot(image, file, others).map_err(|err| refuse(&err))
    }

    fn verify_sig(check: &SignatureCheck<'_>) -> Result {
        verify_pe_file(check)
    }
}

/// Verifies the PE file as it is, against the secondary and platform keyrings.
///
/// The core decides what a failure means (a refusal under lockdown or `KEXEC_SIG_FORCE`,
/// nothing otherwise) and says little, so a failure's reason is logged here, in one line.
fn verify_pe_file(check: &SignatureCheck<'_>) -> Result {
    let verdict = kexec::verify_pe_signature(check.file());
    match verdict {
        Ok(()) if check.debug_enabled() => pr_info!("PE signature verified\n"),
        Ok(()) => (),
        Err(err) => pr_info!("PE signature not verified: {}\n", format_args!("{err:?}")),
    }
    verdict
}

/// Why `load` gave up on a file: the file's own [`Refusal`], or what the running system could
/// not give it.
#[derive(Debug)]
enum LoadError {
    /// The file is refused for what it is.
    Refused(Refusal),
    /// The crash kernel cannot fit the `crashkernel=` reservation.
    CrashReservationTooSmall {
        /// Bytes the image needs at least.
        needed: u64,
        /// Bytes reserved for the crash kernel.
        reserved: u64,
    },
    /// The buffer for the decompressed image could not be allocated.
    NoMemory {
        /// Bytes requested.
        size: usize,
    },
    /// The decompressor's own state could not be allocated.
    DecoderNoMemory {
        /// The compression name.
        name: MethodName,
    },
    /// The kernel and its other segments could not be placed (`kexec_add_buffer()` or
    /// `load_other_segments()` failed).
    NoPlacement(Error),
    /// The file is refused as a UKI.
    #[cfg(CONFIG_KEXEC_IMAGE_UKI)]
    Uki(UkiRefusal),
    /// The initrd and command line made of a UKI's and the caller's could not be allocated.
    #[cfg(CONFIG_KEXEC_IMAGE_UKI)]
    UkiSegmentsNoMemory {
        /// Bytes of initrd.
        initrd_len: usize,
    },
}

#[cfg(CONFIG_KEXEC_IMAGE_UKI)]
impl From<UkiRefusal> for LoadError {
    fn from(refusal: UkiRefusal) -> Self {
        LoadError::Uki(refusal)
    }
}

impl From<Refusal> for LoadError {
    fn from(refusal: Refusal) -> Self {
        LoadError::Refused(refusal)
    }
}

impl LoadError {
    /// The kernel error code of this failure: the loader's only errno mapping.
    fn code(&self) -> Error {
        match self {
            LoadError::Refused(refusal) => match refusal.kind() {
                RefusalKind::OtherFormat => ENOEXEC,
                RefusalKind::Invalid => EINVAL,
                RefusalKind::UnsupportedMethod => EOPNOTSUPP,
                RefusalKind::TooLarge => EFBIG,
                RefusalKind::CorruptPayload => EBADMSG,
            },
            LoadError::CrashReservationTooSmall { .. } => EADDRNOTAVAIL,
            LoadError::NoMemory { .. } | LoadError::DecoderNoMemory { .. } => ENOMEM,
            LoadError::NoPlacement(err) => *err,
            #[cfg(CONFIG_KEXEC_IMAGE_UKI)]
            LoadError::Uki(UkiRefusal::NoLinux) => ENOEXEC,
            #[cfg(CONFIG_KEXEC_IMAGE_UKI)]
            LoadError::Uki(_) => EINVAL,
            #[cfg(CONFIG_KEXEC_IMAGE_UKI)]
            LoadError::UkiSegmentsNoMemory { .. } => ENOMEM,
        }
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Refused(refusal) => write!(f, "{refusal}"),
            LoadError::CrashReservationTooSmall { needed, reserved } => write!(
                f,
                "crash kernel needs at least {needed} bytes, crashkernel= reserved {reserved}"
            ),
            LoadError::NoMemory { size } => {
                write!(f, "cannot allocate {size} bytes for the decompressed image")
            }
            LoadError::DecoderNoMemory { name } => {
                write!(f, "cannot allocate the state of the {name} decompressor")
            }
            LoadError::NoPlacement(err) => write!(
                f,
                "cannot place the kernel and its other segments ({err:?})"
            ),
            #[cfg(CONFIG_KEXEC_IMAGE_UKI)]
            LoadError::Uki(refusal) => write!(f, "UKI refused: {refusal}"),
            #[cfg(CONFIG_KEXEC_IMAGE_UKI)]
            LoadError::UkiSegmentsNoMemory { initrd_len } => write!(
                f,
                "UKI: cannot allocate its initrd of {initrd_len} bytes and its command line"
            ),
        }
    }
}

/// Logs why the file was refused and returns the error code for it.
///
/// A file of another format is left to the next loader without a word.
fn refuse(err: &LoadError) -> Error {
    if !matches!(err, LoadError::Refused(Refusal::NotZboot)) {
        pr_err!("{}\n", format_args!("{err}"));
    }
    err.code()
}

fn load_zboot(
    image: &mut Kimage<'_>,
    file: &[u8],
    others: &OtherSegments<'_>,
) -> Result<(), LoadError> {
    let zboot = Zboot::parse(file)?;
    check_crash_reservation(image, zboot.declared_size(), others)?;
    let start = Instant::<Monotonic>::now();
    let (kernel, header) = unpack(&zboot)?;
    let unpack_us = start.elapsed().as_micros_ceil();
    let image_len = kernel.len();
    place_kernel(image, kernel, &header, others)?;
    if image.debug_enabled() {
        pr_info!(
            "{} payload of {} bytes decompressed to {} bytes in {} us (image_size {})\n",
            format_args!("{}", zboot.method_name()),
            zboot.payload().len(),
            image_len,
            unpack_us,
            header.image_size()
        );
    }
    Ok(())
}

/// Refuses a crash kernel that cannot fit the `crashkernel=` reservation, before the kernel
/// buffer is made: the kernel (`kernel_size` bytes) and the initrd alone must fit in it.
fn check_crash_reservation(
    image: &Kimage<'_>,
    kernel_size: usize,
    others: &OtherSegments<'_>,
) -> Result<(), LoadError> {
    if !image.is_crash() {
        return Ok(());
    }
    let reserved = image.crash_reservation();
    let needed = (kernel_size as u64).saturating_add(others.initrd_len() as u64);
    if needed > reserved {
        return Err(LoadError::CrashReservationTooSmall { needed, reserved });
    }
    Ok(())
}

/// Places `kernel`, checked as `header`, with `others` (`Kimage::add_arm64_kernel`).
fn place_kernel(
    image: &mut Kimage<'_>,
    kernel: VVec<u8>,
    header: &Arm64Image,
    others: &OtherSegments<'_>,
) -> Result<(), LoadError> {
    // `Arm64Image::parse` has checked both, so this cannot fail.
    let layout = KernelLayout::new(header.text_offset() as u64, header.image_size() as u64)
        .map_err(LoadError::NoPlacement)?;
    image
        .add_arm64_kernel(kernel, layout, others)
        .map_err(LoadError::NoPlacement)
}

/// Allocation flags for a buffer whose size comes from the file: let a failure be a quiet
/// error, not the OOM killer.
fn untrusted_size() -> Flags {
    GFP_KERNEL | __GFP_NOWARN | __GFP_RETRY_MAYFAIL
}

/// Decompresses and checks the payload: everything `load` does before placing segments.
fn unpack(zboot: &Zboot<'_>) -> Result<(VVec<u8>, Arm64Image), LoadError> {
    let size = format::checked_declared_size(zboot, format::image_size_limit(kexec::total_ram()))?;
    let decompressor =
        Decompressor::by_name(zboot.method_name().as_bytes()).ok_or(zboot.unsupported_method())?;
    let kernel = decompress_payload(&decompressor, zboot, size)?;
    let header = Arm64Image::parse(&kernel, size)?;
    header.check_cpu(&running_cpu())?;
    Ok((kernel, header))
}

/// Decompresses the payload into a buffer of exactly `size` bytes, which the payload must fill.
fn decompress_payload(
    decompressor: &Decompressor,
    zboot: &Zboot<'_>,
    size: usize,
) -> Result<VVec<u8>, LoadError> {
    let mut kernel =
        VVec::with_capacity(size, untrusted_size()).map_err(|_| LoadError::NoMemory { size })?;
    decompressor
        .decompress_into(zboot.payload(), &mut kernel)
        .map_err(|err| match err {
            e if e == EFBIG => Refusal::OutputOverflow { declared: size }.into(),
            e if e == ENOMEM => LoadError::DecoderNoMemory {
                name: zboot.method_name(),
            },
            _ => zboot.corrupt_payload().into(),
        })?;
    Ok(kernel)
}

/// The running kernel and CPU, as `kexec_image.c` checks them.
fn running_cpu() -> CpuFeatures {
    let cpu = SystemFeatures::current();
    CpuFeatures {
        kernel_big_endian: cpu.kernel_big_endian,
        mixed_endian: cpu.mixed_endian,
        granule_4k: cpu.granule_4k,
        granule_16k: cpu.granule_16k,
        granule_64k: cpu.granule_64k,
    }
}
