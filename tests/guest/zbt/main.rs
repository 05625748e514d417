// SPDX-License-Identifier: GPL-2.0
//! zbt: a small static arm64 Linux tool for the test initramfs that calls
//! kexec_file_load(2) directly (Debian's kexec-tools cannot hand a zboot
//! image to the kernel) and does a few file chores for the tests.
//! Rust std on glibc, statically linked; the system calls std has no API for
//! are in sys.rs. Built by scripts/build-guest-tool.sh; see `usage()` for
//! the commands.

mod bench;
mod faults;
mod files;
mod fuzz;
mod kexec;
mod mutate;
mod out;
mod sys;

use out::Line;
use std::ffi::{CStr, CString};
use std::io::Write;
use std::os::unix::ffi::OsStringExt;

/// The command line, as NUL-terminated strings that live as long as the
/// process.
#[derive(Clone, Copy)]
pub struct Args {
    argv: &'static [&'static CStr],
}

impl Args {
    fn from_env() -> Args {
        let argv: Vec<&'static CStr> = std::env::args_os()
            // An argument cannot hold a NUL byte; the default is unreachable.
            .map(|a| {
                &*Box::leak(
                    CString::new(a.into_vec())
                        .unwrap_or_default()
                        .into_boxed_c_str(),
                )
            })
            .collect();
        Args { argv: argv.leak() }
    }

    pub fn get(&self, i: usize) -> Option<&'static CStr> {
        self.argv.get(i).copied()
    }

    pub fn bytes(&self, i: usize) -> Option<&'static [u8]> {
        self.get(i).map(CStr::to_bytes)
    }
}

fn main() {
    std::panic::set_hook(Box::new(|info| {
        let mut line = Line::err();
        line.s("zbt: panic");
        if let Some(loc) = info.location() {
            line.s(" at ").s(loc.file()).s(":").u(u64::from(loc.line()));
        }
        line.end();
        sys::exit(127)
    }));
    sys::exit(run(Args::from_env()))
}

const USAGE: &str = "\
usage: zbt COMMAND ARGS...
  load [--crash] [--initrd FILE] [--append CMDLINE] [--flags N] KERNEL
      one kexec_file_load(2) with KEXEC_FILE_DEBUG; without --initrd also
      KEXEC_FILE_NO_INITRAMFS; --flags N replaces the computed flags. Prints 'zbt: load KERNEL: ok' or
      'zbt: load KERNEL: error -N (ENAME)'; exit status 0 or N (max 255).
  expect ERRNO[|ERRNO] [load options] KERNEL
      like load; ERRNO is 0, a name (EINVAL) or a number. Prints
      'zbt: PASS|FAIL KERNEL: got ...'; exits 0 on PASS, 1 on FAIL.
      A successful load is left loaded.
  unload [--crash]
  exec                 sync, then reboot(LINUX_REBOOT_CMD_KEXEC)
  time-load COUNT [load options] KERNEL
      COUNT x (load, unload); times open+kexec_file_load+close of each load
  race COUNT KERNEL    parent and a forked child each load COUNT times
  vmcore-check PATH    sanity-check an arm64 ELF core dump (/proc/vmcore)
  mutate IN OUT [--truncate N] [--set OFFSET:HEXBYTES]... [--fill OFFSET:LEN:HEXBYTE]...
      copy IN to OUT, truncate or extend it to N bytes, then patch bytes
  payload ZBOOT        write a zboot image's compressed payload to stdout
  time-cmd COUNT [--unload] LABEL -- CMD [ARGS...]
      COUNT x fork+execve CMD (must exit 0), timed like time-load; --unload
      unloads the kexec image after each run, untimed
  mem-load COUNT KERNEL
      COUNT x (load, unload) while sampling /proc/meminfo: peak kernel memory
  fail-nth-sweep [--crash] [--append CMDLINE] [--from N] [--max N] KERNEL
      for n = 1 (or --from), 2, ... up to --max: /proc/thread-self/fail-nth = n,
      one load (unloaded again if it succeeds); stops when a load leaves the
      fault unused.
      Prints each n's result and 'zbt: sweep ...: allocation points N, ...'
  fault-loads COUNT [--crash] [--append CMDLINE] KERNEL...
      COUNT loads cycling through the KERNELs with /proc/thread-self/make-it-fail
      set around each call (failslab/fail_page_alloc set up in debugfs);
      faults counted from their debugfs 'times'
  soak COUNT KERNEL [KERNEL2]
      COUNT x (load KERNEL, load KERNEL2 over it, unload), kexec_loaded checked
  fuzz [--seed N] [--seconds N] [--cases N] [--weight W] BASE...
      kernel fuzzer: structure-aware mutations of the BASE zboot images
      through kexec_file_load(2) (each success unloaded) until --seconds
      (60) or --cases run out; --weight W weighs the BASEs after it (1).
      Each case goes to /dev/kmsg first ('zbt: fuzz case N BASE SEED');
      prints outcomes by errno per base and mutation counts
Numbers are decimal or 0x-hex.
";

fn usage() -> i32 {
    // Nowhere to report a failing stderr; ignore it.
    let _ = std::io::stderr().write_all(USAGE.as_bytes());
    2
}

/// Reports a command-line mistake; returns the exit status for it.
pub fn bad_usage(msg: &str) -> i32 {
    Line::err().s("zbt: ").s(msg).end();
    usage()
}

fn run(args: Args) -> i32 {
    let Some(cmd) = args.bytes(1) else {
        return usage();
    };
    match cmd {
        b"load" => kexec::load(args),
        b"expect" => kexec::expect(args),
        b"unload" => kexec::unload(args),
        b"exec" => kexec::exec(args),
        b"time-load" => kexec::time_load(args),
        b"race" => kexec::race(args),
        b"vmcore-check" => files::vmcore_check(args),
        b"mutate" => files::mutate(args),
        b"payload" => bench::payload(args),
        b"time-cmd" => bench::time_cmd(args),
        b"mem-load" => bench::mem_load(args),
        b"fail-nth-sweep" => faults::fail_nth_sweep(args),
        b"fault-loads" => faults::fault_loads(args),
        b"soak" => faults::soak(args),
        b"fuzz" => fuzz::fuzz(args),
        b"help" | b"-h" | b"--help" => usage(),
        _ => bad_usage("unknown command"),
    }
}
