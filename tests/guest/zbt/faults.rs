// SPDX-License-Identifier: GPL-2.0
//! Allocation-failure and soak commands (tests/guest/scenarios/faults.sh,
//! soak.sh), for a kernel with FAULT_INJECTION, FAILSLAB and FAIL_PAGE_ALLOC:
//!
//! - `fail-nth-sweep`: for n = 1, 2, ... the n-th allocation of one
//!   kexec_file_load(2) fails (/proc/thread-self/fail-nth), until a load
//!   completes with the fault still pending: n - 1 allocation points.
//! - `fault-loads`: loads with failslab / fail_page_alloc firing at random on
//!   this task only (make-it-fail is set around the system call alone); the
//!   faults of each load are counted from the debugfs `times` budgets.
//! - `soak`: load / load again / unload cycles.
//!
//! After every load the kexec_loaded state must match the result, and the
//! kernel log of that load (read from /dev/kmsg) tells how far it got: no
//! signature verdict yet (the core's allocations and file read), a refusal by
//! the loader (one line), or a loaded image the core then failed to copy.

use crate::out::{errno_name, parse_num, Line};
use crate::sys::{self, Errno, Fd};
use crate::{bad_usage, Args};
use std::ffi::CStr;

const ESPIPE: i32 = 29;
const EPIPE: i32 = 32;
const FAIL_NTH: &CStr = c"/proc/thread-self/fail-nth";
const MAKE_IT_FAIL: &CStr = c"/proc/thread-self/make-it-fail";
/// The fault budgets: every injected failure takes one.
const TIMES: [&CStr; 2] = [
    c"/sys/kernel/debug/failslab/times",
    c"/sys/kernel/debug/fail_page_alloc/times",
];
const KEXEC_LOADED: &CStr = c"/sys/kernel/kexec_loaded";
const KEXEC_CRASH_LOADED: &CStr = c"/sys/kernel/kexec_crash_loaded";
/// Most files fault-loads cycles through.
const MAX_FILES: usize = 8;

/// A step that failed before or around the loads themselves.
struct Setup(&'static str, &'static CStr, Errno);

impl Setup {
    fn report(&self, cmd: &str) -> i32 {
        Line::out()
            .s("zbt: FAIL ")
            .s(cmd)
            .s(": ")
            .s(self.0)
            .s(" ")
            .c(self.1)
            .s(": error ")
            .errno(self.2)
            .end();
        1
    }
}

/// A small kernel-generated file (procfs, sysfs, debugfs) kept open, read
/// again from offset 0 each time.
struct Knob {
    fd: Fd,
    path: &'static CStr,
}

impl Knob {
    fn open(path: &'static CStr, flags: usize) -> Result<Knob, Setup> {
        sys::open(path, flags, 0)
            .map(|fd| Knob { fd, path })
            .map_err(|e| Setup("open", path, e))
    }

    fn read(&self) -> Result<u64, Setup> {
        let mut buf = [0u8; 32];
        let n = match sys::pread(&self.fd, &mut buf, 0) {
            // debugfs attributes cannot seek or pread: read a fresh descriptor.
            Err(Errno(ESPIPE)) => {
                let fd = sys::open(self.path, sys::O_RDONLY, 0)
                    .map_err(|e| Setup("open", self.path, e))?;
                sys::read_full(&fd, &mut buf)
            }
            r => r,
        }
        .map_err(|e| Setup("read", self.path, e))?;
        let text = buf.get(..n).unwrap_or(&[]);
        let end = text
            .iter()
            .position(|c| !c.is_ascii_digit())
            .unwrap_or(text.len());
        text.get(..end)
            .and_then(parse_num)
            .ok_or(Setup("parse", self.path, Errno(sys::EINVAL)))
    }

    fn write(&self, v: u64) -> Result<(), Setup> {
        let mut digits = [0u8; 20];
        let mut i = digits.len();
        let mut v = v;
        loop {
            i -= 1;
            digits[i] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 || i == 0 {
                break;
            }
        }
        let text = digits.get(i..).unwrap_or(&[]);
        sys::write_all(&self.fd, text).map_err(|e| Setup("write", self.path, e))
    }
}

/// What the kernel logged during one load.
#[derive(Default, Clone, Copy)]
struct Kmsg {
    /// The loader's "PE signature ..." verdict: probe and verify_sig ran.
    verdicts: u64,
    /// The loader's refusal lines.
    refused: u64,
    /// The loader's "... payload of N bytes decompressed ..." line.
    decompressed: u64,
    /// Allocation-failure reports (warn_alloc: "vmalloc error", "page
    /// allocation failure"), each with a stack dump.
    alloc_warn: u64,
    /// Rate-limited messages that were dropped ("callbacks suppressed").
    suppressed: u64,
    /// "FAULT_INJECTION: forcing a failure" notices (verbose >= 1).
    notices: u64,
    /// Records lost to a ring buffer overrun.
    lost: u64,
}

impl Kmsg {
    fn add(&mut self, k: &Kmsg) {
        self.verdicts += k.verdicts;
        self.refused += k.refused;
        self.decompressed += k.decompressed;
        self.alloc_warn += k.alloc_warn;
        self.suppressed += k.suppressed;
        self.notices += k.notices;
        self.lost += k.lost;
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// /dev/kmsg, read without blocking: the records logged since `mark`.
struct KmsgReader(Fd);

impl KmsgReader {
    fn open() -> Result<KmsgReader, Setup> {
        let path = c"/dev/kmsg";
        sys::open(path, sys::O_RDONLY | sys::O_NONBLOCK, 0)
            .map(KmsgReader)
            .map_err(|e| Setup("open", path, e))
    }

    /// Skips everything logged so far.
    fn mark(&self) {
        // A failure only means older records get counted too.
        let _ = sys::seek_end(&self.0);
    }

    fn collect(&self) -> Kmsg {
        let mut k = Kmsg::default();
        let mut buf = [0u8; 2048];
        loop {
            let n = match sys::read(&self.0, &mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(Errno(EPIPE)) => {
                    k.lost += 1;
                    continue;
                }
                Err(_) => break, // EAGAIN: nothing more
            };
            let record = buf.get(..n).unwrap_or(&[]);
            // "prio,seq,usec,flags;message\n KEY=value..."
            let Some(semi) = record.iter().position(|&c| c == b';') else {
                continue;
            };
            let rest = record.get(semi + 1..).unwrap_or(&[]);
            let msg = rest.split(|&c| c == b'\n').next().unwrap_or(&[]);
            if msg.starts_with(b"kexec_file(zboot): ") {
                if contains(msg, b"PE signature") {
                    k.verdicts += 1;
                } else if contains(msg, b" decompressed to ") {
                    k.decompressed += 1;
                } else {
                    k.refused += 1;
                }
            }
            if contains(msg, b"vmalloc error") || contains(msg, b"page allocation failure") {
                k.alloc_warn += 1;
            }
            if contains(msg, b"callbacks suppressed") {
                k.suppressed += 1;
            }
            if contains(msg, b"FAULT_INJECTION: forcing a failure") {
                k.notices += 1;
            }
        }
        k
    }
}

/// How far a load got, from its kernel log.
fn phase(ok: bool, k: &Kmsg) -> &'static str {
    if ok {
        "loaded"
    } else if k.refused > 0 {
        "loader"
    } else if k.decompressed > 0 {
        "core-after-load"
    } else if k.verdicts > 0 {
        "core-before-load"
    } else {
        "core-before-probe"
    }
}

const PHASES: [&str; 4] = [
    "core-before-probe",
    "core-before-load",
    "loader",
    "core-after-load",
];

/// Counts by result: errno (0 for success) or phase name.
struct Tally {
    errnos: [(i32, u64); 16],
    phases: [u64; PHASES.len()],
    /// Loads that succeeded although a fault was injected into them.
    absorbed: u64,
    /// Loads that succeeded with no fault injected.
    clean: u64,
    anomalies: u64,
    kmsg: Kmsg,
}

impl Tally {
    fn new() -> Tally {
        Tally {
            errnos: [(-1, 0); 16],
            phases: [0; PHASES.len()],
            absorbed: 0,
            clean: 0,
            anomalies: 0,
            kmsg: Kmsg::default(),
        }
    }

    fn count(&mut self, r: &sys::Result<()>, k: &Kmsg) {
        let e = match r {
            Ok(()) => 0,
            Err(e) => e.0,
        };
        if let Some(slot) = self.errnos.iter_mut().find(|s| s.0 == e || s.0 == -1) {
            slot.0 = e;
            slot.1 += 1;
        }
        if r.is_err() {
            let p = phase(false, k);
            if let Some(i) = PHASES.iter().position(|&x| x == p) {
                self.phases[i] += 1;
            }
        }
        self.kmsg.add(k);
    }

    /// `outcomes by errno ENOMEM 12 ok 3; failed in core-before-probe 2 ...`
    fn print<'a, 'l>(&self, line: &'a mut Line<'l>) -> &'a mut Line<'l> {
        line.s("outcomes by errno");
        for &(e, n) in self.errnos.iter().filter(|s| s.0 != -1) {
            line.s(" ");
            if e == 0 {
                line.s("ok");
            } else {
                line.s(errno_name(Errno(e)));
            }
            line.s(" ").u(n);
        }
        line.s("; failed in");
        for (name, n) in PHASES.iter().zip(self.phases) {
            line.s(" ").s(name).s(" ").u(n);
        }
        line.s("; ok with a fault absorbed ")
            .u(self.absorbed)
            .s(", ok without a fault ")
            .u(self.clean)
            .s("; allocation-failure reports ")
            .u(self.kmsg.alloc_warn)
            .s(" (")
            .u(self.kmsg.suppressed)
            .s(" rate-limit notices); anomalies ")
            .u(self.anomalies)
    }
}

/// `[--crash] [--append CMDLINE] [--from N] [--max N] FILE...` of the fault commands.
struct FaultOpts {
    crash: bool,
    append: Option<&'static CStr>,
    from: u64,
    max: u64,
    files: [Option<&'static CStr>; MAX_FILES],
    nfiles: usize,
}

impl FaultOpts {
    fn parse(args: Args, mut i: usize) -> Result<FaultOpts, &'static str> {
        let mut o = FaultOpts {
            crash: false,
            append: None,
            from: 1,
            max: 100_000,
            files: [None; MAX_FILES],
            nfiles: 0,
        };
        while let Some(a) = args.get(i) {
            i += 1;
            match a.to_bytes() {
                b"--crash" => o.crash = true,
                b"--append" => {
                    o.append = Some(args.get(i).ok_or("--append needs CMDLINE")?);
                    i += 1;
                }
                b"--max" | b"--from" => {
                    let v = args.bytes(i).and_then(parse_num).filter(|&v| v >= 1);
                    let v = v.ok_or("bad --from/--max N")?;
                    if a.to_bytes() == b"--max" {
                        o.max = v;
                    } else {
                        o.from = v;
                    }
                    i += 1;
                }
                b if b.starts_with(b"--") => return Err("unknown option"),
                _ => {
                    let slot = o.files.get_mut(o.nfiles).ok_or("too many FILEs")?;
                    *slot = Some(a);
                    o.nfiles += 1;
                }
            }
        }
        if o.nfiles == 0 {
            return Err("missing FILE");
        }
        Ok(o)
    }

    fn flags(&self) -> u64 {
        sys::KEXEC_FILE_NO_INITRAMFS
            | sys::KEXEC_FILE_DEBUG
            | if self.crash {
                sys::KEXEC_FILE_ON_CRASH
            } else {
                0
            }
    }

    fn loaded_path(&self) -> &'static CStr {
        if self.crash {
            KEXEC_CRASH_LOADED
        } else {
            KEXEC_LOADED
        }
    }
}

fn unload(crash: bool) -> sys::Result<()> {
    let flags = sys::KEXEC_FILE_UNLOAD | if crash { sys::KEXEC_FILE_ON_CRASH } else { 0 };
    sys::kexec_file_load(-1, -1, None, flags)
}

/// `-12 (ENOMEM)` or `ok`.
fn result<'a, 'l>(line: &'a mut Line<'l>, r: &sys::Result<()>) -> &'a mut Line<'l> {
    match r {
        Ok(()) => line.s("ok"),
        Err(e) => line.errno(*e),
    }
}

/// What is wrong with one load's outcome: a list of messages (at most 5).
fn anomalies(
    r: &sys::Result<()>,
    fired: bool,
    loaded: u64,
    k: &Kmsg,
) -> ([&'static str; 5], usize) {
    let mut out = [""; 5];
    let mut n = 0;
    let mut add = |msg: &'static str| {
        if let Some(slot) = out.get_mut(n) {
            *slot = msg;
            n += 1;
        }
    };
    if r.is_err() && !fired {
        add("failed with no fault injected");
    }
    if loaded != u64::from(r.is_ok()) {
        add(if r.is_ok() {
            "loaded, but kexec_loaded says no image"
        } else {
            "failed, but kexec_loaded says an image is loaded (half-loaded)"
        });
    }
    if k.refused + k.decompressed > 1 {
        add("the loader logged more than one line");
    }
    if r.is_ok() && k.decompressed != 1 {
        add("loaded without the loader's decompressed line");
    }
    if r.is_ok() && k.refused != 0 {
        add("loaded, but the loader logged a refusal");
    }
    (out, n)
}

/// Prints `zbt: FAIL WHAT N FILE: MESSAGE` for each anomaly; returns their count.
fn report_anomalies(
    what: &str,
    n: u64,
    file: &CStr,
    r: &sys::Result<()>,
    fired: bool,
    loaded: u64,
    k: &Kmsg,
) -> u64 {
    let (msgs, count) = anomalies(r, fired, loaded, k);
    for msg in msgs.iter().take(count) {
        let mut line = Line::out();
        line.s("zbt: FAIL ")
            .s(what)
            .s(" ")
            .u(n)
            .s(" ")
            .c(file)
            .s(": ");
        result(&mut line, r).s(": ").s(msg).end();
    }
    count as u64
}

/// `zbt fail-nth-sweep [--crash] [--append CMDLINE] [--from N] [--max N] FILE`
pub fn fail_nth_sweep(args: Args) -> i32 {
    let o = match FaultOpts::parse(args, 2) {
        Ok(o) if o.nfiles == 1 => o,
        Ok(_) => return bad_usage("fail-nth-sweep takes one FILE"),
        Err(msg) => return bad_usage(msg),
    };
    match sweep(&o) {
        Ok(status) => status,
        Err(s) => s.report("fail-nth-sweep"),
    }
}

fn sweep(o: &FaultOpts) -> Result<i32, Setup> {
    let file = o.files[0].unwrap_or(c"");
    let kernel = sys::open(file, sys::O_RDONLY, 0).map_err(|e| Setup("open", file, e))?;
    let nth = Knob::open(FAIL_NTH, sys::O_RDWR)?;
    let loaded = Knob::open(o.loaded_path(), sys::O_RDONLY)?;
    let kmsg = KmsgReader::open()?;
    let crash = if o.crash { " crash" } else { "" };
    // Start from nothing loaded; an error only means nothing was.
    let _ = unload(o.crash);
    let mut t = Tally::new();
    let mut points = None;
    let mut n = o.from;
    while n <= o.max {
        kmsg.mark();
        nth.write(n)?;
        let r = sys::kexec_file_load(kernel.raw(), -1, o.append, o.flags());
        let left = nth.read()?;
        nth.write(0)?;
        let fired = left == 0;
        let is_loaded = loaded.read()?;
        let k = kmsg.collect();
        t.anomalies += report_anomalies("nth", n, file, &r, fired, is_loaded, &k);
        let mut line = Line::out();
        line.s("zbt: nth ").u(n).s(crash).s(" ").c(file).s(": ");
        result(&mut line, &r);
        if r.is_ok() {
            if let Err(e) = unload(o.crash) {
                line.s(", unload: error ").errno(e).end();
                t.anomalies += 1;
                break;
            }
        }
        match (&r, fired) {
            (Ok(()), false) => {
                line.s(", no fault left: done").end();
                points = Some(n - 1);
                t.clean += 1;
                t.kmsg.add(&k);
                break;
            }
            (Ok(()), true) => {
                line.s(", fault absorbed").end();
                t.absorbed += 1;
            }
            (Err(_), _) => {
                line.s(" in ").s(phase(false, &k)).end();
            }
        }
        t.count(&r, &k);
        n += 1;
    }
    let mut line = Line::out();
    line.s("zbt: sweep").s(crash).s(" ").c(file).s(": ");
    match points {
        Some(p) => line.s("allocation points ").u(p),
        None => {
            t.anomalies += 1;
            line.s("allocation points unknown (stopped at n ")
                .u(n)
                .s(")")
        }
    };
    line.s(", ");
    t.print(&mut line).end();
    Ok(if t.anomalies == 0 { 0 } else { 1 })
}

/// `zbt fault-loads COUNT [--crash] [--append CMDLINE] FILE...`: COUNT loads,
/// cycling through the FILEs, with make-it-fail set around each system call.
pub fn fault_loads(args: Args) -> i32 {
    let Some(count) = args.bytes(2).and_then(parse_num) else {
        return bad_usage("usage: fault-loads COUNT [--crash] [--append CMDLINE] FILE...");
    };
    let o = match FaultOpts::parse(args, 3) {
        Ok(o) => o,
        Err(msg) => return bad_usage(msg),
    };
    match random_loads(count, &o) {
        Ok(status) => status,
        Err(s) => s.report("fault-loads"),
    }
}

fn budget(times: &[Knob; 2]) -> Result<u64, Setup> {
    Ok(times[0].read()? + times[1].read()?)
}

fn random_loads(count: u64, o: &FaultOpts) -> Result<i32, Setup> {
    let mut fds: [Option<Fd>; MAX_FILES] = Default::default();
    for (slot, path) in fds.iter_mut().zip(o.files.iter().take(o.nfiles)) {
        let path = path.unwrap_or(c"");
        *slot = Some(sys::open(path, sys::O_RDONLY, 0).map_err(|e| Setup("open", path, e))?);
    }
    let arm = Knob::open(MAKE_IT_FAIL, sys::O_WRONLY)?;
    let times = [
        Knob::open(TIMES[0], sys::O_RDONLY)?,
        Knob::open(TIMES[1], sys::O_RDONLY)?,
    ];
    let loaded = Knob::open(o.loaded_path(), sys::O_RDONLY)?;
    let kmsg = KmsgReader::open()?;
    let crash = if o.crash { " crash" } else { "" };
    let _ = unload(o.crash);
    let mut t = Tally::new();
    let mut faults = 0;
    for i in 0..count {
        let which = (i % o.nfiles as u64) as usize;
        let (Some(Some(fd)), Some(path)) = (fds.get(which), o.files[which]) else {
            break;
        };
        let before = budget(&times)?;
        kmsg.mark();
        arm.write(1)?;
        let r = sys::kexec_file_load(fd.raw(), -1, o.append, o.flags());
        arm.write(0)?;
        let injected = before.saturating_sub(budget(&times)?);
        faults += injected;
        let is_loaded = loaded.read()?;
        let k = kmsg.collect();
        t.anomalies += report_anomalies("fault-load", i + 1, path, &r, injected > 0, is_loaded, &k);
        let mut line = Line::out();
        line.s("zbt: fault-load ")
            .u(i + 1)
            .s(crash)
            .s(" ")
            .c(path)
            .s(": ");
        result(&mut line, &r);
        line.s(", faults ").u(injected);
        match r {
            Ok(()) => {
                if injected > 0 {
                    t.absorbed += 1;
                } else {
                    t.clean += 1;
                }
                if let Err(e) = unload(o.crash) {
                    line.s(", unload: error ").errno(e);
                    t.anomalies += 1;
                }
            }
            Err(_) => {
                line.s(" in ").s(phase(false, &k));
            }
        }
        line.end();
        t.count(&r, &k);
    }
    let mut line = Line::out();
    line.s("zbt: fault-loads")
        .s(crash)
        .s(": loads ")
        .u(count)
        .s(", faults injected ")
        .u(faults)
        .s(", ");
    t.print(&mut line).end();
    Ok(if t.anomalies == 0 { 0 } else { 1 })
}

/// `zbt soak COUNT FILE [FILE2]`: COUNT x (load FILE, load FILE2 over it,
/// unload); kexec_loaded is checked after each step. FILE2 defaults to FILE.
pub fn soak(args: Args) -> i32 {
    let (Some(count), Some(first)) = (args.bytes(2).and_then(parse_num), args.get(3)) else {
        return bad_usage("usage: soak COUNT FILE [FILE2]");
    };
    let second = args.get(4).unwrap_or(first);
    if args.get(5).is_some() {
        return bad_usage("usage: soak COUNT FILE [FILE2]");
    }
    match soak_run(count, first, second) {
        Ok(status) => status,
        Err(s) => s.report("soak"),
    }
}

fn soak_run(count: u64, first: &'static CStr, second: &'static CStr) -> Result<i32, Setup> {
    let a = sys::open(first, sys::O_RDONLY, 0).map_err(|e| Setup("open", first, e))?;
    let b = sys::open(second, sys::O_RDONLY, 0).map_err(|e| Setup("open", second, e))?;
    let loaded = Knob::open(KEXEC_LOADED, sys::O_RDONLY)?;
    let flags = sys::KEXEC_FILE_NO_INITRAMFS;
    let (mut loads, mut unloads, mut errors) = (0u64, 0u64, 0u64);
    let t0 = sys::monotonic_ns();
    let mut step = |cycle: u64, what: &str, r: sys::Result<()>, want: u64| -> Result<(), Setup> {
        let state = loaded.read()?;
        if r.is_err() || state != want {
            errors += 1;
            if errors <= 10 {
                let mut line = Line::out();
                line.s("zbt: FAIL soak cycle ")
                    .u(cycle)
                    .s(" ")
                    .s(what)
                    .s(": ");
                result(&mut line, &r).s(", kexec_loaded ").u(state).end();
            }
        }
        Ok(())
    };
    for cycle in 1..=count {
        step(
            cycle,
            "load",
            sys::kexec_file_load(a.raw(), -1, None, flags),
            1,
        )?;
        step(
            cycle,
            "load again",
            sys::kexec_file_load(b.raw(), -1, None, flags),
            1,
        )?;
        step(cycle, "unload", unload(false), 0)?;
        loads += 2;
        unloads += 1;
    }
    let ms = sys::monotonic_ns().wrapping_sub(t0) / 1_000_000;
    Line::out()
        .s("zbt: soak: ")
        .u(count)
        .s(" cycles, ")
        .u(loads)
        .s(" loads, ")
        .u(unloads)
        .s(" unloads, ")
        .u(errors)
        .s(" errors in ")
        .u(ms)
        .s(" ms")
        .end();
    Ok(if errors == 0 { 0 } else { 1 })
}
