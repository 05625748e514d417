// SPDX-License-Identifier: GPL-2.0
//! The kexec commands: load, expect, unload, exec, time-load, race.

use crate::out::{errno_status, parse_errno, parse_num, Line};
use crate::sys::{self, Errno, Fd};
use crate::{bad_usage, Args};
use std::ffi::CStr;

/// Options shared by load, expect and time-load.
struct LoadOpts {
    kernel: &'static CStr,
    initrd: Option<&'static CStr>,
    append: Option<&'static CStr>,
    crash: bool,
    flags: Option<u64>,
}

impl LoadOpts {
    /// Parses `[--crash] [--initrd F] [--append S] [--flags N] KERNEL` from
    /// argument `i` on; options may also follow KERNEL, `--` ends them.
    fn parse(args: Args, mut i: usize) -> Result<LoadOpts, &'static str> {
        let (mut kernel, mut initrd, mut append, mut crash, mut flags) =
            (None, None, None, false, None);
        let mut options = true;
        while let Some(a) = args.get(i) {
            i += 1;
            let b = a.to_bytes();
            if options && b.starts_with(b"--") {
                match b {
                    b"--" => options = false,
                    b"--crash" => crash = true,
                    b"--initrd" | b"--append" | b"--flags" => {
                        let v = args.get(i).ok_or("option needs a value")?;
                        i += 1;
                        match b {
                            b"--initrd" => initrd = Some(v),
                            b"--append" => append = Some(v),
                            _ => flags = Some(parse_num(v.to_bytes()).ok_or("bad --flags")?),
                        }
                    }
                    _ => return Err("unknown option"),
                }
            } else if kernel.is_none() {
                kernel = Some(a);
            } else {
                return Err("more than one KERNEL");
            }
        }
        Ok(LoadOpts {
            kernel: kernel.ok_or("missing KERNEL")?,
            initrd,
            append,
            crash,
            flags,
        })
    }

    fn flags(&self) -> u64 {
        self.flags.unwrap_or_else(|| {
            // The tests read what the loader did from its debug lines.
            let mut f = sys::KEXEC_FILE_DEBUG;
            if self.crash {
                f |= sys::KEXEC_FILE_ON_CRASH;
            }
            if self.initrd.is_none() {
                f |= sys::KEXEC_FILE_NO_INITRAMFS;
            }
            f
        })
    }
}

/// Why a load did not succeed.
enum Fail {
    /// Opening one of our input files failed: no syscall was made.
    Open(&'static CStr, Errno),
    /// kexec_file_load(2) itself failed.
    Kexec(Errno),
}

impl Fail {
    fn errno(&self) -> Errno {
        match *self {
            Fail::Open(_, e) | Fail::Kexec(e) => e,
        }
    }

    /// `error -N (ENAME)` or `open FILE: error -N (ENAME)`.
    fn print<'a, 'l>(&self, line: &'a mut Line<'l>) -> &'a mut Line<'l> {
        if let Fail::Open(path, _) = *self {
            line.s("open ").c(path).s(": ");
        }
        line.s("error ").errno(self.errno())
    }
}

/// Opens the files and makes one kexec_file_load(2) call.
fn do_load(o: &LoadOpts) -> Result<(), Fail> {
    let kernel = sys::open(o.kernel, sys::O_RDONLY, 0).map_err(|e| Fail::Open(o.kernel, e))?;
    let initrd = match o.initrd {
        Some(p) => Some(sys::open(p, sys::O_RDONLY, 0).map_err(|e| Fail::Open(p, e))?),
        None => None,
    };
    let initrd_fd = initrd.as_ref().map_or(-1, Fd::raw);
    sys::kexec_file_load(kernel.raw(), initrd_fd, o.append, o.flags()).map_err(Fail::Kexec)
}

fn do_unload(crash: bool) -> sys::Result<()> {
    let mut flags = sys::KEXEC_FILE_UNLOAD;
    if crash {
        flags |= sys::KEXEC_FILE_ON_CRASH;
    }
    sys::kexec_file_load(-1, -1, None, flags)
}

/// `zbt: load KERNEL: ok|error ...`; returns the exit status.
fn report_load(o: &LoadOpts, r: &Result<(), Fail>) -> i32 {
    let mut line = Line::out();
    line.s("zbt: load ").c(o.kernel).s(": ");
    let status = match r {
        Ok(()) => {
            line.s("ok");
            0
        }
        Err(f) => {
            f.print(&mut line);
            errno_status(f.errno())
        }
    };
    line.end();
    status
}

pub fn load(args: Args) -> i32 {
    match LoadOpts::parse(args, 2) {
        Ok(o) => report_load(&o, &do_load(&o)),
        Err(msg) => bad_usage(msg),
    }
}

/// `ERRNO` or `ERRNO|ERRNO`: the results `expect` accepts, first one preferred.
fn parse_wanted(s: &[u8]) -> Option<(i32, Option<i32>)> {
    let mut alternatives = s.split(|&c| c == b'|');
    let first = parse_errno(alternatives.next()?)?;
    let second = match alternatives.next() {
        Some(alt) => Some(parse_errno(alt)?),
        None => None,
    };
    alternatives.next().is_none().then_some((first, second))
}

pub fn expect(args: Args) -> i32 {
    let Some((want, alt)) = args.bytes(2).and_then(parse_wanted) else {
        return bad_usage("expect: bad or missing ERRNO[|ERRNO]");
    };
    let o = match LoadOpts::parse(args, 3) {
        Ok(o) => o,
        Err(msg) => return bad_usage(msg),
    };
    let r = do_load(&o);
    let got = match r {
        Ok(()) => 0,
        Err(Fail::Kexec(e)) => e.0,
        Err(ref f @ Fail::Open(..)) => {
            let mut line = Line::out();
            line.s("zbt: FAIL ").c(o.kernel).s(": ");
            f.print(&mut line).s(", want ").rc(want).end();
            return 1;
        }
    };
    let pass = got == want || alt == Some(got);
    let mut line = Line::out();
    line.s(if pass { "zbt: PASS " } else { "zbt: FAIL " })
        .c(o.kernel)
        .s(": got ")
        .rc(got);
    if !pass {
        line.s(", want ").rc(want);
        if let Some(alt) = alt {
            line.s(" or ").rc(alt);
        }
    }
    line.end();
    if pass {
        0
    } else {
        1
    }
}

pub fn unload(args: Args) -> i32 {
    let crash = match args.bytes(2) {
        None => false,
        Some(b"--crash") if args.get(3).is_none() => true,
        Some(_) => return bad_usage("usage: unload [--crash]"),
    };
    let r = do_unload(crash);
    Line::out().s("zbt: unload: ").res(r).end();
    r.map_or_else(errno_status, |()| 0)
}

pub fn exec(args: Args) -> i32 {
    if args.get(2).is_some() {
        return bad_usage("exec takes no arguments");
    }
    sys::sync_all();
    let e = sys::reboot_kexec();
    Line::out().s("zbt: exec: error ").errno(e).end();
    1
}

/// Most iterations time-load keeps samples for (64 KiB of stack).
const MAX_ITERS: usize = 8192;

/// Load and unload COUNT times. Each sample is the wall time (monotonic) of
/// open(kernel[, initrd]) + kexec_file_load + close: the kernel reads and
/// parses the whole file inside the syscall, so that is where the time goes.
/// The unload is not timed. The median of an even count is the mean of the
/// two middle samples.
pub fn time_load(args: Args) -> i32 {
    let count = match args.bytes(2).and_then(parse_num) {
        Some(n) if n >= 1 && n <= MAX_ITERS as u64 => n as usize,
        _ => return bad_usage("time-load: COUNT must be 1..8192"),
    };
    let o = match LoadOpts::parse(args, 3) {
        Ok(o) => o,
        Err(msg) => return bad_usage(msg),
    };
    let mut samples = [0u64; MAX_ITERS];
    for (i, slot) in samples.iter_mut().take(count).enumerate() {
        let t0 = sys::monotonic_ns();
        let r = do_load(&o);
        let ns = sys::monotonic_ns().wrapping_sub(t0);
        if r.is_err() {
            return report_load(&o, &r);
        }
        if let Err(e) = do_unload(o.crash) {
            Line::out().s("zbt: unload: error ").errno(e).end();
            return errno_status(e);
        }
        *slot = ns;
        Line::out()
            .s("zbt: time ")
            .c(o.kernel)
            .s(" iter ")
            .u(i as u64 + 1)
            .s(" ns ")
            .u(ns)
            .end();
    }
    let sorted = samples.get_mut(..count).unwrap_or(&mut []);
    sorted.sort_unstable();
    let min = sorted.first().copied().unwrap_or(0);
    let mid = |k: usize| sorted.get(k).copied().unwrap_or(0);
    let median = if count % 2 == 1 {
        mid(count / 2)
    } else {
        (mid(count / 2 - 1) + mid(count / 2)) / 2
    };
    Line::out()
        .s("zbt: time ")
        .c(o.kernel)
        .s(" count ")
        .u(count as u64)
        .s(" min_ns ")
        .u(min)
        .s(" median_ns ")
        .u(median)
        .end();
    0
}

/// Outcome counts of one racing process, sent child -> parent via a pipe.
#[derive(Default)]
struct Tally {
    ok: u64,
    ebusy: u64,
    other: u64,
    /// First errno counted as "other", 0 if none.
    first_other: u64,
}

impl Tally {
    fn to_bytes(&self) -> [u8; 32] {
        let mut b = [0u8; 32];
        let words = [self.ok, self.ebusy, self.other, self.first_other];
        for (chunk, w) in b.chunks_exact_mut(8).zip(words) {
            chunk.copy_from_slice(&w.to_le_bytes());
        }
        b
    }

    fn from_bytes(b: &[u8; 32]) -> Tally {
        let mut w = [0u64; 4];
        for (chunk, v) in b.chunks_exact(8).zip(w.iter_mut()) {
            let mut x = [0u8; 8];
            x.copy_from_slice(chunk);
            *v = u64::from_le_bytes(x);
        }
        Tally {
            ok: w[0],
            ebusy: w[1],
            other: w[2],
            first_other: w[3],
        }
    }

    fn add(&mut self, t: &Tally) {
        self.ok += t.ok;
        self.ebusy += t.ebusy;
        self.other += t.other;
        if self.first_other == 0 {
            self.first_other = t.first_other;
        }
    }
}

fn race_loop(kernel: &Fd, count: u64) -> Tally {
    let mut t = Tally::default();
    for _ in 0..count {
        match sys::kexec_file_load(kernel.raw(), -1, None, sys::KEXEC_FILE_NO_INITRAMFS) {
            Ok(()) => t.ok += 1,
            Err(Errno(sys::EBUSY)) => t.ebusy += 1,
            Err(e) => {
                t.other += 1;
                if t.first_other == 0 {
                    t.first_other = e.0 as u64;
                }
            }
        }
    }
    t
}

/// A parent and a forked child each make COUNT loads of KERNEL through one
/// shared descriptor (the kernel reads it at explicit offsets). Then unload.
pub fn race(args: Args) -> i32 {
    let (Some(count), Some(kernel), None) =
        (args.bytes(2).and_then(parse_num), args.get(3), args.get(4))
    else {
        return bad_usage("usage: race COUNT KERNEL");
    };
    let step = |what: &str, e: Errno| {
        Line::out()
            .s("zbt: race ")
            .c(kernel)
            .s(": ")
            .s(what)
            .s(": error ")
            .errno(e)
            .end();
        1
    };
    let fd = match sys::open(kernel, sys::O_RDONLY, 0) {
        Ok(fd) => fd,
        Err(e) => return step("open", e),
    };
    let (rd, wr) = match sys::pipe() {
        Ok(p) => p,
        Err(e) => return step("pipe", e),
    };
    let pid = match sys::fork_process() {
        Ok(pid) => pid,
        Err(e) => return step("fork", e),
    };
    if pid == 0 {
        drop(rd);
        let t = race_loop(&fd, count);
        let status = if sys::write_all(&wr, &t.to_bytes()).is_ok() {
            0
        } else {
            1
        };
        sys::exit(status);
    }
    drop(wr);
    let mut total = race_loop(&fd, count);
    let mut buf = [0u8; 32];
    let got = sys::read_full(&rd, &mut buf);
    let status = sys::wait(pid);
    if got == Ok(buf.len()) {
        total.add(&Tally::from_bytes(&buf));
    } else {
        // The child's loads are unaccounted for: count that as a failure.
        total.other += 1;
        let mut line = Line::out();
        line.s("zbt: race ")
            .c(kernel)
            .s(": child sent no report, wait ");
        match status {
            Ok(s) => line.s("status ").hex(s as u32 as u64),
            Err(e) => line.s("error ").errno(e),
        };
        line.end();
    }
    Line::out()
        .s("zbt: race ")
        .c(kernel)
        .s(" ok ")
        .u(total.ok)
        .s(" ebusy ")
        .u(total.ebusy)
        .s(" other ")
        .u(total.other)
        .end();
    if total.first_other != 0 {
        let e = Errno(total.first_other as i32);
        Line::out()
            .s("zbt: race ")
            .c(kernel)
            .s(": first other error ")
            .errno(e)
            .end();
    }
    let unloaded = do_unload(false);
    if unloaded.is_err() {
        Line::out().s("zbt: unload: ").res(unloaded).end();
    }
    if total.other == 0 && total.ok > 0 && unloaded.is_ok() {
        0
    } else {
        1
    }
}
