// SPDX-License-Identifier: GPL-2.0
//! The benchmark commands (tests/guest/scenarios/bench.sh, `make bench`):
//! payload, time-cmd, mem-load.

use crate::out::{errno_status, parse_num, Line};
use crate::sys::{self, pin_to_cpu, try_wait, Errno, Fd};
use crate::{bad_usage, Args};
use std::ffi::{CStr, OsStr};
use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;
use std::process::Command;

const EOVERFLOW: i32 = 75;

/// Most samples time-cmd and mem-load keep.
const MAX_ITERS: usize = 1024;
/// Most arguments time-cmd passes to the command it runs.
const MAX_ARGS: usize = 64;

/// Exit code of a raw wait status, or None if the process died of a signal.
fn exit_code(status: i32) -> Option<i32> {
    (status & 0x7f == 0).then_some((status >> 8) & 0xff)
}

/// (min, median) of `v`, sorting it; the median of an even count is the mean
/// of the two middle samples.
fn min_median(v: &mut [u64]) -> (u64, u64) {
    v.sort_unstable();
    let n = v.len();
    let at = |k: usize| v.get(k).copied().unwrap_or(0);
    let median = if n % 2 == 1 {
        at(n / 2)
    } else if n == 0 {
        0
    } else {
        (at(n / 2 - 1) + at(n / 2)) / 2
    };
    (at(0), median)
}

fn parse_count(args: Args, i: usize, cmd: &str) -> Result<usize, i32> {
    match args.bytes(i).and_then(parse_num) {
        Some(n) if n >= 1 && n <= MAX_ITERS as u64 => Ok(n as usize),
        _ => Err({
            Line::err()
                .s("zbt: ")
                .s(cmd)
                .s(": COUNT must be 1..")
                .u(MAX_ITERS as u64)
                .end();
            2
        }),
    }
}

/// Little-endian u32 at `off` of `b` (0 when out of range).
fn le32(b: &[u8], off: usize) -> u64 {
    b.get(off..off + 4)
        .map_or(0, |f| f.iter().rev().fold(0, |v, &c| (v << 8) | c as u64))
}

/// `zbt payload ZBOOT`: writes the compressed payload of a zboot image (le32
/// offset at 0x08, le32 size at 0x0c) to standard output, what a userspace
/// kexec has to cut out before it can decompress.
pub fn payload(args: Args) -> i32 {
    let (Some(path), None) = (args.get(2), args.get(3)) else {
        return bad_usage("usage: payload ZBOOT");
    };
    let fail = |what: &str, e: Option<Errno>| {
        let mut line = Line::err();
        line.s("zbt: payload ").c(path).s(": ").s(what);
        if let Some(e) = e {
            line.s(": error ").errno(e);
        }
        line.end();
        1
    };
    let fd = match sys::open(path, sys::O_RDONLY, 0) {
        Ok(fd) => fd,
        Err(e) => return fail("open", Some(e)),
    };
    let mut head = [0u8; 64];
    match sys::read_full(&fd, &mut head) {
        Ok(n) if n == head.len() => {}
        Ok(_) => return fail("shorter than a zboot header", None),
        Err(e) => return fail("read", Some(e)),
    }
    if head.get(..2) != Some(b"MZ") || head.get(4..8) != Some(b"zimg") {
        return fail("not a zboot image (no MZ/zimg magic)", None);
    }
    let (offset, mut left) = (le32(&head, 8), le32(&head, 12));
    if let Err(e) = sys::seek(&fd, offset) {
        return fail("seek to the payload", Some(e));
    }
    let mut buf = [0u8; 64 * 1024];
    let mut stdout = io::stdout().lock();
    while left > 0 {
        let want = (buf.len() as u64).min(left) as usize;
        let chunk = buf.get_mut(..want).unwrap_or(&mut []);
        let n = match sys::read(&fd, chunk) {
            Ok(0) => return fail("file ends inside the payload", None),
            Ok(n) => n,
            Err(e) => return fail("read", Some(e)),
        };
        if let Err(e) = stdout.write_all(chunk.get(..n).unwrap_or(&[])) {
            return fail("write", Some(Errno::from(e)));
        }
        left -= n as u64;
    }
    match stdout.flush() {
        Ok(()) => 0,
        Err(e) => fail("write", Some(Errno::from(e))),
    }
}

/// The fixed environment of the commands time-cmd runs.
const ENV_PATH: &str = "/bin:/bench/bin";

/// `zbt time-cmd COUNT [--unload] LABEL -- CMD [ARGS...]`: runs CMD (a path)
/// COUNT times; each sample is the monotonic wall time of spawning the
/// command (std's fork/exec) + the command + its wait. With --unload,
/// kexec_file_load(UNLOAD) follows each run, untimed. Prints lines in
/// time-load's format, with LABEL in place of the kernel; fails if a run
/// does not exit 0.
pub fn time_cmd(args: Args) -> i32 {
    let count = match parse_count(args, 2, "time-cmd") {
        Ok(n) => n,
        Err(status) => return status,
    };
    let mut i = 3;
    let unload = args.bytes(i) == Some(b"--unload");
    if unload {
        i += 1;
    }
    let (Some(label), Some(b"--"), Some(cmd)) = (args.get(i), args.bytes(i + 1), args.get(i + 2))
    else {
        return bad_usage("usage: time-cmd COUNT [--unload] LABEL -- CMD [ARGS...]");
    };
    let mut argc = 1;
    while args.get(i + 2 + argc).is_some() {
        argc += 1;
    }
    if argc > MAX_ARGS {
        return bad_usage("time-cmd: too many arguments");
    }
    let mut command = Command::new(OsStr::from_bytes(cmd.to_bytes()));
    command
        .args(
            (1..argc)
                .filter_map(|k| args.bytes(i + 2 + k))
                .map(OsStr::from_bytes),
        )
        .env_clear()
        .env("PATH", ENV_PATH);

    let mut samples = [0u64; MAX_ITERS];
    for (n, slot) in samples.iter_mut().take(count).enumerate() {
        let t0 = sys::monotonic_ns();
        let status = match command.status() {
            // None: killed by a signal.
            Ok(status) => Ok::<_, Errno>(status.code()),
            Err(e) => {
                Line::err()
                    .s("zbt: time-cmd: execve ")
                    .c(cmd)
                    .s(": error ")
                    .errno(Errno::from(e))
                    .end();
                Ok(Some(127))
            }
        };
        let ns = sys::monotonic_ns().wrapping_sub(t0);
        match status {
            Ok(Some(0)) => {}
            other => {
                let mut line = Line::out();
                line.s("zbt: FAIL time-cmd ")
                    .c(label)
                    .s(": run ")
                    .u(n as u64 + 1);
                match other {
                    Ok(Some(code)) => line.s(" exited ").u(code as u64),
                    Ok(None) => line.s(" killed by a signal"),
                    Err(e) => line.s(" wait4: error ").errno(e),
                };
                line.end();
                return 1;
            }
        }
        if unload {
            if let Err(e) = sys::kexec_file_load(-1, -1, None, sys::KEXEC_FILE_UNLOAD) {
                Line::out().s("zbt: unload: error ").errno(e).end();
                return errno_status(e);
            }
        }
        *slot = ns;
        Line::out()
            .s("zbt: time ")
            .c(label)
            .s(" iter ")
            .u(n as u64 + 1)
            .s(" ns ")
            .u(ns)
            .end();
    }
    let (min, median) = min_median(samples.get_mut(..count).unwrap_or(&mut []));
    Line::out()
        .s("zbt: time ")
        .c(label)
        .s(" count ")
        .u(count as u64)
        .s(" min_ns ")
        .u(min)
        .s(" median_ns ")
        .u(median)
        .end();
    0
}

/// One memory sample, in KiB.
#[derive(Clone, Copy)]
struct MemSample {
    /// Pages allocated minus pages freed since boot: the sum of the
    /// pgalloc_* counters of /proc/vmstat minus pgfree. Unlike MemFree it
    /// does not depend on how many free pages sit in the per-CPU lists.
    /// (Negative: the boot-time release of memory to the buddy allocator
    /// counts as pgfree too; only differences matter.)
    net: i64,
    /// MemFree of /proc/meminfo.
    free: u64,
    /// VmallocUsed of /proc/meminfo.
    vmalloc: u64,
}

/// Sum of the values of the `key value` lines of `text` whose key is `key`,
/// or starts with it when `prefix`; None if there is none.
fn vmstat_field(text: &[u8], key: &[u8], prefix: bool) -> Option<u64> {
    let mut sum = None;
    for line in text.split(|&c| c == b'\n') {
        let mut words = line.splitn(2, |&c| c == b' ');
        let (Some(k), Some(v)) = (words.next(), words.next()) else {
            continue;
        };
        if k == key || (prefix && k.starts_with(key)) {
            sum = Some(sum.unwrap_or(0) + parse_num(v)?);
        }
    }
    sum
}

/// Value in kB of the meminfo line starting with `key` (e.g. b"MemFree:").
fn meminfo_field(text: &[u8], key: &[u8]) -> Option<u64> {
    let line = text.split(|&c| c == b'\n').find(|l| l.starts_with(key))?;
    let rest = line.get(key.len()..)?;
    let digits = rest.split(|&c| c == b' ').find(|w| !w.is_empty())?;
    parse_num(digits)
}

/// Reads a /proc file from offset 0 (the kernel regenerates it every time).
fn read_proc<'a>(fd: &Fd, buf: &'a mut [u8]) -> sys::Result<&'a [u8]> {
    sys::seek(fd, 0)?;
    let n = sys::read_full(fd, buf)?;
    if n == buf.len() {
        return Err(Errno(EOVERFLOW));
    }
    Ok(buf.get(..n).unwrap_or(&[]))
}

/// /proc/vmstat and /proc/meminfo, open for sampling.
struct Probe {
    vmstat: Fd,
    meminfo: Fd,
    /// Page size in KiB, from the ratio of MemFree to nr_free_pages.
    page_kib: u64,
}

impl Probe {
    fn open() -> Result<Probe, (&'static str, Errno)> {
        let vmstat =
            sys::open(c"/proc/vmstat", sys::O_RDONLY, 0).map_err(|e| ("open /proc/vmstat", e))?;
        let meminfo =
            sys::open(c"/proc/meminfo", sys::O_RDONLY, 0).map_err(|e| ("open /proc/meminfo", e))?;
        let mut probe = Probe {
            vmstat,
            meminfo,
            page_kib: 0,
        };
        let mut buf = [0u8; 16384];
        let vm = read_proc(&probe.vmstat, &mut buf).map_err(|e| ("read /proc/vmstat", e))?;
        let free_pages = vmstat_field(vm, b"nr_free_pages", false).unwrap_or(0);
        let free_kib = probe.sample().map_err(|e| ("sample", e))?.free;
        // MemFree and nr_free_pages are the same counter; a few pages may
        // move between the two reads.
        probe.page_kib = [4u64, 16, 64]
            .into_iter()
            .min_by_key(|&p| (free_pages * p).abs_diff(free_kib))
            .unwrap_or(4);
        Ok(probe)
    }

    fn sample(&self) -> sys::Result<MemSample> {
        let mut buf = [0u8; 16384];
        let vm = read_proc(&self.vmstat, &mut buf)?;
        let alloc = vmstat_field(vm, b"pgalloc_", true);
        let freed = vmstat_field(vm, b"pgfree", false);
        let (Some(alloc), Some(freed)) = (alloc, freed) else {
            return Err(Errno(sys::EINVAL));
        };
        let net = (alloc as i64 - freed as i64) * self.page_kib.max(1) as i64;
        let mi = read_proc(&self.meminfo, &mut buf)?;
        match (
            meminfo_field(mi, b"MemFree:"),
            meminfo_field(mi, b"VmallocUsed:"),
        ) {
            (Some(free), Some(vmalloc)) => Ok(MemSample { net, free, vmalloc }),
            _ => Err(Errno(sys::EINVAL)),
        }
    }
}

/// What one mem-load iteration saw, in KiB relative to the baseline.
struct MemRun {
    samples: u64,
    /// Longest time between two samples.
    max_gap_ns: u64,
    /// Highest net allocation (pgalloc - pgfree) seen, minus the baseline.
    peak: u64,
    /// Highest VmallocUsed seen minus the baseline.
    vmalloc_peak: u64,
    /// Baseline MemFree minus the lowest MemFree seen (pages parked in the
    /// per-CPU lists make this one unreliable; for comparison only).
    free_drop: u64,
    /// Net allocation right after the load (the segment pages kept).
    retained: u64,
    ns: u64,
}

/// The loading child of mem-load: waits for the go byte, then one
/// kexec_file_load(KERNEL, no initrd, no command line); exits 0 or errno.
fn mem_child(kernel: &Fd, go: &Fd) -> ! {
    pin_to_cpu(1);
    let mut byte = [0u8; 1];
    if sys::read_full(go, &mut byte) != Ok(1) {
        sys::exit(126);
    }
    match sys::kexec_file_load(kernel.raw(), -1, None, sys::KEXEC_FILE_NO_INITRAMFS) {
        Ok(()) => sys::exit(0),
        Err(e) => sys::exit(errno_status(e)),
    }
}

fn mem_run(kernel: &CStr, probe: &Probe) -> Result<MemRun, (&'static str, Errno)> {
    let kfd = sys::open(kernel, sys::O_RDONLY, 0).map_err(|e| ("open", e))?;
    let (rd, wr) = sys::pipe().map_err(|e| ("pipe", e))?;
    let pid = sys::fork_process().map_err(|e| ("fork", e))?;
    if pid == 0 {
        drop(wr);
        mem_child(&kfd, &rd);
    }
    drop(rd);
    let base = probe.sample().map_err(|e| ("sample", e))?;
    let (mut high, mut low_free, mut high_vmalloc) = (base.net, base.free, base.vmalloc);
    let (mut samples, mut max_gap_ns) = (0u64, 0u64);
    let t0 = sys::monotonic_ns();
    sys::write_all(&wr, b"g").map_err(|e| ("write go", e))?;
    let mut last = t0;
    let status = loop {
        let m = probe.sample().map_err(|e| ("sample", e))?;
        let now = sys::monotonic_ns();
        max_gap_ns = max_gap_ns.max(now.wrapping_sub(last));
        last = now;
        samples += 1;
        high = high.max(m.net);
        low_free = low_free.min(m.free);
        high_vmalloc = high_vmalloc.max(m.vmalloc);
        if let Some(status) = try_wait(pid).map_err(|e| ("wait4", e))? {
            break status;
        }
    };
    let ns = sys::monotonic_ns().wrapping_sub(t0);
    let after = probe.sample().map_err(|e| ("sample", e))?;
    match exit_code(status) {
        Some(0) => {}
        Some(code) => return Err(("kexec_file_load", Errno(code))),
        None => return Err(("load child killed by a signal", Errno(sys::EIO))),
    }
    sys::kexec_file_load(-1, -1, None, sys::KEXEC_FILE_UNLOAD).map_err(|e| ("unload", e))?;
    Ok(MemRun {
        samples,
        max_gap_ns,
        peak: u64::try_from(high - base.net).unwrap_or(0),
        vmalloc_peak: high_vmalloc.saturating_sub(base.vmalloc),
        free_drop: base.free.saturating_sub(low_free),
        retained: u64::try_from(after.net - base.net).unwrap_or(0),
        ns,
    })
}

/// `zbt mem-load COUNT KERNEL`: COUNT x (load, unload), sampling
/// /proc/vmstat and /proc/meminfo as fast as it can while a forked child
/// makes the load (sampler pinned to CPU 0, loader to CPU 1). The baseline
/// is taken after the fork, just before the child is let go, so only the
/// load's own allocations show. Per iteration, in KiB: the peak of pages
/// allocated minus pages freed (all kernel memory the load takes: the file
/// buffer, vmalloc'd buffers, the segment pages, page tables, slabs), the
/// peak rise of VmallocUsed, the peak drop of MemFree, and what the loaded
/// image keeps until unload.
pub fn mem_load(args: Args) -> i32 {
    let count = match parse_count(args, 2, "mem-load") {
        Ok(n) => n,
        Err(status) => return status,
    };
    let (Some(kernel), None) = (args.get(3), args.get(4)) else {
        return bad_usage("usage: mem-load COUNT KERNEL");
    };
    let fail = |what: &str, e: Errno| {
        Line::out()
            .s("zbt: FAIL mem-load ")
            .c(kernel)
            .s(": ")
            .s(what)
            .s(": error ")
            .errno(e)
            .end();
        1
    };
    let probe = match Probe::open() {
        Ok(p) => p,
        Err((what, e)) => return fail(what, e),
    };
    pin_to_cpu(0);
    let mut peaks = [0u64; MAX_ITERS];
    let mut fewest = u64::MAX;
    for n in 0..count {
        let r = match mem_run(kernel, &probe) {
            Ok(r) => r,
            Err((what, e)) => return fail(what, e),
        };
        if let Some(p) = peaks.get_mut(n) {
            *p = r.peak;
        }
        fewest = fewest.min(r.samples);
        Line::out()
            .s("zbt: mem ")
            .c(kernel)
            .s(" iter ")
            .u(n as u64 + 1)
            .s(" samples ")
            .u(r.samples)
            .s(" max_gap_us ")
            .u(r.max_gap_ns / 1000)
            .s(" ns ")
            .u(r.ns)
            .s(" peak_kib ")
            .u(r.peak)
            .s(" vmalloc_peak_kib ")
            .u(r.vmalloc_peak)
            .s(" memfree_drop_kib ")
            .u(r.free_drop)
            .s(" retained_kib ")
            .u(r.retained)
            .end();
    }
    let (min, median) = min_median(peaks.get_mut(..count).unwrap_or(&mut []));
    Line::out()
        .s("zbt: mem ")
        .c(kernel)
        .s(" count ")
        .u(count as u64)
        .s(" page_kib ")
        .u(probe.page_kib)
        .s(" min_peak_kib ")
        .u(min)
        .s(" median_peak_kib ")
        .u(median)
        .s(" min_samples ")
        .u(fewest)
        .end();
    0
}
