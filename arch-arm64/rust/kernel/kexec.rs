// SPDX-License-Identifier: GPL-2.0

//! kexec_file loaders.
//!
//! C headers: [`include/linux/kexec.h`](srctree/include/linux/kexec.h),
//! [`arch/arm64/include/asm/kexec.h`](srctree/arch/arm64/include/asm/kexec.h).
//!
//! `kexec_file_load(2)` reads a kernel file and hands it to the first loader of the
//! architecture's `kexec_file_loaders[]` whose `probe` accepts it; that loader's `load` turns
//! the file into segments of the kimage being loaded. A loader written in Rust implements
//! [`Loader`] and exports the table [`create_file_ops`] builds, under the name C lists, with
//! [`kexec_file_ops!`](crate::kexec_file_ops):
//!
//! ```ignore
//! use kernel::kexec::{self, Kimage, Loader, OtherSegments};
//!
//! struct MyLoader;
//!
//! #[vtable]
//! impl Loader for MyLoader {
//!     fn probe(file: &[u8]) -> Result {
//!         if file.starts_with(b"MINE") { Ok(()) } else { Err(ENOEXEC) }
//!     }
//!
//!     fn load(image: &mut Kimage<'_>, file: &[u8], others: &OtherSegments<'_>) -> Result {
//!         // Decode `file` into a buffer and hand it over with `image.add_arm64_kernel()`.
//!         Err(EINVAL)
//!     }
//! }
//!
//! kernel::kexec_file_ops!(MyLoader, "kexec_my_ops");
//! ```
//!
//! The kexec core copies the segments into the kimage only after `load` has returned, and it
//! frees the loader data (`image_loader_data`) after calling the loader's `cleanup`. This module
//! keeps that contract for every loader: buffers handed over with a segment are owned here until
//! `cleanup`, so a loader cannot free memory a segment still points into.
//!
//! Only arm64 builds this module so far: placing a kernel with its other segments is
//! arm64's `load_other_segments()`; another architecture would add its own placement.

use crate::{
    alloc::{flags::GFP_KERNEL, KBox, KVec, VVec},
    bindings,
    error::{code::*, from_result, to_result, Result},
    ffi::{c_char, c_int, c_ulong, c_void},
    prelude::*,
};
use core::{marker::PhantomData, mem::MaybeUninit, ptr::NonNull, slice};

mod owner;

/// A kexec_file loader: the file format it claims and how it turns a file into segments.
///
/// Every function sees the file as `kexec_file_load(2)` read it, which nobody has vouched for:
/// `probe` even runs before the signature check.
#[vtable]
pub trait Loader {
    /// Tells whether `file` is in this loader's format.
    ///
    /// Returns [`ENOEXEC`] for a file of another format, so that the next loader of
    /// `kexec_file_loaders[]` gets to probe it; any other error refuses the file.
    fn probe(file: &[u8]) -> Result;

    /// Turns `file`, which [`Loader::probe`] accepted and whose signature the core has checked
    /// when it had to, into segments of `image`, together with the initrd and command line in
    /// `others`.
    fn load(image: &mut Kimage<'_>, file: &[u8], others: &OtherSegments<'_>) -> Result;

    /// Verifies the signature of `file`, e.g. with [`verify_pe_signature`].
    ///
    /// Called before [`Loader::load`]; whether a failure refuses the file is the core's decision
    /// (lockdown, `KEXEC_SIG_FORCE`).
    fn verify_sig(_file: &[u8]) -> Result {
        crate::build_error!(crate::error::VTABLE_DEFAULT_ERROR)
    }
}

/// Declares the `struct kexec_file_ops` of the loader `$loader`, exported to C as `$name` for
/// the architecture's `kexec_file_loaders[]`, at the root of the loader's crate.
///
/// A loader is built into the kernel, not a module: this also declares what `#[vtable]` impls
/// of a built-in crate need.
#[macro_export]
macro_rules! kexec_file_ops {
    ($loader:ty, $name:literal) => {
        /// The loader's `struct kexec_file_ops`, as `kexec_file_loaders[]` lists it.
        #[export_name = $name]
        pub static KEXEC_FILE_OPS: $crate::kexec::FileOps =
            $crate::kexec::create_file_ops::<$loader>();

        $crate::kexec_built_in_owner!();
    };
}

/// A `struct kexec_file_ops`, for a static that C lists in `kexec_file_loaders[]`.
///
/// Built by [`create_file_ops`], usually through [`kexec_file_ops!`](crate::kexec_file_ops).
#[repr(transparent)]
pub struct FileOps(bindings::kexec_file_ops);

/// Creates the [`FileOps`] of loader `T`.
///
/// The result is meant for a static exported under the name the architecture's
/// `kexec_file_loaders[]` refers to, e.g. `#[export_name = "kexec_zboot_ops"]`.
pub const fn create_file_ops<T: Loader>() -> FileOps {
    FileOps(bindings::kexec_file_ops {
        probe: Some(Adapter::<T>::probe_callback),
        load: Some(Adapter::<T>::load_callback),
        cleanup: Some(cleanup_callback),
        #[cfg(CONFIG_KEXEC_SIG)]
        verify_sig: if T::HAS_VERIFY_SIG {
            Some(Adapter::<T>::verify_sig_callback)
        } else {
            None
        },
    })
}

/// Buffers that segments of a kimage point into, owned here from `load` to `cleanup`.
///
/// This is what the kexec core keeps as `image_loader_data`.
struct Buffers {
    owned: KVec<VVec<u8>>,
}

struct Adapter<T: Loader>(PhantomData<T>);

impl<T: Loader> Adapter<T> {
    /// # Safety
    ///
    /// `buf` must be null or valid for reads of `len` bytes for the duration of the call.
    unsafe extern "C" fn probe_callback(buf: *const c_char, len: c_ulong) -> c_int {
        // SAFETY: by the function's safety requirements.
        let file = unsafe { file_slice(buf, len) };
        from_result(|| T::probe(file).map(|()| 0))
    }

    /// # Safety
    ///
    /// `buf` must be null or valid for reads of `len` bytes for the duration of the call.
    unsafe extern "C" fn verify_sig_callback(buf: *const c_char, len: c_ulong) -> c_int {
        // SAFETY: by the function's safety requirements.
        let file = unsafe { file_slice(buf, len) };
        from_result(|| T::verify_sig(file).map(|()| 0))
    }

    /// # Safety
    ///
    /// `image` must be a valid kimage being loaded, which the caller (the kexec core, under
    /// `kexec_lock`) lets this function use exclusively; `kernel` must be valid for reads of
    /// `kernel_len` bytes; `initrd` and `cmdline` must be null or the core's buffers of
    /// `initrd_len` and `cmdline_len` bytes for this image. All of them must stay valid until
    /// the core has called `cleanup` for the returned loader data.
    unsafe extern "C" fn load_callback(
        image: *mut bindings::kimage,
        kernel: *mut c_char,
        kernel_len: c_ulong,
        initrd: *mut c_char,
        initrd_len: c_ulong,
        cmdline: *mut c_char,
        cmdline_len: c_ulong,
    ) -> *mut c_void {
        let Some(image) = NonNull::new(image) else {
            return EINVAL.to_ptr();
        };
        let mut buffers = match KBox::new(Buffers { owned: KVec::new() }, GFP_KERNEL) {
            Ok(buffers) => buffers,
            Err(_) => return ENOMEM.to_ptr(),
        };
        // SAFETY: by the function's safety requirements.
        let file = unsafe { file_slice(kernel, kernel_len) };
        // INVARIANT: `image` is valid and ours for the call by the function's safety
        // requirements, and `kimage` does not outlive the call.
        let mut kimage = Kimage {
            ptr: image,
            buffers: &mut buffers,
            _p: PhantomData,
        };
        // INVARIANT: the core's buffers for this image, by the function's safety requirements.
        let others = OtherSegments {
            initrd,
            initrd_len,
            cmdline,
            _cmdline_len: cmdline_len,
            _p: PhantomData,
        };
        match T::load(&mut kimage, file, &others) {
            // The core frees this allocation with `kfree()` after `cleanup_callback` has
            // dropped its contents; `KBox` memory comes from kmalloc, so that is valid.
            Ok(()) => KBox::into_raw(buffers).cast(),
            // Nothing has been copied from the buffers yet, and the core discards the
            // segments of a failed load: they may go.
            Err(err) => err.to_ptr(),
        }
    }
}

/// `kexec_file_ops::cleanup`: drops the buffers of a loaded (or failed) image, once.
///
/// # Safety
///
/// `data` must be null or a pointer returned by `load_callback` that has not been passed here
/// before; the core `kfree()`s it right after this call.
unsafe extern "C" fn cleanup_callback(data: *mut c_void) -> c_int {
    if let Some(buffers) = NonNull::new(data.cast::<Buffers>()) {
        // SAFETY: `data` came from `KBox::into_raw` in `load_callback` and is cleaned up only
        // once, by the function's safety requirements. Only the contents are dropped: the core
        // frees the allocation itself.
        unsafe { core::ptr::drop_in_place(buffers.as_ptr()) };
    }
    0
}

/// The file a callback was given, as a slice.
///
/// # Safety
///
/// `buf` must be null or valid for reads of `len` bytes for the lifetime `'a`.
unsafe fn file_slice<'a>(buf: *const c_char, len: c_ulong) -> &'a [u8] {
    if buf.is_null() {
        return &[];
    }
    // SAFETY: `buf` is non-null and valid for `len` bytes by the function's safety
    // requirements; `c_char` is `u8` in the kernel.
    unsafe { slice::from_raw_parts(buf.cast::<u8>(), len) }
}

/// The initrd and command line passed to `kexec_file_load(2)` with the kernel.
///
/// The architecture places them next to the kernel (see [`Kimage::add_arm64_kernel`]); the
/// loader only learns their sizes.
///
/// # Invariants
///
/// `initrd` is null or the core's copy of the initrd, `initrd_len` bytes; `cmdline` is null or
/// the core's copy of the command line; both belong to the kimage being loaded and stay valid
/// for `'a`.
pub struct OtherSegments<'a> {
    initrd: *mut c_char,
    initrd_len: c_ulong,
    cmdline: *mut c_char,
    _cmdline_len: c_ulong,
    _p: PhantomData<&'a [u8]>,
}

impl OtherSegments<'_> {
    /// Length of the initrd, 0 if there is none.
    pub fn initrd_len(&self) -> usize {
        if self.initrd.is_null() {
            0
        } else {
            self.initrd_len
        }
    }
}

/// The kimage being loaded, as a loader's [`Loader::load`] sees it.
///
/// # Invariants
///
/// `ptr` points to a valid kimage in file mode that nothing else accesses while this exists
/// (the kexec core calls `load` under `kexec_lock`), except the kexec functions it is passed to.
pub struct Kimage<'a> {
    ptr: NonNull<bindings::kimage>,
    buffers: &'a mut Buffers,
    _p: PhantomData<&'a mut bindings::kimage>,
}

/// Where an arm64 kernel `Image` goes in memory (`Documentation/arch/arm64/booting.rst`).
#[derive(Clone, Copy, Debug)]
pub struct Arm64KernelLayout {
    /// `text_offset` from the `Image` header: where the image starts above its 2 MiB aligned
    /// base, and so its entry point.
    pub text_offset: usize,
    /// Bytes to reserve from the base: `text_offset + image_size` (BSS included).
    pub memsz: usize,
}

impl Kimage<'_> {
    /// Whether this is a crash kernel (`KEXEC_FILE_ON_CRASH`), to be loaded into the
    /// `crashkernel=` reservation.
    pub fn is_crash(&self) -> bool {
        // SAFETY: `ptr` is valid by the type invariant.
        unsafe { self.ptr.as_ref().type_() == bindings::KEXEC_TYPE_CRASH }
    }

    /// Number of segments placed so far.
    pub fn nr_segments(&self) -> usize {
        // SAFETY: `ptr` is valid by the type invariant.
        unsafe { self.ptr.as_ref().nr_segments }
    }

    /// Places `kernel` as an arm64 kernel segment with the initrd, DTB and command line
    /// (`load_other_segments()`; for a crash kernel also the ELF core header), and makes it the
    /// image's entry point.
    ///
    /// `kernel` is kept here until `cleanup`. When the other segments do not fit next to the
    /// kernel, the kernel moves to the next hole, as `kexec_image.c` does; a segment given up
    /// that way returns what it took (`kexec_buf_retry()`: on kernels that place segments in
    /// CMA, its CMA block).
    pub fn add_arm64_kernel(
        &mut self,
        kernel: VVec<u8>,
        layout: Arm64KernelLayout,
        others: &OtherSegments<'_>,
    ) -> Result {
        if layout.memsz < kernel.len() {
            return Err(EINVAL);
        }
        let (buffer, bufsz) = self.keep(kernel)?;
        let index = self.nr_segments();
        self.place_kernel(buffer, bufsz, layout, others)?;
        self.set_entry(index, layout.text_offset);
        if debug_enabled() {
            let (mem, memsz) = self.segment(index);
            crate::pr_info!(
                "kexec_file: kernel segment {} at {:#x}, {:#x} bytes\n",
                index,
                mem,
                memsz
            );
        }
        Ok(())
    }

    /// Adds the kernel segment, `bufsz` bytes at `buffer`, then the other segments; when those
    /// do not fit, gives the kernel segment up and retries elsewhere (`kexec_buf_retry()`).
    fn place_kernel(
        &mut self,
        buffer: *const u8,
        bufsz: usize,
        layout: Arm64KernelLayout,
        others: &OtherSegments<'_>,
    ) -> Result {
        let index = self.nr_segments();
        let mut kbuf = kexec_buf_for(self.ptr, buffer, bufsz, layout.memsz);
        loop {
            // SAFETY: `kbuf` describes a buffer kept in `self.buffers` until `cleanup`, which
            // is after the core has copied the segments; `kbuf.image` is valid and ours by the
            // type invariant.
            to_result(unsafe { bindings::kexec_add_buffer(&mut kbuf) })?;
            let (mem, memsz) = self.segment(index);
            // A CMA block is copied to from its start whatever the segment's address says: a
            // kernel that starts at an offset from its base cannot use one.
            let usable = layout.text_offset == 0 || !self.segment_in_cma(index);
            if usable && self.add_other_segments(mem, memsz, others) == 0 {
                return Ok(());
            }
            if debug_enabled() {
                crate::pr_info!(
                    "kexec_file: cannot keep the kernel at {:#x} ({}): retrying\n",
                    mem,
                    if usable {
                        "no room for the other segments"
                    } else {
                        "a CMA block, and text_offset is not 0"
                    }
                );
            }
            // SAFETY: `kbuf` placed segment `index` of our kimage, and nothing has been copied
            // from the buffers of the segments this drops.
            unsafe { bindings::kexec_buf_retry(&mut kbuf, index as c_ulong) };
        }
    }

    /// `load_other_segments()` for a kernel at `mem`, `memsz` bytes; its return value.
    fn add_other_segments(
        &mut self,
        mem: c_ulong,
        memsz: usize,
        others: &OtherSegments<'_>,
    ) -> c_int {
        // SAFETY: the kimage is valid and ours by the type invariant; `initrd` and `cmdline` are
        // the core's buffers for it (see `OtherSegments`).
        unsafe {
            bindings::load_other_segments(
                self.ptr.as_ptr(),
                mem,
                memsz,
                others.initrd,
                others.initrd_len(),
                others.cmdline,
            )
        }
    }

    /// Takes ownership of `buffer` until `cleanup`; returns where it is and its length.
    fn keep(&mut self, buffer: VVec<u8>) -> Result<(*const u8, usize)> {
        // The contents of a `VVec` do not move when the `VVec` does.
        let at = (buffer.as_ptr(), buffer.len());
        self.buffers.owned.push(buffer, GFP_KERNEL)?;
        Ok(at)
    }

    /// Address and size of segment `index`, which must exist.
    fn segment(&self, index: usize) -> (c_ulong, usize) {
        // SAFETY: `ptr` is valid by the type invariant; the array index is bounds-checked.
        let segment = unsafe { &self.ptr.as_ref().segment[index] };
        (segment.mem, segment.memsz)
    }

    /// Whether segment `index`, which must exist, was placed in a CMA block.
    fn segment_in_cma(&self, index: usize) -> bool {
        // SAFETY: `ptr` is valid by the type invariant; the helper only reads the kimage.
        unsafe { bindings::kexec_segment_in_cma(self.ptr.as_ptr(), index as c_ulong) }
    }

    /// Moves kernel segment `index` up by `text_offset` and makes it the entry point.
    fn set_entry(&mut self, index: usize, text_offset: usize) {
        // SAFETY: `ptr` is valid and ours by the type invariant.
        let image = unsafe { self.ptr.as_mut() };
        let segment = &mut image.segment[index];
        segment.mem += text_offset;
        segment.memsz -= text_offset;
        image.start = segment.mem;
    }
}

/// Whether `kexec_file_load(2)` was asked for debug messages (`KEXEC_FILE_DEBUG`).
fn debug_enabled() -> bool {
    // SAFETY: the core sets this plain `bool` for the load in progress, before calling the
    // loader, under `kexec_lock`; it is read by value, without a reference to the mutable static.
    unsafe { core::ptr::addr_of!(bindings::kexec_file_dbg_print).read() }
}

/// A `kexec_buf` for `bufsz` bytes at `buffer`, reserving `memsz` bytes of kernel-aligned memory
/// anywhere in RAM.
fn kexec_buf_for(
    image: NonNull<bindings::kimage>,
    buffer: *const u8,
    bufsz: usize,
    memsz: usize,
) -> bindings::kexec_buf {
    bindings::kexec_buf {
        image: image.as_ptr(),
        buffer: buffer.cast_mut().cast(),
        bufsz,
        mem: bindings::KEXEC_BUF_MEM_UNKNOWN as c_ulong,
        memsz,
        // MIN_KIMG_ALIGN: an arm64 kernel runs from a 2 MiB aligned base.
        buf_align: bindings::SZ_2M as c_ulong,
        buf_min: 0,
        buf_max: c_ulong::MAX,
        // Bottom-up (`top_down` false) and zero for the rest, as the C loaders' `= {}`.
        ..Default::default()
    }
}

/// Verifies the Authenticode signature of the PE file `file` against the secondary trusted
/// keyring, then the platform keyring (`kexec_kernel_verify_pe_sig()`).
///
/// Fails with `EKEYREJECTED`, as a loader without a verifier does, on kernels built without PE
/// signature verification.
///
/// # Examples
///
/// ```
/// // Not a PE file at all, let alone a signed one.
/// assert!(kernel::kexec::verify_pe_signature(b"MZ\0\0").is_err());
/// assert!(kernel::kexec::verify_pe_signature(&[]).is_err());
/// ```
pub fn verify_pe_signature(file: &[u8]) -> Result {
    #[cfg(all(CONFIG_KEXEC_SIG, CONFIG_SIGNED_PE_FILE_VERIFICATION))]
    {
        // SAFETY: `file` is valid for reads of its length; the verifier only reads it.
        to_result(unsafe { bindings::kexec_kernel_verify_pe_sig(file.as_ptr().cast(), file.len()) })
    }
    #[cfg(not(all(CONFIG_KEXEC_SIG, CONFIG_SIGNED_PE_FILE_VERIFICATION)))]
    {
        let _ = file;
        Err(EKEYREJECTED)
    }
}

/// Bytes of RAM the kernel manages (`si_meminfo()`), to size buffers against.
///
/// # Examples
///
/// ```
/// // At least the pages this kernel runs in.
/// assert!(kernel::kexec::total_ram() >= kernel::page::PAGE_SIZE as u64);
/// ```
pub fn total_ram() -> u64 {
    let mut info = MaybeUninit::<bindings::sysinfo>::zeroed();
    // SAFETY: `si_meminfo` only fills in the `sysinfo` it is given, which is valid for writes.
    unsafe { bindings::si_meminfo(info.as_mut_ptr()) };
    // SAFETY: all zeroes is a valid `sysinfo` (integers only), which `si_meminfo` filled in.
    let info = unsafe { info.assume_init() };
    u64::try_from(info.totalram)
        .unwrap_or(u64::MAX)
        .saturating_mul(u64::from(info.mem_unit))
}

/// Size of the `crashkernel=` reservation a crash kernel is loaded into, 0 if there is none.
pub fn crash_reservation() -> u64 {
    #[cfg(CONFIG_CRASH_RESERVE)]
    {
        // SAFETY: `crashk_res` only changes under `kexec_lock`, which callers of loader functions
        // hold; it is read by value, without a reference to the mutable static.
        let res = unsafe { core::ptr::addr_of!(bindings::crashk_res).read() };
        if res.end > res.start {
            return res.end - res.start + 1;
        }
    }
    0
}

/// What the CPU and the running kernel can boot, as an arm64 loader checks an `Image` header
/// against them (`kexec_image.c`).
#[derive(Clone, Copy, Debug)]
pub struct Arm64Cpu {
    /// The running kernel is big-endian.
    pub kernel_big_endian: bool,
    /// Every CPU can run a kernel of either endianness.
    pub mixed_endian: bool,
    /// Every CPU implements the 4K translation granule.
    pub granule_4k: bool,
    /// Every CPU implements the 16K translation granule.
    pub granule_16k: bool,
    /// Every CPU implements the 64K translation granule.
    pub granule_64k: bool,
}

impl Arm64Cpu {
    /// The system-wide (sanitised) CPU features.
    ///
    /// # Examples
    ///
    /// ```
    /// let cpu = kernel::kexec::Arm64Cpu::current();
    /// // The CPUs run this kernel, so they implement its page size and endianness.
    /// assert_eq!(cpu.kernel_big_endian, cfg!(CONFIG_CPU_BIG_ENDIAN));
    /// assert!(cpu.granule_4k || !cfg!(CONFIG_ARM64_4K_PAGES));
    /// assert!(cpu.granule_16k || !cfg!(CONFIG_ARM64_16K_PAGES));
    /// assert!(cpu.granule_64k || !cfg!(CONFIG_ARM64_64K_PAGES));
    /// ```
    pub fn current() -> Self {
        // SAFETY: these helpers only read the sanitised ID registers.
        unsafe {
            Self {
                kernel_big_endian: cfg!(CONFIG_CPU_BIG_ENDIAN),
                mixed_endian: bindings::system_supports_mixed_endian(),
                granule_4k: bindings::system_supports_4kb_granule(),
                granule_16k: bindings::system_supports_16kb_granule(),
                granule_64k: bindings::system_supports_64kb_granule(),
            }
        }
    }
}
