// SPDX-License-Identifier: GPL-2.0
//! What zbt needs beyond std: the system calls that have no std API
//! (kexec_file_load, reboot, fork, waitpid, memfd_create, sync,
//! sched_setaffinity, clock_gettime) through glibc, and a few thin wrappers
//! that keep zbt's `Result<_, Errno>` style over std's files. Every `unsafe`
//! in zbt lives here.

use std::ffi::{c_char, c_int, c_long, c_uint, CStr, OsStr};
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileExt, MetadataExt, OpenOptionsExt};

extern "C" {
    fn syscall(nr: c_long, ...) -> c_long;
    fn fork() -> c_int;
    fn waitpid(pid: c_int, status: *mut c_int, options: c_int) -> c_int;
    fn memfd_create(name: *const c_char, flags: c_uint) -> c_int;
    fn sync();
    fn clock_gettime(clock: c_int, ts: *mut Timespec) -> c_int;
}

#[repr(C)]
struct Timespec {
    tv_sec: i64,
    tv_nsec: i64,
}

const NR_SCHED_SETAFFINITY: c_long = 122;
const NR_REBOOT: c_long = 142;
const NR_KEXEC_FILE_LOAD: c_long = 294;
const CLOCK_MONOTONIC: c_int = 1;
const MFD_CLOEXEC: c_uint = 1;
const WNOHANG: c_int = 1;

pub const O_RDONLY: usize = 0;
pub const O_WRONLY: usize = 1;
pub const O_RDWR: usize = 2;
pub const O_NONBLOCK: usize = 0o4000;
pub const O_CREAT: usize = 0o100;
const O_ACCMODE: usize = 3;

pub const KEXEC_FILE_UNLOAD: u64 = 1;
pub const KEXEC_FILE_ON_CRASH: u64 = 2;
pub const KEXEC_FILE_NO_INITRAMFS: u64 = 4;
/// The loader's and the core's `kexec_dprintk()` lines for this load.
pub const KEXEC_FILE_DEBUG: u64 = 8;

pub const EINTR: i32 = 4;
pub const EIO: i32 = 5;
pub const EBUSY: i32 = 16;
pub const EINVAL: i32 = 22;
const ENOMEM: i32 = 12;

/// A positive errno value.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Errno(pub i32);

impl Errno {
    /// The calling thread's errno, as std reads it.
    fn last() -> Errno {
        Errno::from(io::Error::last_os_error())
    }
}

impl From<io::Error> for Errno {
    fn from(e: io::Error) -> Errno {
        Errno(e.raw_os_error().unwrap_or(EIO))
    }
}

pub type Result<T> = std::result::Result<T, Errno>;

/// A C return value: `Err(errno)` for -1, the value otherwise.
fn check(ret: c_long) -> Result<c_long> {
    if ret == -1 {
        Err(Errno::last())
    } else {
        Ok(ret)
    }
}

/// An open file (std's, closed on drop).
pub struct Fd(File);

impl Fd {
    pub fn raw(&self) -> i32 {
        self.0.as_raw_fd()
    }

    pub fn file(&self) -> &File {
        &self.0
    }
}

impl From<OwnedFd> for Fd {
    fn from(fd: OwnedFd) -> Fd {
        Fd(File::from(fd))
    }
}

/// open(2) with the given `O_*` flags (always with O_CLOEXEC, as std does).
pub fn open(path: &CStr, flags: usize, mode: u32) -> Result<Fd> {
    let acc = flags & O_ACCMODE;
    OpenOptions::new()
        .read(acc == O_RDONLY || acc == O_RDWR)
        .write(acc == O_WRONLY || acc == O_RDWR)
        .create(flags & O_CREAT != 0)
        .custom_flags((flags & !(O_ACCMODE | O_CREAT)) as i32)
        .mode(mode)
        .open(OsStr::from_bytes(path.to_bytes()))
        .map(Fd)
        .map_err(Errno::from)
}

pub fn read(fd: &Fd, buf: &mut [u8]) -> Result<usize> {
    loop {
        match (&fd.0).read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            r => return r.map_err(Errno::from),
        }
    }
}

/// pread64(2): reads at `offset` without moving the file position (works on
/// files that cannot seek, like /proc/PID/fail-nth).
pub fn pread(fd: &Fd, buf: &mut [u8], offset: u64) -> Result<usize> {
    loop {
        match fd.0.read_at(buf, offset) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            r => return r.map_err(Errno::from),
        }
    }
}

/// Reads until `buf` is full or end of file; returns the byte count.
pub fn read_full(fd: &Fd, buf: &mut [u8]) -> Result<usize> {
    let mut done = 0;
    while let Some(rest) = buf.get_mut(done..) {
        if rest.is_empty() {
            break;
        }
        match read(fd, rest)? {
            0 => break,
            n => done += n,
        }
    }
    Ok(done)
}

pub fn write_all(fd: &Fd, buf: &[u8]) -> Result<()> {
    (&fd.0).write_all(buf).map_err(Errno::from)
}

pub fn seek(fd: &Fd, offset: u64) -> Result<u64> {
    (&fd.0).seek(SeekFrom::Start(offset)).map_err(Errno::from)
}

/// lseek(fd, 0, SEEK_END); on /dev/kmsg: skip to the newest record.
pub fn seek_end(fd: &Fd) -> Result<u64> {
    (&fd.0).seek(SeekFrom::End(0)).map_err(Errno::from)
}

pub fn ftruncate(fd: &Fd, len: u64) -> Result<()> {
    fd.0.set_len(len).map_err(Errno::from)
}

/// The identity of an open file: (st_dev, st_ino).
pub fn file_id(fd: &Fd) -> Result<(u64, u64)> {
    let m = fd.0.metadata().map_err(Errno::from)?;
    Ok((m.dev(), m.ino()))
}

/// pipe2(O_CLOEXEC): returns (read end, write end).
pub fn pipe() -> Result<(Fd, Fd)> {
    let (r, w) = io::pipe().map_err(Errno::from)?;
    Ok((Fd::from(OwnedFd::from(r)), Fd::from(OwnedFd::from(w))))
}

/// kexec_file_load(2). `cmdline` is passed with its terminating NUL.
pub fn kexec_file_load(kernel: i32, initrd: i32, cmdline: Option<&CStr>, flags: u64) -> Result<()> {
    let (len, ptr) = match cmdline {
        Some(c) => (c.count_bytes() + 1, c.as_ptr()),
        None => (0, std::ptr::null()),
    };
    // SAFETY: the only pointer is `cmdline`, valid for `len` bytes including
    // its NUL (or NULL with length 0); descriptors are plain integers the
    // kernel checks itself.
    let ret = unsafe {
        syscall(
            NR_KEXEC_FILE_LOAD,
            c_long::from(kernel),
            c_long::from(initrd),
            len,
            ptr,
            flags,
        )
    };
    check(ret).map(|_| ())
}

/// reboot(LINUX_REBOOT_CMD_KEXEC); returns only on failure.
pub fn reboot_kexec() -> Errno {
    // SAFETY: reboot with these magic values takes no pointers.
    let ret = unsafe {
        syscall(
            NR_REBOOT,
            0xfee1_dead_u32 as c_long,
            672_274_793 as c_long,
            0x4558_4543 as c_long,
            0 as c_long,
        )
    };
    match check(ret) {
        Err(e) => e,
        Ok(_) => Errno(0),
    }
}

/// sched_setaffinity(0, …): pins the calling thread to CPU `cpu` (best
/// effort: a guest with fewer CPUs just keeps its mask).
pub fn pin_to_cpu(cpu: usize) {
    let mask: u64 = 1 << (cpu % 64);
    // SAFETY: `mask` is a readable cpu set of 8 bytes, as the length says.
    let ret = unsafe {
        syscall(
            NR_SCHED_SETAFFINITY,
            0 as c_long,
            8 as c_long,
            &mask as *const u64,
        )
    };
    // Ignored on purpose: pinning only makes the sampling steadier.
    let _ = check(ret);
}

pub fn sync_all() {
    // SAFETY: sync(2) takes no arguments and cannot fail.
    unsafe { sync() };
}

/// CLOCK_MONOTONIC in nanoseconds.
pub fn monotonic_ns() -> u64 {
    let mut ts = Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a writable `struct timespec` (two 64-bit fields on arm64).
    unsafe { clock_gettime(CLOCK_MONOTONIC, &mut ts) };
    (ts.tv_sec as u64)
        .wrapping_mul(1_000_000_000)
        .wrapping_add(ts.tv_nsec as u64)
}

/// fork(): returns 0 in the child and the child's pid in the parent.
///
/// zbt is single-threaded, so the child may go on running ordinary code.
pub fn fork_process() -> Result<usize> {
    // SAFETY: zbt never starts a thread, so the child's copy of the address
    // space holds no lock another thread owned at the fork.
    let ret = unsafe { fork() };
    check(c_long::from(ret)).map(|pid| pid as usize)
}

fn wait_opts(pid: usize, options: c_int) -> Result<(usize, i32)> {
    let mut status: c_int = 0;
    loop {
        // SAFETY: `status` is a writable int.
        let ret = unsafe { waitpid(pid as c_int, &mut status, options) };
        match check(c_long::from(ret)) {
            Err(Errno(EINTR)) => continue,
            Err(e) => return Err(e),
            Ok(got) => return Ok((got as usize, status)),
        }
    }
}

/// waitpid(pid, &status, 0); returns the raw wait status.
pub fn wait(pid: usize) -> Result<i32> {
    wait_opts(pid, 0).map(|(_, status)| status)
}

/// waitpid(pid, &status, WNOHANG): Some(raw status) once `pid` exited.
pub fn try_wait(pid: usize) -> Result<Option<i32>> {
    wait_opts(pid, WNOHANG).map(|(got, status)| (got != 0).then_some(status))
}

pub fn exit(code: i32) -> ! {
    std::process::exit(code)
}

/// Zero-filled memory of `len` bytes; ENOMEM instead of an abort when the
/// allocation fails (the fuzzer asks for buffers the size of kernel images).
pub fn zeroed(len: usize) -> Result<Vec<u8>> {
    let mut v = Vec::new();
    v.try_reserve_exact(len).map_err(|_| Errno(ENOMEM))?;
    v.resize(len, 0);
    Ok(v)
}

/// memfd_create(2): an anonymous file, for handing built images to
/// kexec_file_load(2) without a filesystem.
pub fn memfd(name: &CStr) -> Result<Fd> {
    // SAFETY: `name` is NUL-terminated and outlives the call.
    let ret = unsafe { memfd_create(name.as_ptr(), MFD_CLOEXEC) };
    let fd = check(c_long::from(ret))?;
    // SAFETY: memfd_create returned a new descriptor that nothing else owns.
    Ok(Fd(unsafe { File::from_raw_fd(fd as i32) }))
}
