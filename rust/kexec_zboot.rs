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
//! 3. `load` decompresses the payload with a bounded decompressor from
//!    `decompress_method_by_name()` into a vmalloc'd buffer sized by the (capped) declared size,
//!    checks the result as an arm64 `Image` against the running CPU, and places it like
//!    `kexec_image.c` does, with the initrd, DTB and command line from `load_other_segments()`.
//! 4. The decompressed buffer lives in the loader data until `cleanup`, after the core has copied
//!    the segments.
//!
//! This file is the only place that touches the kernel; the parsing is in `format.rs`, which is
//! pure and also builds on the host.

use core::{mem::MaybeUninit, ptr, slice};
use kernel::{
    alloc::{
        flags::{__GFP_NOWARN, __GFP_RETRY_MAYFAIL, GFP_KERNEL},
        VVec,
    },
    bindings,
    error::{code::*, Error},
    ffi::{c_char, c_int, c_ulong, c_void},
    prelude::*,
    time::Ktime,
};

pub mod format;

use format::{Arm64Image, CpuFeatures, Refusal, Zboot};

const __LOG_PREFIX: &[u8] = b"kexec_file(zboot)\0";

/// The loader, listed in `kexec_file_loaders[]` ahead of `kexec_image_ops`.
#[export_name = "kexec_zboot_ops"]
pub static KEXEC_ZBOOT_OPS: bindings::kexec_file_ops = bindings::kexec_file_ops {
    probe: Some(probe),
    load: Some(load),
    cleanup: Some(cleanup),
    #[cfg(CONFIG_KEXEC_SIG)]
    verify_sig: VERIFY_SIG,
};

/// The outer PE file is verified as it is, against the secondary and platform keyrings.
#[cfg(all(CONFIG_KEXEC_SIG, CONFIG_KEXEC_IMAGE_VERIFY_SIG))]
const VERIFY_SIG: bindings::kexec_verify_sig_t = Some(verify_sig);

#[cfg(all(CONFIG_KEXEC_SIG, not(CONFIG_KEXEC_IMAGE_VERIFY_SIG)))]
const VERIFY_SIG: bindings::kexec_verify_sig_t = None;

/// The kernel error code for a refusal ([`Refusal::errno`] holds the table).
fn errno(refusal: &Refusal) -> Error {
    Error::from_errno(-refusal.errno())
}

// The pure parser names its errno values itself; they must be the kernel's.
const _: () = {
    use format::errno::*;
    assert!(ENOEXEC == bindings::ENOEXEC as i32);
    assert!(ENOMEM == bindings::ENOMEM as i32);
    assert!(EINVAL == bindings::EINVAL as i32);
    assert!(EFBIG == bindings::EFBIG as i32);
    assert!(EBADMSG == bindings::EBADMSG as i32);
    assert!(EOPNOTSUPP == bindings::EOPNOTSUPP as i32);
    assert!(EADDRNOTAVAIL == bindings::EADDRNOTAVAIL as i32);
};

/// Logs why the file was refused and returns the error code for it.
fn refuse(refusal: &Refusal) -> Error {
    if *refusal != Refusal::NotZboot {
        pr_err!("{}\n", refusal);
    }
    errno(refusal)
}

/// What `load` hands the kexec core as `image_loader_data`: the decompressed kernel, which the
/// kernel segment points into until `cleanup`.
struct LoaderData {
    /// vmalloc'd: kmalloc cannot serve tens of MiB.
    kernel: VVec<u8>,
}

/// `kexec_file_ops::probe`.
///
/// # Safety
///
/// `buf` must be null or valid for reads of `len` bytes for the duration of the call.
unsafe extern "C" fn probe(buf: *const c_char, len: c_ulong) -> c_int {
    if buf.is_null() {
        return ENOEXEC.to_errno();
    }
    // SAFETY: `buf` is non-null and valid for `len` bytes by the function's safety requirements
    // (the kexec core passes its `kernel_buf`).
    let file = unsafe { slice::from_raw_parts(buf.cast::<u8>(), len) };
    match Zboot::parse(file) {
        Ok(_) => 0,
        Err(refusal) => refuse(&refusal).to_errno(),
    }
}

/// `kexec_file_ops::verify_sig`: the kernel's PE verifier on the zboot file as it is, before
/// anything in it is decompressed.
///
/// The core decides what a failure means (a refusal under lockdown or `KEXEC_SIG_FORCE`, nothing
/// otherwise) and says little, so the verifier's verdict is logged here.
///
/// # Safety
///
/// `buf` must be valid for reads of `len` bytes.
#[cfg(all(CONFIG_KEXEC_SIG, CONFIG_KEXEC_IMAGE_VERIFY_SIG))]
unsafe extern "C" fn verify_sig(buf: *const c_char, len: c_ulong) -> c_int {
    // SAFETY: `buf` is valid for `len` bytes by the function's safety requirements; the verifier
    // only reads it.
    let ret = unsafe { bindings::kexec_kernel_verify_pe_sig(buf, len) };
    if ret == 0 {
        pr_info!("PE signature verified\n");
    } else {
        pr_info!("PE signature not verified: {:?}\n", Error::from_errno(ret));
    }
    ret
}

/// `kexec_file_ops::load`.
///
/// # Safety
///
/// `image` must be a valid kimage that the caller holds exclusively (the kexec core calls this
/// under `kexec_lock`); `kernel` must be valid for reads of `kernel_len` bytes; `initrd` and
/// `cmdline` must be what the core read from user space for this image, with their lengths.
unsafe extern "C" fn load(
    image: *mut bindings::kimage,
    kernel: *mut c_char,
    kernel_len: c_ulong,
    initrd: *mut c_char,
    initrd_len: c_ulong,
    cmdline: *mut c_char,
    _cmdline_len: c_ulong,
) -> *mut c_void {
    // SAFETY: `kernel` is valid for `kernel_len` bytes by the function's safety requirements.
    let file = unsafe { slice::from_raw_parts(kernel.cast::<u8>(), kernel_len) };
    // SAFETY: `image` is valid and exclusively ours for the duration of this call by the
    // function's safety requirements.
    let kimage = unsafe { KimageRef::new(image) };
    let others = OtherSegments {
        initrd,
        initrd_len,
        cmdline,
    };
    match load_zboot(&kimage, file, &others) {
        Ok(data) => KBox::into_raw(data).cast(),
        Err(refusal) => refuse(&refusal).to_ptr(),
    }
}

/// `kexec_file_ops::cleanup`: frees the decompressed kernel, once.
///
/// # Safety
///
/// `data` must be null or a pointer returned by [`load`] that has not been cleaned up yet.
unsafe extern "C" fn cleanup(data: *mut c_void) -> c_int {
    if data.is_null() {
        return 0;
    }
    // SAFETY: a non-null `data` came from `KBox::into_raw` in `load` and is cleaned up only once
    // by the function's safety requirements. The kexec core `kfree()`s the allocation itself
    // right after this call (and then clears `image_loader_data`), so only the contents are
    // dropped here; `KBox` memory comes from kmalloc, which makes that `kfree()` valid.
    unsafe { ptr::drop_in_place(data.cast::<LoaderData>()) };
    0
}

fn load_zboot(
    image: &KimageRef,
    file: &[u8],
    others: &OtherSegments,
) -> Result<KBox<LoaderData>, Refusal> {
    let zboot = Zboot::parse(file)?;
    if image.is_crash() {
        check_crash_reservation(&zboot, others)?;
    }
    let start = Ktime::ktime_get();
    let (kernel, header) = unpack(&zboot)?;
    let unpack_us = (Ktime::ktime_get() - start).to_ns() / 1000;
    let data = KBox::new(LoaderData { kernel }, GFP_KERNEL).map_err(|_| Refusal::NoMemory {
        size: core::mem::size_of::<LoaderData>(),
    })?;
    place_kernel(image, &data.kernel, &header, others)?;
    pr_info!(
        "{} payload of {} bytes decompressed to {} bytes in {} us (image_size {})\n",
        zboot.method_name(),
        zboot.payload().len(),
        data.kernel.len(),
        unpack_us,
        header.image_size()
    );
    Ok(data)
}

/// Refuses, before decompressing anything, a crash kernel that cannot fit the `crashkernel=`
/// reservation: the kernel and initrd alone must fit in it.
fn check_crash_reservation(zboot: &Zboot<'_>, others: &OtherSegments) -> Result<(), Refusal> {
    let needed = (zboot.declared_size() as u64).saturating_add(others.initrd_len as u64);
    let reserved = crash_reservation();
    if needed > reserved {
        return Err(Refusal::CrashReservationTooSmall { needed, reserved });
    }
    Ok(())
}

/// Size of the `crashkernel=` reservation, 0 if there is none.
fn crash_reservation() -> u64 {
    // SAFETY: `crashk_res` is only changed under `kexec_lock`, which the caller of `load` holds;
    // reading it by value takes no reference to the mutable static.
    let res = unsafe { ptr::addr_of!(bindings::crashk_res).read() };
    if res.end <= res.start {
        return 0;
    }
    res.end - res.start + 1
}

/// Decompresses and checks the payload: everything `load` does before placing segments.
fn unpack(zboot: &Zboot<'_>) -> Result<(VVec<u8>, Arm64Image), Refusal> {
    let size = format::checked_declared_size(zboot, image_size_limit())?;
    let decompress = find_decompressor(zboot)?;
    let kernel = decompress_payload(decompress, zboot, size)?;
    let header = Arm64Image::parse(&kernel, size)?;
    header.check_cpu(&running_cpu())?;
    Ok((kernel, header))
}

/// [`format::image_size_limit`] for this machine's RAM.
fn image_size_limit() -> usize {
    let mut info = MaybeUninit::<bindings::sysinfo>::zeroed();
    // SAFETY: `si_meminfo` only fills in the `sysinfo` it is given, which is valid for writes.
    unsafe { bindings::si_meminfo(info.as_mut_ptr()) };
    // SAFETY: zero is a valid `sysinfo` (plain integers), and `si_meminfo` wrote a complete one.
    let info = unsafe { info.assume_init() };
    let total_ram = u64::try_from(info.totalram)
        .unwrap_or(u64::MAX)
        .saturating_mul(u64::from(info.mem_unit));
    format::image_size_limit(total_ram)
}

type DecompressFn = unsafe extern "C" fn(*const u8, usize, *mut u8, usize, *mut usize) -> c_int;

fn find_decompressor(zboot: &Zboot<'_>) -> Result<DecompressFn, Refusal> {
    let name = zboot.method_name_with_nul();
    // SAFETY: `name` is NUL-terminated (checked by `Zboot::parse`) and outlives the call, which
    // only compares it with the names in a table.
    let decompress = unsafe { bindings::decompress_method_by_name(name.as_ptr().cast()) };
    decompress.ok_or_else(|| zboot.unsupported_method())
}

fn decompress_payload(
    decompress: DecompressFn,
    zboot: &Zboot<'_>,
    size: usize,
) -> Result<VVec<u8>, Refusal> {
    let flags = GFP_KERNEL | __GFP_NOWARN | __GFP_RETRY_MAYFAIL;
    let mut kernel = VVec::with_capacity(size, flags).map_err(|_| Refusal::NoMemory { size })?;
    let out = kernel.spare_capacity_mut();
    let out_size = out.len().min(size);
    let payload = zboot.payload();
    let mut written = 0;
    // SAFETY: `payload` is valid for reads of its length; `out` is valid for writes of
    // `out_size` bytes, and a `decompress_bounded_fn` writes nothing past `out_size` and sets
    // `written` to at most `out_size` on success.
    let ret = unsafe {
        decompress(
            payload.as_ptr(),
            payload.len(),
            out.as_mut_ptr().cast(),
            out_size,
            &mut written,
        )
    };
    if ret != 0 {
        return Err(match Error::from_errno(ret) {
            e if e == EFBIG => Refusal::OutputOverflow { declared: size },
            e if e == ENOMEM => Refusal::NoMemory { size },
            _ => zboot.corrupt_payload(),
        });
    }
    if written > out_size {
        // A decompressor broke its contract; do not trust anything it wrote.
        return Err(zboot.corrupt_payload());
    }
    // SAFETY: the decompressor initialised the first `written` bytes, and `written` is within the
    // capacity.
    unsafe { kernel.set_len(written) };
    Ok(kernel)
}

/// The running kernel and CPU, as `kexec_image.c` checks them.
fn running_cpu() -> CpuFeatures {
    // SAFETY: these only read sanitised CPU ID registers.
    unsafe {
        CpuFeatures {
            kernel_big_endian: cfg!(CONFIG_CPU_BIG_ENDIAN),
            mixed_endian: bindings::system_supports_mixed_endian(),
            granule_4k: bindings::system_supports_4kb_granule(),
            granule_16k: bindings::system_supports_16kb_granule(),
            granule_64k: bindings::system_supports_64kb_granule(),
        }
    }
}

/// The initrd and command line `load_other_segments` places next to the kernel.
struct OtherSegments {
    initrd: *mut c_char,
    initrd_len: c_ulong,
    cmdline: *mut c_char,
}

/// The kimage being loaded.
///
/// # Invariants
///
/// The pointer is valid, and nothing else accesses the kimage while this exists except the kexec
/// functions it is passed to.
struct KimageRef(*mut bindings::kimage);

impl KimageRef {
    /// # Safety
    ///
    /// `image` must be valid and exclusively the caller's for the lifetime of the result.
    unsafe fn new(image: *mut bindings::kimage) -> Self {
        // INVARIANT: guaranteed by the caller.
        Self(image)
    }

    /// Whether this is a crash kernel (`KEXEC_FILE_ON_CRASH`).
    fn is_crash(&self) -> bool {
        // SAFETY: the pointer is valid by the type invariant.
        unsafe { (*self.0).type_() == bindings::KEXEC_TYPE_CRASH }
    }

    fn nr_segments(&self) -> usize {
        // SAFETY: the pointer is valid by the type invariant.
        unsafe { (*self.0).nr_segments }
    }

    /// Address and size of segment `index`, which must exist.
    fn segment(&self, index: usize) -> (c_ulong, c_ulong) {
        // SAFETY: the pointer is valid by the type invariant; indexing is bounds-checked.
        let segment = unsafe { &(*self.0).segment[index] };
        (segment.mem, segment.memsz)
    }

    /// Forgets the last segment added, as `kexec_image.c` does before retrying.
    fn drop_last_segment(&self) {
        // SAFETY: the pointer is valid and not otherwise accessed by the type invariant.
        unsafe { (*self.0).nr_segments -= 1 };
    }

    /// Moves the kernel segment `index` up by `text_offset` and makes it the entry point.
    fn set_kernel_entry(&self, index: usize, text_offset: c_ulong) {
        // SAFETY: the pointer is valid and not otherwise accessed by the type invariant; indexing
        // is bounds-checked.
        unsafe {
            let segment = &mut (*self.0).segment[index];
            segment.mem += text_offset;
            segment.memsz -= text_offset;
            (*self.0).start = segment.mem;
        }
    }
}

const KEXEC_BUF_MEM_UNKNOWN: usize = bindings::KEXEC_BUF_MEM_UNKNOWN as usize;

/// Adds the kernel segment, then the initrd, DTB and command line; when those do not fit next
/// to the kernel, retries with the kernel in the next hole, as `kexec_image.c` does.
fn place_kernel(
    image: &KimageRef,
    kernel: &VVec<u8>,
    header: &Arm64Image,
    others: &OtherSegments,
) -> Result<(), Refusal> {
    let text_offset = header.text_offset();
    let mut kbuf = bindings::kexec_buf {
        image: image.0,
        buffer: kernel.as_ptr().cast_mut().cast(),
        bufsz: kernel.len(),
        mem: KEXEC_BUF_MEM_UNKNOWN,
        memsz: header.memsz(),
        buf_align: bindings::MIN_KIMG_ALIGN as usize,
        buf_min: 0,
        buf_max: c_ulong::MAX,
        top_down: false,
    };
    let index = image.nr_segments();
    loop {
        // SAFETY: `kbuf` describes the decompressed kernel, which stays allocated until
        // `cleanup`, after the core has copied the segments; `kbuf.image` is valid.
        let ret = unsafe { bindings::kexec_add_buffer(&mut kbuf) };
        if ret != 0 {
            return Err(Refusal::NoPlacement { errno: ret });
        }
        let (mem, memsz) = image.segment(index);
        // SAFETY: `image` is valid; `initrd` and `cmdline` are the core's buffers for this image.
        let ret = unsafe {
            bindings::load_other_segments(
                image.0,
                mem,
                memsz,
                others.initrd,
                others.initrd_len,
                others.cmdline,
            )
        };
        if ret == 0 {
            break;
        }
        image.drop_last_segment();
        kbuf.buf_min = mem + memsz;
        kbuf.mem = KEXEC_BUF_MEM_UNKNOWN;
    }
    image.set_kernel_entry(index, text_offset);
    Ok(())
}

/// Runs `load`'s checks and decompression on a file without placing it, for the KUnit suite
/// (`tests/kunit/kexec_zboot_test.c`). Returns 0 or a negative errno, as `load` would.
///
/// # Safety
///
/// `buf` must be valid for reads of `len` bytes, and `image_len` valid for a write.
#[cfg(CONFIG_KEXEC_IMAGE_ZBOOT_KUNIT_TEST)]
#[no_mangle]
pub unsafe extern "C" fn kexec_zboot_unpack_test(
    buf: *const u8,
    len: usize,
    image_len: *mut usize,
) -> c_int {
    // SAFETY: `buf` is valid for `len` bytes by the function's safety requirements.
    let file = unsafe { slice::from_raw_parts(buf, len) };
    match Zboot::parse(file).and_then(|zboot| unpack(&zboot)) {
        Ok((kernel, _)) => {
            // SAFETY: `image_len` is valid for a write by the function's safety requirements.
            unsafe { image_len.write(kernel.len()) };
            0
        }
        Err(refusal) => refuse(&refusal).to_errno(),
    }
}
