// SPDX-License-Identifier: GPL-2.0
//! Raw arm64 Linux system calls (asm-generic numbering) and thin safe
//! wrappers around the few that zbt needs. All `unsafe` in the program that
//! talks to the kernel lives here.

use core::arch::asm;
use core::ffi::CStr;

const NR_PIPE2: usize = 59;
const NR_OPENAT: usize = 56;
const NR_CLOSE: usize = 57;
const NR_LSEEK: usize = 62;
const NR_READ: usize = 63;
const NR_PREAD64: usize = 67;
const NR_WRITE: usize = 64;
const NR_FTRUNCATE: usize = 46;
const NR_FSTAT: usize = 80;
const NR_SYNC: usize = 81;
const NR_EXIT_GROUP: usize = 94;
const NR_CLOCK_GETTIME: usize = 113;
const NR_REBOOT: usize = 142;
const NR_CLONE: usize = 220;
const NR_WAIT4: usize = 260;
const NR_KEXEC_FILE_LOAD: usize = 294;
const NR_MUNMAP: usize = 215;
const NR_MMAP: usize = 222;
const NR_MEMFD_CREATE: usize = 279;

const AT_FDCWD: isize = -100;
pub const O_RDONLY: usize = 0;
pub const O_WRONLY: usize = 1;
pub const O_RDWR: usize = 2;
pub const O_NONBLOCK: usize = 0o4000;
pub const O_CREAT: usize = 0o100;
pub const O_CLOEXEC: usize = 0o2000000;
const SEEK_SET: usize = 0;
const SEEK_END: usize = 2;
const CLOCK_MONOTONIC: usize = 1;
const SIGCHLD: usize = 17;

pub const KEXEC_FILE_UNLOAD: u64 = 1;
pub const KEXEC_FILE_ON_CRASH: u64 = 2;
pub const KEXEC_FILE_NO_INITRAMFS: u64 = 4;
/// The loader's and the core's `kexec_dprintk()` lines for this load.
pub const KEXEC_FILE_DEBUG: u64 = 8;

pub const EINTR: i32 = 4;
pub const EIO: i32 = 5;
pub const EBUSY: i32 = 16;
pub const EINVAL: i32 = 22;

const PROT_READ_WRITE: usize = 3;
const MAP_PRIVATE_ANONYMOUS: usize = 0x22;
const MFD_CLOEXEC: usize = 1;

/// A positive errno value.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Errno(pub i32);

pub type Result<T> = core::result::Result<T, Errno>;

/// Issues system call `nr` with up to five arguments.
///
/// # Safety
///
/// The arguments must be valid for system call `nr`: every pointer must
/// reference memory valid for the accesses the kernel makes through it.
#[inline(always)]
pub unsafe fn syscall(nr: usize, a0: usize, a1: usize, a2: usize, a3: usize, a4: usize) -> isize {
    let ret: isize;
    // SAFETY: `svc #0` enters the kernel, which preserves every register
    // except x0 (the result); the caller vouches for the arguments.
    unsafe {
        asm!(
            "svc #0",
            in("x8") nr,
            inlateout("x0") a0 => ret,
            in("x1") a1,
            in("x2") a2,
            in("x3") a3,
            in("x4") a4,
            options(nostack),
        );
    }
    ret
}

/// A raw system call result as `Ok(value)` or `Err(errno)`.
pub fn check(ret: isize) -> Result<usize> {
    if (-4095..0).contains(&ret) {
        Err(Errno(-ret as i32))
    } else {
        Ok(ret as usize)
    }
}

/// An owned file descriptor, closed on drop.
pub struct Fd(i32);

impl Fd {
    pub fn raw(&self) -> i32 {
        self.0
    }
}

impl Drop for Fd {
    fn drop(&mut self) {
        // SAFETY: close takes no pointers; `self.0` is a descriptor we own.
        unsafe { syscall(NR_CLOSE, self.0 as usize, 0, 0, 0, 0) };
    }
}

pub fn open(path: &CStr, flags: usize, mode: usize) -> Result<Fd> {
    // SAFETY: `path` is NUL-terminated and outlives the call.
    let ret = unsafe {
        syscall(
            NR_OPENAT,
            AT_FDCWD as usize,
            path.as_ptr() as usize,
            flags | O_CLOEXEC,
            mode,
            0,
        )
    };
    check(ret).map(|fd| Fd(fd as i32))
}

pub fn read(fd: &Fd, buf: &mut [u8]) -> Result<usize> {
    loop {
        // SAFETY: `buf` is valid for writes of `buf.len()` bytes.
        let ret = unsafe {
            syscall(
                NR_READ,
                fd.0 as usize,
                buf.as_mut_ptr() as usize,
                buf.len(),
                0,
                0,
            )
        };
        match check(ret) {
            Err(Errno(EINTR)) => continue,
            r => return r,
        }
    }
}

/// pread64(2): reads at `offset` without moving the file position (works on
/// files that cannot seek, like /proc/PID/fail-nth).
pub fn pread(fd: &Fd, buf: &mut [u8], offset: u64) -> Result<usize> {
    loop {
        // SAFETY: `buf` is valid for writes of `buf.len()` bytes.
        let ret = unsafe {
            syscall(
                NR_PREAD64,
                fd.0 as usize,
                buf.as_mut_ptr() as usize,
                buf.len(),
                offset as usize,
                0,
            )
        };
        match check(ret) {
            Err(Errno(EINTR)) => continue,
            r => return r,
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

pub fn write_raw(fd: i32, buf: &[u8]) -> Result<usize> {
    // SAFETY: `buf` is valid for reads of `buf.len()` bytes.
    let ret = unsafe {
        syscall(
            NR_WRITE,
            fd as usize,
            buf.as_ptr() as usize,
            buf.len(),
            0,
            0,
        )
    };
    check(ret)
}

/// Writes all of `buf` to raw descriptor `fd`.
pub fn write_all_raw(fd: i32, mut buf: &[u8]) -> Result<()> {
    while !buf.is_empty() {
        match write_raw(fd, buf) {
            Ok(0) => return Err(Errno(EIO)),
            Ok(n) => buf = buf.get(n..).unwrap_or(&[]),
            Err(Errno(EINTR)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

pub fn write_all(fd: &Fd, buf: &[u8]) -> Result<()> {
    write_all_raw(fd.0, buf)
}

pub fn seek(fd: &Fd, offset: u64) -> Result<u64> {
    // SAFETY: lseek takes no pointers.
    let ret = unsafe { syscall(NR_LSEEK, fd.0 as usize, offset as usize, SEEK_SET, 0, 0) };
    check(ret).map(|v| v as u64)
}

/// lseek(fd, 0, SEEK_END); on /dev/kmsg: skip to the newest record.
pub fn seek_end(fd: &Fd) -> Result<u64> {
    // SAFETY: lseek takes no pointers.
    let ret = unsafe { syscall(NR_LSEEK, fd.0 as usize, 0, SEEK_END, 0, 0) };
    check(ret).map(|v| v as u64)
}

pub fn ftruncate(fd: &Fd, len: u64) -> Result<()> {
    // SAFETY: ftruncate takes no pointers.
    let ret = unsafe { syscall(NR_FTRUNCATE, fd.0 as usize, len as usize, 0, 0, 0) };
    check(ret).map(|_| ())
}

/// The identity of an open file: (st_dev, st_ino).
pub fn file_id(fd: &Fd) -> Result<(u64, u64)> {
    // asm-generic `struct stat` is 128 bytes; st_dev and st_ino come first.
    let mut st = [0u64; 16];
    // SAFETY: `st` is 128 writable, 8-byte aligned bytes, the size of the
    // arm64 `struct stat`.
    let ret = unsafe { syscall(NR_FSTAT, fd.0 as usize, st.as_mut_ptr() as usize, 0, 0, 0) };
    check(ret).map(|_| (st[0], st[1]))
}

/// kexec_file_load(2). `cmdline` is passed with its terminating NUL.
pub fn kexec_file_load(kernel: i32, initrd: i32, cmdline: Option<&CStr>, flags: u64) -> Result<()> {
    let (len, ptr) = match cmdline {
        Some(c) => (c.count_bytes() + 1, c.as_ptr() as usize),
        None => (0, 0),
    };
    // SAFETY: the only pointer is `cmdline`, valid for `len` bytes including
    // its NUL; descriptors are plain integers the kernel checks itself.
    let ret = unsafe {
        syscall(
            NR_KEXEC_FILE_LOAD,
            kernel as isize as usize,
            initrd as isize as usize,
            len,
            ptr,
            flags as usize,
        )
    };
    check(ret).map(|_| ())
}

/// reboot(LINUX_REBOOT_CMD_KEXEC); returns only on failure.
pub fn reboot_kexec() -> Errno {
    // SAFETY: reboot with these magic values takes no pointers.
    let ret = unsafe { syscall(NR_REBOOT, 0xfee1dead, 672274793, 0x45584543, 0, 0) };
    match check(ret) {
        Err(e) => e,
        Ok(_) => Errno(0),
    }
}

pub fn sync() {
    // SAFETY: sync takes no arguments.
    unsafe { syscall(NR_SYNC, 0, 0, 0, 0, 0) };
}

/// CLOCK_MONOTONIC in nanoseconds.
pub fn monotonic_ns() -> u64 {
    let mut ts = [0i64; 2];
    // SAFETY: `ts` is a writable `struct timespec` (two 64-bit fields).
    unsafe {
        syscall(
            NR_CLOCK_GETTIME,
            CLOCK_MONOTONIC,
            ts.as_mut_ptr() as usize,
            0,
            0,
            0,
        )
    };
    (ts[0] as u64)
        .wrapping_mul(1_000_000_000)
        .wrapping_add(ts[1] as u64)
}

/// fork(): returns 0 in the child and the child's pid in the parent.
pub fn fork() -> Result<usize> {
    // SAFETY: clone(SIGCHLD, 0, ...) is fork: the child gets a copy of the
    // address space and continues on its own copy of this stack.
    let ret = unsafe { syscall(NR_CLONE, SIGCHLD, 0, 0, 0, 0) };
    check(ret)
}

/// wait4(pid, &status, 0, NULL); returns the raw wait status.
pub fn wait(pid: usize) -> Result<i32> {
    let mut status = 0i32;
    loop {
        // SAFETY: `status` is a writable int; rusage is NULL.
        let ret = unsafe { syscall(NR_WAIT4, pid, &mut status as *mut i32 as usize, 0, 0, 0) };
        match check(ret) {
            Err(Errno(EINTR)) => continue,
            Err(e) => return Err(e),
            Ok(_) => return Ok(status),
        }
    }
}

/// pipe2(O_CLOEXEC): returns (read end, write end).
pub fn pipe() -> Result<(Fd, Fd)> {
    let mut fds = [-1i32; 2];
    // SAFETY: `fds` is a writable `int[2]`.
    let ret = unsafe { syscall(NR_PIPE2, fds.as_mut_ptr() as usize, O_CLOEXEC, 0, 0, 0) };
    check(ret).map(|_| (Fd(fds[0]), Fd(fds[1])))
}

pub fn exit(code: i32) -> ! {
    // SAFETY: exit_group takes no pointers and does not return.
    unsafe {
        asm!(
            "svc #0",
            in("x8") NR_EXIT_GROUP,
            in("x0") code as isize,
            options(noreturn, nostack),
        );
    }
}

/// Anonymous, zero-filled memory from mmap(2), unmapped on drop: zbt has no
/// heap, and the fuzzer needs buffers the size of kernel images.
pub struct Mem {
    ptr: *mut u8,
    len: usize,
}

impl Mem {
    pub fn new(len: usize) -> Result<Mem> {
        if len == 0 {
            return Err(Errno(EINVAL));
        }
        // SAFETY: an anonymous private mapping at an address the kernel
        // picks takes no pointers and aliases nothing.
        let ret = unsafe {
            syscall(
                NR_MMAP,
                0,
                len,
                PROT_READ_WRITE,
                MAP_PRIVATE_ANONYMOUS,
                usize::MAX,
            )
        };
        check(ret).map(|addr| Mem {
            ptr: addr as *mut u8,
            len,
        })
    }

    pub fn bytes(&mut self) -> &mut [u8] {
        // SAFETY: by construction `ptr` maps `len` readable and writable
        // bytes that only this `Mem` refers to, until drop unmaps them.
        unsafe { core::slice::from_raw_parts_mut(self.ptr, self.len) }
    }
}

impl Drop for Mem {
    fn drop(&mut self) {
        // SAFETY: `ptr`/`len` is the mapping this `Mem` owns; nothing
        // borrows it any more (`bytes` borrows `self`).
        unsafe { syscall(NR_MUNMAP, self.ptr as usize, self.len, 0, 0, 0) };
    }
}

/// memfd_create(2): an anonymous file, for handing built images to
/// kexec_file_load(2) without a filesystem.
pub fn memfd(name: &CStr) -> Result<Fd> {
    // SAFETY: `name` is NUL-terminated and outlives the call.
    let ret = unsafe {
        syscall(
            NR_MEMFD_CREATE,
            name.as_ptr() as usize,
            MFD_CLOEXEC,
            0,
            0,
            0,
        )
    };
    check(ret).map(|fd| Fd(fd as i32))
}
