// SPDX-License-Identifier: GPL-2.0
//! `zbt fuzz`: mutated images through the real kexec_file_load(2).
//!
//! Each case is a structure-aware mutation (mutate.rs) of one base image,
//! written to a memfd and loaded; a load that succeeds is unloaded again.
//! Before each load the case is logged to /dev/kmsg as
//! `zbt: fuzz case N BASE-PATH SEED`, so that a KASAN report, BUG or oops that
//! follows names the case that caused it; `zbt-case BASE SEED OUT` (the
//! same mutate.rs built for the host) rebuilds it. At the end: cases per
//! base and their outcomes by errno, cases per mutation kind, the rate, and
//! the slowest case. Exits 1 if a load returned an errno no loader may give
//! (kernel-internal codes, EFAULT, EIO).

use crate::mutate::{self, Rng, GROWTH, KIND_NAMES};
use crate::out::{errno_name, parse_num, Line};
use crate::sys::{self, Errno, Fd};
use crate::{bad_usage, Args};
use std::ffi::CStr;

const MAX_BASES: usize = 16;
const MAX_OUTCOMES: usize = 24;

struct Base {
    path: &'static CStr,
    weight: u64,
    mem: Vec<u8>,
    len: usize,
    cases: u64,
    /// (errno or 0 for a successful load, count)
    outcomes: [(i32, u64); MAX_OUTCOMES],
}

impl Base {
    fn name(&self) -> &'static [u8] {
        let p = self.path.to_bytes();
        let start = p.iter().rposition(|&c| c == b'/').map_or(0, |i| i + 1);
        p.get(start..).unwrap_or(p)
    }

    fn count(&mut self, rc: i32) {
        self.cases += 1;
        for slot in self.outcomes.iter_mut() {
            if slot.1 == 0 || slot.0 == rc {
                *slot = (rc, slot.1 + 1);
                return;
            }
        }
    }
}

struct Opts {
    seed: u64,
    seconds: u64,
    max_cases: u64,
}

fn read_base(path: &'static CStr, weight: u64) -> Result<Base, (&'static CStr, Errno)> {
    let fd = sys::open(path, sys::O_RDONLY, 0).map_err(|e| (path, e))?;
    let len = sys::seek_end(&fd).map_err(|e| (path, e))? as usize;
    sys::seek(&fd, 0).map_err(|e| (path, e))?;
    let mut mem = sys::zeroed(len.max(1)).map_err(|e| (path, e))?;
    let got = sys::read_full(&fd, &mut mem).map_err(|e| (path, e))?;
    Ok(Base {
        path,
        weight,
        mem,
        len: got.min(len),
        cases: 0,
        outcomes: [(0, 0); MAX_OUTCOMES],
    })
}

/// Parses `[--seed N] [--seconds N] [--cases N] [--weight W] BASE...`;
/// `--weight W` applies to the bases after it (default 1).
fn parse(args: Args, bases: &mut [Option<Base>; MAX_BASES]) -> Result<Opts, &'static str> {
    let mut o = Opts {
        seed: 1,
        seconds: 60,
        max_cases: u64::MAX,
    };
    let (mut weight, mut n, mut i) = (1, 0, 2);
    while let Some(a) = args.bytes(i) {
        i += 1;
        if a.starts_with(b"--") {
            let v = args.bytes(i).ok_or("option needs a value")?;
            i += 1;
            let v = parse_num(v).ok_or("bad number")?;
            match a {
                b"--seed" => o.seed = v,
                b"--seconds" => o.seconds = v,
                b"--cases" => o.max_cases = v,
                b"--weight" => weight = v,
                _ => return Err("unknown option"),
            }
            continue;
        }
        let path = args.get(i - 1).ok_or("missing BASE")?;
        let slot = bases.get_mut(n).ok_or("too many BASEs")?;
        match read_base(path, weight) {
            Ok(b) => *slot = Some(b),
            Err((p, e)) => {
                Line::err()
                    .s("zbt: fuzz: cannot read ")
                    .c(p)
                    .s(": ")
                    .errno(e)
                    .end();
                return Err("unreadable BASE");
            }
        }
        n += 1;
    }
    if n == 0 {
        return Err("missing BASE");
    }
    Ok(o)
}

/// The base of a case, by weight, from the case's own seed.
fn pick(bases: &[Option<Base>; MAX_BASES], seed: u64) -> usize {
    let total: u64 = bases.iter().flatten().map(|b| b.weight).sum();
    let mut at = Rng::new(!seed).next() % total.max(1);
    for (i, b) in bases.iter().enumerate() {
        if let Some(b) = b {
            if at < b.weight {
                return i;
            }
            at -= b.weight;
        }
    }
    0
}

/// An errno no loader and no kexec core path may return.
fn anomalous(rc: i32) -> bool {
    rc >= 512 || rc == 14 || rc == 5
}

/// Logs the case to /dev/kmsg ahead of its load (best effort).
fn log_case(kmsg: &Option<Fd>, n: u64, base: &Base, seed: u64) {
    let Some(fd) = kmsg else { return };
    let mut line = Line::to(fd);
    line.s("<5>zbt: fuzz case ")
        .u(n)
        .s(" ")
        .c(base.path)
        .s(" ")
        .hex(seed);
    line.end();
}

/// Writes the case into the memfd and loads it; unloads a success.
fn try_case(memfd: &Fd, case: &[u8]) -> Result<i32, (&'static str, Errno)> {
    sys::ftruncate(memfd, 0).map_err(|e| ("ftruncate", e))?;
    sys::seek(memfd, 0).map_err(|e| ("lseek", e))?;
    sys::write_all(memfd, case).map_err(|e| ("write", e))?;
    let rc = match sys::kexec_file_load(memfd.raw(), -1, Some(c""), sys::KEXEC_FILE_NO_INITRAMFS) {
        Ok(()) => {
            sys::kexec_file_load(-1, -1, None, sys::KEXEC_FILE_UNLOAD)
                .map_err(|e| ("unload", e))?;
            0
        }
        Err(e) => e.0,
    };
    Ok(rc)
}

struct Totals {
    cases: u64,
    anomalies: u64,
    kinds: [u64; KIND_NAMES.len()],
    slowest_ns: u64,
    slowest_case: u64,
}

fn report(o: &Opts, bases: &[Option<Base>; MAX_BASES], t: &Totals, elapsed_ns: u64) {
    let ms = elapsed_ns / 1_000_000;
    let rate = t.cases.saturating_mul(1000) / ms.max(1);
    Line::out()
        .s("zbt: fuzz: ")
        .u(t.cases)
        .s(" cases in ")
        .u(ms)
        .s(" ms (")
        .u(rate)
        .s(" per s), run seed ")
        .hex(o.seed)
        .s(", slowest case ")
        .u(t.slowest_case)
        .s(" (")
        .u(t.slowest_ns / 1_000_000)
        .s(" ms); anomalies ")
        .u(t.anomalies)
        .end();
    for b in bases.iter().flatten() {
        let mut line = Line::out();
        line.s("zbt: fuzz base ")
            .b(b.name())
            .s(": cases ")
            .u(b.cases)
            .s("; outcomes");
        for &(rc, count) in b.outcomes.iter().filter(|s| s.1 > 0) {
            line.s(" ");
            if rc == 0 {
                line.s("ok");
            } else {
                line.s(errno_name(Errno(rc)));
            }
            line.s(" ").u(count);
        }
        line.end();
    }
    let mut line = Line::out();
    line.s("zbt: fuzz mutations:");
    for (name, count) in KIND_NAMES.iter().zip(t.kinds.iter()) {
        line.s(" ").s(name).s(" ").u(*count);
    }
    line.end();
}

fn run(o: &Opts, bases: &mut [Option<Base>; MAX_BASES]) -> Result<i32, (&'static str, Errno)> {
    let longest = bases.iter().flatten().map(|b| b.len).max().unwrap_or(0);
    let mut out = sys::zeroed(longest + GROWTH).map_err(|e| ("alloc", e))?;
    let memfd = sys::memfd(c"zbt-fuzz").map_err(|e| ("memfd_create", e))?;
    let kmsg = sys::open(c"/dev/kmsg", sys::O_WRONLY, 0).ok();
    let mut t = Totals {
        cases: 0,
        anomalies: 0,
        kinds: [0; KIND_NAMES.len()],
        slowest_ns: 0,
        slowest_case: 0,
    };
    let start = sys::monotonic_ns();
    let deadline = start.saturating_add(o.seconds.saturating_mul(1_000_000_000));
    while t.cases < o.max_cases && sys::monotonic_ns() < deadline {
        let n = t.cases;
        let seed = mutate::case_seed(o.seed, n);
        let index = pick(bases, seed);
        let Some(base) = bases.get_mut(index).and_then(Option::as_mut) else {
            break;
        };
        let len = base.len;
        let (case_len, kinds) = mutate::mutate(base.mem.get(..len).unwrap_or(&[]), seed, &mut out);
        log_case(&kmsg, n, base, seed);
        let before = sys::monotonic_ns();
        let rc = try_case(&memfd, out.get(..case_len).unwrap_or(&[]))?;
        let took = sys::monotonic_ns().saturating_sub(before);
        if took > t.slowest_ns {
            (t.slowest_ns, t.slowest_case) = (took, n);
        }
        base.count(rc);
        for (i, k) in t.kinds.iter_mut().enumerate() {
            *k += u64::from(kinds >> i & 1);
        }
        if anomalous(rc) {
            t.anomalies += 1;
            Line::out()
                .s("zbt: FAIL fuzz case ")
                .u(n)
                .s(" ")
                .b(base.name())
                .s(" ")
                .hex(seed)
                .s(": unexpected ")
                .errno(Errno(rc))
                .end();
        }
        t.cases += 1;
    }
    report(o, bases, &t, sys::monotonic_ns().saturating_sub(start));
    Ok(i32::from(t.anomalies > 0))
}

pub fn fuzz(args: Args) -> i32 {
    let mut bases: [Option<Base>; MAX_BASES] = Default::default();
    let o = match parse(args, &mut bases) {
        Ok(o) => o,
        Err(msg) => return bad_usage(msg),
    };
    match run(&o, &mut bases) {
        Ok(status) => status,
        Err((what, e)) => {
            Line::out()
                .s("zbt: FAIL fuzz: ")
                .s(what)
                .s(": ")
                .errno(e)
                .end();
            1
        }
    }
}
