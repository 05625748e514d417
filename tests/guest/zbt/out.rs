// SPDX-License-Identifier: GPL-2.0
//! Output lines (std formatting, one write(2) per line), number parsing,
//! errno names.

use crate::sys::{self, Errno, Fd};
use std::ffi::CStr;
use std::fs::File;
use std::io::{self, Write};

/// Errno values and names (arm64 uses the asm-generic numbering), plus the
/// kernel-internal codes that can leak out of a syscall.
const ERRNOS: &[(i32, &str)] = &[
    (1, "EPERM"),
    (2, "ENOENT"),
    (3, "ESRCH"),
    (4, "EINTR"),
    (5, "EIO"),
    (6, "ENXIO"),
    (7, "E2BIG"),
    (8, "ENOEXEC"),
    (9, "EBADF"),
    (10, "ECHILD"),
    (11, "EAGAIN"),
    (12, "ENOMEM"),
    (13, "EACCES"),
    (14, "EFAULT"),
    (16, "EBUSY"),
    (17, "EEXIST"),
    (18, "EXDEV"),
    (19, "ENODEV"),
    (20, "ENOTDIR"),
    (21, "EISDIR"),
    (22, "EINVAL"),
    (23, "ENFILE"),
    (24, "EMFILE"),
    (25, "ENOTTY"),
    (26, "ETXTBSY"),
    (27, "EFBIG"),
    (28, "ENOSPC"),
    (29, "ESPIPE"),
    (30, "EROFS"),
    (32, "EPIPE"),
    (33, "EDOM"),
    (34, "ERANGE"),
    (35, "EDEADLK"),
    (36, "ENAMETOOLONG"),
    (38, "ENOSYS"),
    (61, "ENODATA"),
    (65, "ENOPKG"),
    (74, "EBADMSG"),
    (75, "EOVERFLOW"),
    (80, "ELIBBAD"),
    (84, "EILSEQ"),
    (90, "EMSGSIZE"),
    (95, "EOPNOTSUPP"),
    (99, "EADDRNOTAVAIL"),
    (110, "ETIMEDOUT"),
    (125, "ECANCELED"),
    (126, "ENOKEY"),
    (127, "EKEYEXPIRED"),
    (128, "EKEYREVOKED"),
    (129, "EKEYREJECTED"),
    (512, "ERESTARTSYS"),
    (524, "ENOTSUPP"),
    (525, "ETOOSMALL"),
];

pub fn errno_name(e: Errno) -> &'static str {
    ERRNOS
        .iter()
        .find(|&&(n, _)| n == e.0)
        .map_or("E?", |&(_, s)| s)
}

/// Parses an expected errno: `0`, `ok`, a name (`EINVAL`) or a number
/// (`22`, `-22`, `0x16`). Returns the positive value, 0 for success.
pub fn parse_errno(s: &[u8]) -> Option<i32> {
    if s == b"ok" {
        return Some(0);
    }
    if let Some(&(n, _)) = ERRNOS.iter().find(|&&(_, name)| name.as_bytes() == s) {
        return Some(n);
    }
    let digits = s.strip_prefix(b"-").unwrap_or(s);
    parse_num(digits).filter(|&v| v <= 4095).map(|v| v as i32)
}

/// Parses a decimal or `0x`-prefixed hexadecimal number.
pub fn parse_num(s: &[u8]) -> Option<u64> {
    let (digits, radix) = match s.strip_prefix(b"0x").or_else(|| s.strip_prefix(b"0X")) {
        Some(h) => (h, 16),
        None => (s, 10),
    };
    if digits.is_empty() {
        return None;
    }
    let mut v: u64 = 0;
    for &c in digits {
        let d = hex_digit(c).filter(|&d| d < radix)?;
        v = v.checked_mul(radix)?.checked_add(d)?;
    }
    Some(v)
}

pub fn hex_digit(c: u8) -> Option<u64> {
    match c {
        b'0'..=b'9' => Some((c - b'0') as u64),
        b'a'..=b'f' => Some((c - b'a' + 10) as u64),
        b'A'..=b'F' => Some((c - b'A' + 10) as u64),
        _ => None,
    }
}

/// Where a line goes.
enum Sink<'a> {
    Stdout,
    Stderr,
    File(&'a File),
}

/// One output line, buffered so that it reaches the descriptor in a single
/// write(2) (lines from concurrent processes do not interleave).
pub struct Line<'a> {
    sink: Sink<'a>,
    buf: Vec<u8>,
}

impl Line<'static> {
    pub fn out() -> Line<'static> {
        Line::new(Sink::Stdout)
    }

    pub fn err() -> Line<'static> {
        Line::new(Sink::Stderr)
    }
}

impl<'a> Line<'a> {
    fn new(sink: Sink<'a>) -> Line<'a> {
        Line {
            sink,
            buf: Vec::with_capacity(128),
        }
    }

    /// A line for an open file (e.g. /dev/kmsg).
    pub fn to(fd: &'a Fd) -> Line<'a> {
        Line::new(Sink::File(fd.file()))
    }

    pub fn b(&mut self, bytes: &[u8]) -> &mut Self {
        self.buf.extend_from_slice(bytes);
        self
    }

    pub fn s(&mut self, s: &str) -> &mut Self {
        self.b(s.as_bytes())
    }

    pub fn c(&mut self, s: &CStr) -> &mut Self {
        self.b(s.to_bytes())
    }

    pub fn u(&mut self, v: u64) -> &mut Self {
        // Writing into a Vec cannot fail.
        let _ = write!(self.buf, "{v}");
        self
    }

    pub fn hex(&mut self, v: u64) -> &mut Self {
        let _ = write!(self.buf, "{v:#x}");
        self
    }

    /// `-N (ENAME)`
    pub fn errno(&mut self, e: Errno) -> &mut Self {
        let _ = write!(self.buf, "-{} ({})", e.0, errno_name(e));
        self
    }

    /// `0 (ok)` or `-N (ENAME)`
    pub fn rc(&mut self, rc: i32) -> &mut Self {
        if rc == 0 {
            self.b(b"0 (ok)")
        } else {
            self.errno(Errno(rc))
        }
    }

    /// `ok` or `error -N (ENAME)`
    pub fn res(&mut self, r: sys::Result<()>) -> &mut Self {
        match r {
            Ok(()) => self.b(b"ok"),
            Err(e) => self.b(b"error ").errno(e),
        }
    }

    /// Ends the line and writes it in one write(2). Nowhere to report a
    /// failing stdout/stderr; errors are ignored.
    pub fn end(&mut self) {
        self.buf.push(b'\n');
        let _ = match self.sink {
            Sink::Stdout => {
                let mut out = io::stdout().lock();
                out.write_all(&self.buf).and_then(|()| out.flush())
            }
            Sink::Stderr => io::stderr().lock().write_all(&self.buf),
            Sink::File(f) => {
                let mut f = f;
                f.write_all(&self.buf)
            }
        };
        self.buf.clear();
    }
}

/// Exit status for an errno: the positive value, capped at 255.
pub fn errno_status(e: Errno) -> i32 {
    e.0.clamp(1, 255)
}
