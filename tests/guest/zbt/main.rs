// SPDX-License-Identifier: GPL-2.0
//! zbt: a tiny freestanding arm64 Linux tool for the test initramfs that
//! calls kexec_file_load(2) directly (Debian's kexec-tools cannot hand a
//! zboot image to the kernel) and does a few file chores for the tests.
//! No libc: raw system calls, no heap, fixed-size stack buffers.
//! Built by scripts/build-guest-tool.sh; see `usage()` for the commands.

#![no_std]
#![no_main]

mod bench;
mod faults;
mod files;
mod fuzz;
mod kexec;
mod mutate;
mod out;
mod sys;

use core::ffi::{c_char, CStr};
use out::Line;

// Process entry: the kernel starts us with sp pointing at argc, followed by
// the argv pointers, a NULL, the envp pointers and the aux vector.
core::arch::global_asm!(
    ".section .text._start,\"ax\",%progbits",
    ".globl _start",
    ".type _start,%function",
    "_start:",
    "    mov x29, xzr",
    "    mov x30, xzr",
    "    mov x0, sp",
    "    bl zbt_start",
    "    brk #0x1",
    ".size _start, . - _start",
);

// The memory and string primitives the compiler and core may call. Plain
// byte loops: nothing here is hot, and assembly cannot be "optimised" into
// a call to itself.
core::arch::global_asm!(
    ".section .text.memcpy,\"ax\",%progbits",
    ".globl memcpy",
    ".type memcpy,%function",
    "memcpy:",
    "    mov x3, x0",
    "    cbz x2, 2f",
    "1:  ldrb w4, [x1], #1",
    "    strb w4, [x3], #1",
    "    subs x2, x2, #1",
    "    b.ne 1b",
    "2:  ret",
    ".size memcpy, . - memcpy",
    "",
    ".section .text.memmove,\"ax\",%progbits",
    ".globl memmove",
    ".type memmove,%function",
    "memmove:",
    "    cmp x0, x1",
    "    b.ls memcpy",
    "    cbz x2, 2f",
    "    add x3, x0, x2",
    "    add x1, x1, x2",
    "1:  ldrb w4, [x1, #-1]!",
    "    strb w4, [x3, #-1]!",
    "    subs x2, x2, #1",
    "    b.ne 1b",
    "2:  ret",
    ".size memmove, . - memmove",
    "",
    ".section .text.memset,\"ax\",%progbits",
    ".globl memset",
    ".type memset,%function",
    "memset:",
    "    mov x3, x0",
    "    cbz x2, 2f",
    "1:  strb w1, [x3], #1",
    "    subs x2, x2, #1",
    "    b.ne 1b",
    "2:  ret",
    ".size memset, . - memset",
    "",
    ".section .text.memcmp,\"ax\",%progbits",
    ".globl memcmp",
    ".globl bcmp",
    ".type memcmp,%function",
    ".type bcmp,%function",
    "memcmp:",
    "bcmp:",
    "    cbz x2, 2f",
    "1:  ldrb w3, [x0], #1",
    "    ldrb w4, [x1], #1",
    "    subs w5, w3, w4",
    "    b.ne 3f",
    "    subs x2, x2, #1",
    "    b.ne 1b",
    "2:  mov w0, #0",
    "    ret",
    "3:  mov w0, w5",
    "    ret",
    ".size memcmp, . - memcmp",
    "",
    ".section .text.strlen,\"ax\",%progbits",
    ".globl strlen",
    ".type strlen,%function",
    "strlen:",
    "    mov x1, x0",
    "1:  ldrb w2, [x1], #1",
    "    cbnz w2, 1b",
    "    sub x0, x1, x0",
    "    sub x0, x0, #1",
    "    ret",
    ".size strlen, . - strlen",
);

/// The command line, as the kernel laid it out on the initial stack.
#[derive(Clone, Copy)]
pub struct Args {
    argv: &'static [*const c_char],
}

impl Args {
    /// # Safety
    ///
    /// `sp` must be the initial stack pointer of the process: argc followed
    /// by argc pointers to NUL-terminated strings.
    unsafe fn from_initial_stack(sp: *const usize) -> Args {
        // SAFETY: per the caller, `sp` points at argc and the argv array
        // follows it; the initial stack lives until the process exits.
        let argv = unsafe {
            let argc = *sp;
            core::slice::from_raw_parts(sp.add(1) as *const *const c_char, argc)
        };
        Args { argv }
    }

    pub fn get(&self, i: usize) -> Option<&'static CStr> {
        let p = *self.argv.get(i)?;
        if p.is_null() {
            return None;
        }
        // SAFETY: argv entries point to NUL-terminated strings on the
        // initial stack, which is never freed or overwritten.
        Some(unsafe { CStr::from_ptr(p) })
    }

    pub fn bytes(&self, i: usize) -> Option<&'static [u8]> {
        self.get(i).map(CStr::to_bytes)
    }
}

/// Called from `_start` with the initial stack pointer.
///
/// # Safety
///
/// Only `_start` may call this, with the process's initial stack pointer.
#[no_mangle]
unsafe extern "C" fn zbt_start(sp: *const usize) -> ! {
    // SAFETY: `_start` passes the untouched initial stack pointer.
    let args = unsafe { Args::from_initial_stack(sp) };
    sys::exit(run(args))
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
    let _ = sys::write_all_raw(2, USAGE.as_bytes());
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

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    let mut line = Line::err();
    line.s("zbt: panic");
    if let Some(loc) = info.location() {
        line.s(" at ").s(loc.file()).s(":").u(loc.line() as u64);
    }
    line.end();
    sys::exit(127)
}
