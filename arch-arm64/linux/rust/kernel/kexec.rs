// SPDX-License-Identifier: GPL-2.0

//! kexec_file loaders.
//!
//! C header: [`include/linux/kexec.h`](srctree/include/linux/kexec.h).
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
//!         // Decode `file` into a buffer and place it, e.g. with
//!         // `image.add_arm64_kernel()` (`kexec::arm64`).
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
//! What is common to every architecture is here; how a kernel is placed with its initrd, device
//! tree and command line is the architecture's, in a submodule ([`arm64`]).

use crate::{
    alloc::{flags::GFP_KERNEL, KBox, KVec, VVec},
    bindings,
    error::{code::*, from_result, Result},
    ffi::{c_char, c_int, c_ulong, c_void},
    prelude::*,
};
use core::{marker::PhantomData, mem::MaybeUninit, ptr::NonNull, slice};

#[cfg(CONFIG_ARM64)]
pub mod arm64;

/// A kexec_file loader: the file format it claims and how it turns a file into segments.
///
/// Every function sees the file as `kexec_file_load(2)` read it, which nobody has vouched for:
/// `probe` even runs before the signature check.
#[vtable]
pub trait Loader {
    /// Tells whether `file` is in this loader's format.
    ///
    /// Returns [`ENOEXEC`] for a file of another format. Whatever the error, the core goes on
    /// with the next loader of `kexec_file_loaders[]`, and the caller sees the last loader's
    /// error: a file in this loader's format that is unusable is best accepted here and refused
    /// by [`Loader::load`], whose error reaches the caller.
    fn probe(file: &[u8]) -> Result;

    /// Turns `file`, which [`Loader::probe`] accepted and whose signature the core has checked
    /// when it had to, into segments of `image`, together with the initrd and command line in
    /// `others`.
    fn load(image: &mut Kimage<'_>, file: &[u8], others: &OtherSegments<'_>) -> Result;

    /// Verifies the signature of the file `check` is about, e.g. with [`verify_pe_signature`].
    ///
    /// Called before [`Loader::load`]; whether a failure refuses the file is the core's decision
    /// (lockdown, `KEXEC_SIG_FORCE`).
    fn verify_sig(_check: &SignatureCheck<'_>) -> Result {
        crate::build_error!(crate::error::VTABLE_DEFAULT_ERROR)
    }
}

/// Declares the `struct kexec_file_ops` of the loader `$loader`, exported to C as `$name` for
/// the architecture's `kexec_file_loaders[]`.
///
/// A loader is built into the kernel, not a module: its crate declares itself with
/// [`built_in_crate!`](crate::built_in_crate).
#[macro_export]
macro_rules! kexec_file_ops {
    ($loader:ty, $name:literal) => {
        // In a block of its own, so that one crate may declare several loaders.
        const _: () = {
            /// The loader's `struct kexec_file_ops`, as `kexec_file_loaders[]` lists it.
            #[export_name = $name]
            static KEXEC_FILE_OPS: $crate::kexec::FileOps =
                $crate::kexec::create_file_ops::<$loader>();
        };
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
    /// `buf` must be null or valid for reads of `len` bytes for the duration of the call, which
    /// the kexec core makes under `kexec_lock`.
    unsafe extern "C" fn verify_sig_callback(buf: *const c_char, len: c_ulong) -> c_int {
        // SAFETY: by the function's safety requirements.
        let file = unsafe { file_slice(buf, len) };
        // INVARIANT: the core verifies signatures while it prepares a kimage, under `kexec_lock`.
        let check = SignatureCheck { file };
        from_result(|| T::verify_sig(&check).map(|()| 0))
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
        // INVARIANT: the core's buffers for this image, by the function's safety requirements;
        // `kexec_file_load(2)` has checked that a command line ends with a NUL.
        let others = OtherSegments {
            initrd,
            initrd_len,
            cmdline,
            cmdline_len,
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

/// A buffer C gave, the file a callback was given for instance, as a slice.
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

/// The initrd and command line that go with the kernel.
///
/// `load` is given those passed to `kexec_file_load(2)`; a loader whose file carries its own
/// makes others with [`Kimage::own_other_segments`]. The architecture places them next to the
/// kernel (arm64: `Kimage::add_arm64_kernel()`).
///
/// # Invariants
///
/// `initrd` is null or points to `initrd_len` readable bytes; `cmdline` is null or points to
/// `cmdline_len` readable bytes, the last of them a NUL. Both are either the core's copies for
/// the kimage being loaded or buffers that kimage's loader data owns, and stay valid and
/// unchanged until the core has called `cleanup` for the load that sees them, which outlives
/// `'a`.
pub struct OtherSegments<'a> {
    initrd: *mut c_char,
    initrd_len: c_ulong,
    cmdline: *mut c_char,
    cmdline_len: c_ulong,
    _p: PhantomData<&'a [u8]>,
}

impl<'a> OtherSegments<'a> {
    /// Length of the initrd, 0 if there is none.
    pub fn initrd_len(&self) -> usize {
        self.initrd().len()
    }

    /// The initrd, empty if there is none.
    pub fn initrd(&self) -> &'a [u8] {
        // SAFETY: by the type invariant, `initrd` is null or `initrd_len` readable bytes that
        // stay unchanged for `'a`.
        unsafe { file_slice(self.initrd, self.initrd_len) }
    }

    /// The command line without its terminating NUL, empty if there is none.
    pub fn cmdline(&self) -> &'a [u8] {
        // SAFETY: by the type invariant, `cmdline` is null or `cmdline_len` readable bytes that
        // stay unchanged for `'a`.
        let with_nul = unsafe { file_slice(self.cmdline, self.cmdline_len) };
        with_nul.strip_suffix(&[0]).unwrap_or(with_nul)
    }
}

/// The file a loader's [`Loader::verify_sig`] is asked to check.
///
/// # Invariants
///
/// It only exists while the kexec core checks the signature of a file it is loading, under
/// `kexec_lock`.
pub struct SignatureCheck<'a> {
    file: &'a [u8],
}

impl SignatureCheck<'_> {
    /// The file, as `kexec_file_load(2)` read it.
    pub fn file(&self) -> &[u8] {
        self.file
    }

    /// Whether `kexec_file_load(2)` was asked for debug messages (`KEXEC_FILE_DEBUG`), as
    /// [`Kimage::debug_enabled`].
    pub fn debug_enabled(&self) -> bool {
        // SAFETY: `kexec_lock` is held by the type invariant.
        unsafe { kexec_file_debug() }
    }
}

/// The core's `KEXEC_FILE_DEBUG` flag for the load in progress.
///
/// # Safety
///
/// The caller must hold `kexec_lock`, under which the core sets the flag for a load.
unsafe fn kexec_file_debug() -> bool {
    // SAFETY: a plain `bool`, stable under `kexec_lock` (held by the function's safety
    // requirements); read by value, without a reference to the mutable static.
    unsafe { core::ptr::addr_of!(bindings::kexec_file_dbg_print).read() }
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

impl<'a> Kimage<'a> {
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

    /// Whether `kexec_file_load(2)` was asked for debug messages (`KEXEC_FILE_DEBUG`): a loader
    /// says what it did only then, at `pr_info`, as the core's `kexec_dprintk()` does.
    pub fn debug_enabled(&self) -> bool {
        // SAFETY: `kexec_lock` is held by the type invariant.
        unsafe { kexec_file_debug() }
    }

    /// Size of the `crashkernel=` reservation a crash kernel is loaded into, 0 if there is none.
    pub fn crash_reservation(&self) -> u64 {
        #[cfg(CONFIG_CRASH_RESERVE)]
        {
            // SAFETY: `crashk_res` only changes under `kexec_lock`, which `self` proves is held
            // (type invariant); it is read by value, without a reference to the mutable static.
            let res = unsafe { core::ptr::addr_of!(bindings::crashk_res).read() };
            if res.end > res.start {
                return res.end - res.start + 1;
            }
        }
        0
    }

    /// Makes the initrd and command line to place with the kernel out of buffers the loader made,
    /// e.g. out of sections of its file, instead of those `kexec_file_load(2)` passed.
    ///
    /// Both are kept until `cleanup`, like the kernel; an empty one counts as none. `cmdline` is
    /// given without a NUL, which is added here. Fails with [`ENOMEM`].
    ///
    /// # Examples
    ///
    /// ```ignore
    /// // A loader whose file carries an initrd: its own first, the caller's after it.
    /// let mut initrd = VVec::with_capacity(own.len() + others.initrd_len(), GFP_KERNEL)?;
    /// initrd.extend_from_slice(own, GFP_KERNEL)?;
    /// initrd.extend_from_slice(others.initrd(), GFP_KERNEL)?;
    /// let mine = image.own_other_segments(initrd, others.cmdline())?;
    /// image.add_arm64_kernel(kernel, layout, &mine)?;
    /// ```
    pub fn own_other_segments(
        &mut self,
        initrd: VVec<u8>,
        cmdline: &[u8],
    ) -> Result<OtherSegments<'a>> {
        let (initrd, initrd_len) = self.keep_unless_empty(initrd)?;
        let (cmdline, cmdline_len) = if cmdline.is_empty() {
            (core::ptr::null(), 0)
        } else {
            let mut with_nul = VVec::with_capacity(cmdline.len() + 1, GFP_KERNEL)?;
            with_nul.extend_from_slice(cmdline, GFP_KERNEL)?;
            with_nul.push(0, GFP_KERNEL)?;
            self.keep(with_nul)?
        };
        // INVARIANT: both are null or buffers that `self.buffers`, the loader data of this load,
        // owns until `cleanup` and that nothing changes; the command line ends with the NUL
        // pushed above.
        Ok(OtherSegments {
            initrd: initrd.cast_mut().cast(),
            initrd_len,
            cmdline: cmdline.cast_mut().cast(),
            cmdline_len,
            _p: PhantomData,
        })
    }

    /// [`Kimage::keep`], but an empty buffer is dropped and given as null.
    fn keep_unless_empty(&mut self, buffer: VVec<u8>) -> Result<(*const u8, usize)> {
        if buffer.is_empty() {
            return Ok((core::ptr::null(), 0));
        }
        self.keep(buffer)
    }

    /// Takes ownership of `buffer` until `cleanup`; returns where it is and its length.
    ///
    /// A segment may point into the buffer: the core copies segments only after `load`.
    fn keep(&mut self, buffer: VVec<u8>) -> Result<(*const u8, usize)> {
        // The contents of a `VVec` do not move when the `VVec` does.
        let at = (buffer.as_ptr(), buffer.len());
        self.buffers.owned.push(buffer, GFP_KERNEL)?;
        Ok(at)
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
        let ret = unsafe { bindings::kexec_kernel_verify_pe_sig(file.as_ptr().cast(), file.len()) };
        crate::error::to_result(ret)
    }
    #[cfg(not(all(CONFIG_KEXEC_SIG, CONFIG_SIGNED_PE_FILE_VERIFICATION)))]
    {
        let _ = file;
        Err(EKEYREJECTED)
    }
}

/// Whether a kernel whose signature does not verify is refused: with `CONFIG_KEXEC_SIG_FORCE`,
/// or while kexec is locked down (`LOCKDOWN_KEXEC`, e.g. `lockdown=integrity` or UEFI Secure
/// Boot).
///
/// A loader asks this to decide how far to trust what the caller passed next to a signed file.
/// When kexec is locked down, the lockdown LSM logs a (rate-limited) line saying so for each
/// question: ask only when the answer matters.
pub fn signatures_enforced() -> bool {
    cfg!(CONFIG_KEXEC_SIG_FORCE) || kexec_locked_down()
}

#[cfg(CONFIG_SECURITY)]
fn kexec_locked_down() -> bool {
    // SAFETY: `security_locked_down()` may be called from any process context; it only reads the
    // LSMs' state.
    unsafe { bindings::security_locked_down(bindings::lockdown_reason_LOCKDOWN_KEXEC) != 0 }
}

#[cfg(not(CONFIG_SECURITY))]
fn kexec_locked_down() -> bool {
    false
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
