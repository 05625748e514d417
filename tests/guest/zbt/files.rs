// SPDX-License-Identifier: GPL-2.0
//! File chores: vmcore-check and mutate.

use crate::out::{hex_digit, parse_num, Line};
use crate::sys::{self, Errno, Fd};
use crate::{bad_usage, Args};
use std::ffi::CStr;

const ET_CORE: u64 = 4;
const EM_AARCH64: u64 = 183;
const PT_LOAD: u64 = 1;
const PT_NOTE: u64 = 4;
const PN_XNUM: u64 = 0xffff;
const EHDR_SIZE: usize = 64;
const PHDR_SIZE: usize = 56;
const SHDR_SIZE: usize = 64;

/// Little-endian field of `len` bytes at `off`; 0 if out of range.
fn le(b: &[u8], off: usize, len: usize) -> u64 {
    b.get(off..off + len)
        .map_or(0, |f| f.iter().rev().fold(0, |v, &c| (v << 8) | c as u64))
}

/// Why a vmcore was rejected: a message, optionally with a number or errno.
enum Bad {
    Open(Errno),
    Msg(&'static str),
    /// "WHAT N, want WANT"
    Field(&'static str, u64, &'static str),
    /// "WHAT at OFFSET: error -N (E)" / "WHAT at OFFSET: short read"
    Io(&'static str, u64, Option<Errno>),
}

/// Reads exactly `buf.len()` bytes at `off`.
fn read_at(fd: &Fd, off: u64, buf: &mut [u8], what: &'static str) -> Result<(), Bad> {
    sys::seek(fd, off).map_err(|e| Bad::Io(what, off, Some(e)))?;
    match sys::read_full(fd, buf) {
        Ok(n) if n == buf.len() => Ok(()),
        Ok(_) => Err(Bad::Io(what, off, None)),
        Err(e) => Err(Bad::Io(what, off, Some(e))),
    }
}

struct CoreInfo {
    phnum: u64,
    loads: u64,
    notes: u64,
}

fn check_vmcore(path: &CStr) -> Result<CoreInfo, Bad> {
    let fd = sys::open(path, sys::O_RDONLY, 0).map_err(Bad::Open)?;
    let mut eh = [0u8; EHDR_SIZE];
    read_at(&fd, 0, &mut eh, "ELF header")?;
    if eh.get(..4) != Some(b"\x7fELF") {
        return Err(Bad::Msg("no ELF magic"));
    }
    let field = |what, v, want_v, want| {
        if v == want_v {
            Ok(())
        } else {
            Err(Bad::Field(what, v, want))
        }
    };
    field("EI_CLASS", le(&eh, 4, 1), 2, "ELFCLASS64")?;
    field("EI_DATA", le(&eh, 5, 1), 1, "ELFDATA2LSB")?;
    field("e_type", le(&eh, 16, 2), ET_CORE, "ET_CORE(4)")?;
    field("e_machine", le(&eh, 18, 2), EM_AARCH64, "EM_AARCH64(183)")?;
    let phoff = le(&eh, 32, 8);
    let shoff = le(&eh, 40, 8);
    let phentsize = le(&eh, 54, 2);
    let mut phnum = le(&eh, 56, 2);
    field("e_phentsize", phentsize, PHDR_SIZE as u64, "56")?;
    if phnum == PN_XNUM {
        // The real count is in sh_info of section header 0.
        let mut sh = [0u8; SHDR_SIZE];
        read_at(&fd, shoff, &mut sh, "section header 0")?;
        phnum = le(&sh, 44, 4);
    }
    if phnum == 0 {
        return Err(Bad::Msg("e_phnum is 0"));
    }

    let (mut loads, mut notes, mut first_load) = (0, 0, None);
    let mut batch = [0u8; PHDR_SIZE * 64];
    let mut done = 0;
    while done < phnum {
        let n = (phnum - done).min(64);
        let buf = batch.get_mut(..n as usize * PHDR_SIZE).unwrap_or(&mut []);
        let off = phoff.saturating_add(done * PHDR_SIZE as u64);
        read_at(&fd, off, buf, "program headers")?;
        for ph in buf.chunks_exact(PHDR_SIZE) {
            match le(ph, 0, 4) {
                PT_LOAD => {
                    loads += 1;
                    // (p_offset, p_filesz)
                    first_load.get_or_insert((le(ph, 8, 8), le(ph, 32, 8)));
                }
                PT_NOTE => notes += 1,
                _ => {}
            }
        }
        done += n;
    }
    if notes == 0 {
        return Err(Bad::Msg("no PT_NOTE"));
    }
    let Some((offset, filesz)) = first_load else {
        return Err(Bad::Msg("no PT_LOAD"));
    };
    let mut page = [0u8; 4096];
    let len = filesz.min(page.len() as u64) as usize;
    read_at(
        &fd,
        offset,
        page.get_mut(..len).unwrap_or(&mut []),
        "first PT_LOAD",
    )?;
    Ok(CoreInfo {
        phnum,
        loads,
        notes,
    })
}

/// Prints `zbt: vmcore PATH: ok phnum N load L note M` or
/// `zbt: vmcore PATH: bad (REASON)`.
pub fn vmcore_check(args: Args) -> i32 {
    let (Some(path), None) = (args.get(2), args.get(3)) else {
        return bad_usage("usage: vmcore-check PATH");
    };
    let r = check_vmcore(path);
    let mut line = Line::out();
    line.s("zbt: vmcore ").c(path).s(": ");
    let status = match r {
        Ok(info) => {
            line.s("ok phnum ")
                .u(info.phnum)
                .s(" load ")
                .u(info.loads)
                .s(" note ")
                .u(info.notes);
            0
        }
        Err(bad) => {
            line.s("bad (");
            match bad {
                Bad::Open(e) => line.s("open: error ").errno(e),
                Bad::Msg(m) => line.s(m),
                Bad::Field(what, v, want) => line.s(what).s(" ").u(v).s(", want ").s(want),
                Bad::Io(what, off, e) => {
                    line.s(what).s(" at ").hex(off).s(": ");
                    match e {
                        Some(e) => line.s("error ").errno(e),
                        None => line.s("short read"),
                    }
                }
            };
            line.s(")");
            1
        }
    };
    line.end();
    status
}

/// A parsed `--set OFFSET:HEXBYTES`.
struct Patch {
    offset: u64,
    hex: &'static [u8],
}

/// A parsed `--fill OFFSET:LEN:HEXBYTE`: LEN copies of one byte.
struct Fill {
    offset: u64,
    len: u64,
    byte: u8,
}

fn parse_fill(s: &'static [u8]) -> Option<Fill> {
    let mut fields = s.split(|&c| c == b':');
    let offset = parse_num(fields.next()?)?;
    let len = parse_num(fields.next()?)?;
    let byte = fields.next()?;
    if fields.next().is_some() || byte.len() != 2 {
        return None;
    }
    let byte = hex_digit(byte[0])? << 4 | hex_digit(byte[1])?;
    offset.checked_add(len)?;
    Some(Fill {
        offset,
        len,
        byte: byte as u8,
    })
}

/// One `--set` or `--fill`, applied in command-line order.
enum Op {
    Set(Patch),
    Fill(Fill),
}

fn parse_patch(s: &'static [u8]) -> Option<Patch> {
    let colon = s.iter().position(|&c| c == b':')?;
    let offset = parse_num(s.get(..colon)?)?;
    let hex = s.get(colon + 1..)?;
    let hex = hex
        .strip_prefix(b"0x")
        .or_else(|| hex.strip_prefix(b"0X"))
        .unwrap_or(hex);
    if hex.is_empty() || hex.len() % 2 != 0 || !hex.iter().all(|&c| hex_digit(c).is_some()) {
        return None;
    }
    offset.checked_add(hex.len() as u64 / 2)?;
    Some(Patch { offset, hex })
}

struct MutateArgs {
    input: &'static CStr,
    output: &'static CStr,
    truncate: Option<u64>,
}

/// Parses and validates everything; `--set` values are re-read later.
fn parse_mutate(args: Args) -> Result<MutateArgs, &'static str> {
    let (mut input, mut output, mut truncate) = (None, None, None);
    let mut i = 2;
    while let Some(a) = args.get(i) {
        i += 1;
        match a.to_bytes() {
            b"--truncate" => {
                let v = args.bytes(i).ok_or("--truncate needs N")?;
                i += 1;
                truncate = Some(parse_num(v).ok_or("bad --truncate N")?);
            }
            b"--set" => {
                let v = args.bytes(i).ok_or("--set needs OFFSET:HEXBYTES")?;
                i += 1;
                parse_patch(v).ok_or("bad --set OFFSET:HEXBYTES")?;
            }
            b"--fill" => {
                let v = args.bytes(i).ok_or("--fill needs OFFSET:LEN:HEXBYTE")?;
                i += 1;
                parse_fill(v).ok_or("bad --fill OFFSET:LEN:HEXBYTE")?;
            }
            b if b.starts_with(b"--") => return Err("unknown option"),
            _ if input.is_none() => input = Some(a),
            _ if output.is_none() => output = Some(a),
            _ => return Err("too many arguments"),
        }
    }
    Ok(MutateArgs {
        input: input.ok_or("missing IN")?,
        output: output.ok_or("missing OUT")?,
        truncate,
    })
}

/// The `--set` and `--fill` operations, in command-line order.
fn ops(args: Args) -> impl Iterator<Item = Op> {
    (2..)
        .map_while(move |i| args.bytes(i).map(|a| (i, a)))
        .filter_map(move |(i, a)| match a {
            b"--set" => args.bytes(i + 1).and_then(parse_patch).map(Op::Set),
            b"--fill" => args.bytes(i + 1).and_then(parse_fill).map(Op::Fill),
            _ => None,
        })
}

/// Writes `fill.len` copies of `fill.byte` at `fill.offset`.
fn apply_fill(output: &Fd, fill: &Fill) -> Result<(), (&'static str, Errno)> {
    sys::seek(output, fill.offset).map_err(|e| ("seek OUT", e))?;
    let bytes = [fill.byte; 4096];
    let mut left = fill.len;
    while left > 0 {
        let n = left.min(bytes.len() as u64) as usize;
        sys::write_all(output, bytes.get(..n).unwrap_or(&[])).map_err(|e| ("write OUT", e))?;
        left -= n as u64;
    }
    Ok(())
}

/// Copies IN to OUT, applies --truncate then each --set/--fill; returns OUT's size.
fn do_mutate(args: Args, m: &MutateArgs) -> Result<u64, (&'static str, Errno)> {
    let input = sys::open(m.input, sys::O_RDONLY, 0).map_err(|e| ("open IN", e))?;
    let output =
        sys::open(m.output, sys::O_WRONLY | sys::O_CREAT, 0o644).map_err(|e| ("open OUT", e))?;
    let id_in = sys::file_id(&input).map_err(|e| ("fstat IN", e))?;
    let id_out = sys::file_id(&output).map_err(|e| ("fstat OUT", e))?;
    if id_in == id_out {
        return Err(("IN and OUT are the same file", Errno(sys::EINVAL)));
    }
    sys::ftruncate(&output, 0).map_err(|e| ("truncate OUT", e))?;

    let limit = m.truncate.unwrap_or(u64::MAX);
    let mut size = 0u64;
    let mut buf = [0u8; 64 * 1024];
    while size < limit {
        let want = (limit - size).min(buf.len() as u64) as usize;
        let chunk = buf.get_mut(..want).unwrap_or(&mut []);
        let n = sys::read(&input, chunk).map_err(|e| ("read IN", e))?;
        if n == 0 {
            break;
        }
        sys::write_all(&output, chunk.get(..n).unwrap_or(&[])).map_err(|e| ("write OUT", e))?;
        size += n as u64;
    }
    if let Some(n) = m.truncate {
        sys::ftruncate(&output, n).map_err(|e| ("truncate OUT", e))?;
        size = n;
    }

    for op in ops(args) {
        let p = match op {
            Op::Set(p) => p,
            Op::Fill(fill) => {
                apply_fill(&output, &fill)?;
                size = size.max(fill.offset + fill.len);
                continue;
            }
        };
        sys::seek(&output, p.offset).map_err(|e| ("seek OUT", e))?;
        let mut bytes = [0u8; 256];
        for pairs in p.hex.chunks(bytes.len() * 2) {
            let mut n = 0;
            for (slot, pair) in bytes.iter_mut().zip(pairs.chunks_exact(2)) {
                let hi = pair.first().copied().and_then(hex_digit).unwrap_or(0);
                let lo = pair.get(1).copied().and_then(hex_digit).unwrap_or(0);
                *slot = (hi << 4 | lo) as u8;
                n += 1;
            }
            sys::write_all(&output, bytes.get(..n).unwrap_or(&[])).map_err(|e| ("write OUT", e))?;
        }
        size = size.max(p.offset + p.hex.len() as u64 / 2);
    }
    Ok(size)
}

/// Prints `zbt: mutate OUT: ok size N` or `zbt: mutate OUT: STEP: error ...`.
pub fn mutate(args: Args) -> i32 {
    let m = match parse_mutate(args) {
        Ok(m) => m,
        Err(msg) => return bad_usage(msg),
    };
    let r = do_mutate(args, &m);
    let mut line = Line::out();
    line.s("zbt: mutate ").c(m.output).s(": ");
    let status = match r {
        Ok(size) => {
            line.s("ok size ").u(size);
            0
        }
        Err((what, e)) => {
            line.s(what).s(": error ").errno(e);
            1
        }
    };
    line.end();
    status
}
