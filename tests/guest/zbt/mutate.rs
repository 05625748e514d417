// SPDX-License-Identifier: GPL-2.0
//! Structure-aware mutations of a zboot image, for the kernel fuzzer
//! (`zbt fuzz`) and its host reproducer (`build/fuzz/kernel/zbt-case`).
//!
//! Pure and `core`-only: the guest tool and the host build include this same
//! file, so a case printed by the guest (`base name`, `case seed`) rebuilds
//! byte for byte on the host. A case is `mutate(base, case_seed(run, n))`;
//! every mutation knows the zboot layout (header fields, the compressed
//! stream between payload offset and size, the size trailer) and the PE
//! headers behind it (COFF header, section table, certificate directory), so
//! the decompressors see damaged streams and the PE verifier damaged tables,
//! not only files that fail the first header check.
//!
//! Nothing here may panic: every index goes through `get`/`get_mut`.

/// The kinds of mutation, by index into `KIND_NAMES` (for the statistics).
pub const KIND_NAMES: [&str; 10] = [
    "header-field",
    "method-name",
    "stream-head",
    "stream-bytes",
    "stream-splice",
    "stream-tail",
    "size-trailer",
    "truncate",
    "extend",
    "pe-header",
];

/// Bytes a case may grow by over its base.
pub const GROWTH: usize = 64 * 1024;

/// splitmix64: small, fast, and the same on every machine.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }
}

/// The seed of case `n` of a run started with `run_seed`.
pub fn case_seed(run_seed: u64, n: u64) -> u64 {
    let mut rng = Rng::new(run_seed ^ n.wrapping_mul(0xd134_2543_de82_ef95));
    rng.next()
}

fn le32(b: &[u8], off: usize) -> Option<u32> {
    let f = b.get(off..off.checked_add(4)?)?;
    Some(u32::from_le_bytes([f[0], f[1], f[2], f[3]]))
}

fn put32(b: &mut [u8], off: usize, v: u32) {
    if let Some(f) = off.checked_add(4).and_then(|end| b.get_mut(off..end)) {
        f.copy_from_slice(&v.to_le_bytes());
    }
}

fn put16(b: &mut [u8], off: usize, v: u16) {
    if let Some(f) = off.checked_add(2).and_then(|end| b.get_mut(off..end)) {
        f.copy_from_slice(&v.to_le_bytes());
    }
}

/// Where things are in the base file; ranges are clamped to the file.
struct Layout {
    len: usize,
    stream: (usize, usize),
    trailer: usize,
    pe: usize,
}

impl Layout {
    fn of(b: &[u8]) -> Layout {
        let len = b.len();
        let off = (le32(b, 8).unwrap_or(0) as usize).min(len);
        let size = (le32(b, 12).unwrap_or(0) as usize).min(len - off);
        let gzip = b.get(0x18..0x1d) == Some(b"gzip\0");
        let end = off + size;
        Layout {
            len,
            stream: (off, end),
            trailer: if gzip { end.saturating_sub(4) } else { end },
            pe: le32(b, 0x3c).unwrap_or(0) as usize,
        }
    }
}

/// A value a header field is likely to mishandle, near `orig` or `len`.
fn interesting(rng: &mut Rng, orig: u32, len: usize) -> u32 {
    const EDGES: [u32; 12] = [
        0,
        1,
        2,
        4,
        0x7f,
        0x80,
        0xffff,
        0x1_0000,
        0x7fff_ffff,
        0x8000_0000,
        0xffff_fffe,
        0xffff_ffff,
    ];
    let delta = 1 + rng.below(16) as u32;
    match rng.below(6) {
        0 => EDGES[rng.below(EDGES.len())],
        1 => orig.wrapping_add(delta),
        2 => orig.wrapping_sub(delta),
        3 => (len as u32).wrapping_add(delta).wrapping_sub(8),
        4 => orig.rotate_left(1 + rng.below(31) as u32),
        _ => rng.next() as u32,
    }
}

/// Damages `count` bytes in `range` of `out`: bit flips, random bytes,
/// interesting bytes.
fn damage(rng: &mut Rng, out: &mut [u8], range: (usize, usize), count: usize) {
    let count = count.max(1);
    let (start, end) = (range.0.min(out.len()), range.1.min(out.len()));
    if start >= end {
        return;
    }
    for _ in 0..count {
        let at = start + rng.below(end - start);
        let bit = 1u8 << rng.below(8);
        let value = match rng.below(4) {
            0 => [0x00, 0xff, 0x7f, 0x80][rng.below(4)],
            1 => rng.next() as u8,
            _ => out.get(at).copied().unwrap_or(0) ^ bit,
        };
        if let Some(b) = out.get_mut(at) {
            *b = value;
        }
    }
}

fn header_field(rng: &mut Rng, out: &mut [u8], len: usize) {
    const FIELDS: [usize; 6] = [0x08, 0x0c, 0x10, 0x14, 0x38, 0x3c];
    let at = FIELDS[rng.below(FIELDS.len())];
    let orig = le32(out, at).unwrap_or(0);
    put32(out, at, interesting(rng, orig, len));
}

fn method_name(rng: &mut Rng, out: &mut [u8]) {
    const NAMES: [&[u8]; 10] = [
        b"gzip", b"zstd", b"zstd22", b"xzkern", b"lzma", b"lz4", b"lzo", b"bzip2", b"", b"gzi",
    ];
    if rng.chance(2) {
        let count = 1 + rng.below(3);
        damage(rng, out, (0x18, 0x38), count);
        return;
    }
    let name = NAMES[rng.below(NAMES.len())];
    if let Some(field) = out.get_mut(0x18..0x38) {
        field.fill(0);
        if let Some(dst) = field.get_mut(..name.len()) {
            dst.copy_from_slice(name);
        }
        if rng.chance(8) {
            // No terminating NUL inside the field.
            field.fill(b'z');
        }
    }
}

/// Copies a chunk of the stream over another place in it.
fn stream_splice(rng: &mut Rng, out: &mut [u8], stream: (usize, usize)) {
    let span = stream.1.saturating_sub(stream.0);
    if span < 2 {
        return;
    }
    let n = 1 + rng.below(span.min(4096) / 2);
    let from = stream.0 + rng.below(span - n);
    let to = stream.0 + rng.below(span - n);
    // `from`, `to` and `n` are below the file length: no overflow.
    if from.max(to) + n <= out.len() {
        out.copy_within(from..from + n, to);
    }
}

fn size_trailer(rng: &mut Rng, out: &mut [u8], l: &Layout) {
    let orig = le32(out, l.trailer).unwrap_or(0);
    put32(out, l.trailer, interesting(rng, orig, l.len));
}

/// A new length: inside the header, the stream or around its end.
fn truncate(rng: &mut Rng, l: &Layout) -> usize {
    let cut = match rng.below(4) {
        0 => rng.below(0x200),
        1 => l.stream.0 + rng.below(l.stream.1.saturating_sub(l.stream.0)),
        2 => l.stream.1.saturating_sub(rng.below(16)),
        _ => l.trailer.saturating_add(rng.below(4)),
    };
    cut.min(l.len)
}

/// Garbage after the stream: the payload size field grows to take it in, or
/// the file simply grows past the trailer.
fn extend(rng: &mut Rng, out: &mut [u8], len: usize) -> usize {
    let most = if rng.chance(4) { GROWTH } else { 64 };
    let extra = 1 + rng.below(most);
    let new_len = (len + extra).min(out.len());
    damage(rng, out, (len, new_len), extra);
    if rng.chance(2) {
        let size = le32(out, 0x0c).unwrap_or(0);
        put32(out, 0x0c, size.wrapping_add(extra as u32));
    }
    new_len
}

/// COFF header, optional header and section table fields, and the
/// certificate directory entry (PE32+ layout, as zboot images have).
fn pe_header(rng: &mut Rng, out: &mut [u8], l: &Layout) {
    let coff = l.pe.saturating_add(4);
    let opt = coff.saturating_add(20);
    let opt_size = out
        .get(coff + 16..coff + 18)
        .map_or(0, |f| u16::from_le_bytes([f[0], f[1]]) as usize);
    let sections = opt.saturating_add(opt_size);
    let nsec = out
        .get(coff + 2..coff + 4)
        .map_or(0, |f| u16::from_le_bytes([f[0], f[1]]) as usize);
    match rng.below(6) {
        0 => {
            const COUNTS: [u16; 6] = [0, 1, 2, 96, 0x7fff, 0xffff];
            let count = if rng.chance(2) {
                COUNTS[rng.below(COUNTS.len())]
            } else {
                (nsec as u16)
                    .wrapping_add(rng.below(3) as u16)
                    .wrapping_sub(1)
            };
            put16(out, coff + 2, count);
        }
        1 => put16(
            out,
            coff + 16,
            interesting(rng, opt_size as u32, l.len) as u16,
        ),
        2 => {
            // SizeOfHeaders or NumberOfRvaAndSizes.
            let at = opt + if rng.chance(2) { 60 } else { 108 };
            let orig = le32(out, at).unwrap_or(0);
            put32(out, at, interesting(rng, orig, l.len));
        }
        3 => {
            // The certificate table's file offset or size.
            let at = opt + 112 + 4 * 8 + 4 * rng.below(2);
            let orig = le32(out, at).unwrap_or(0);
            put32(out, at, interesting(rng, orig, l.len));
        }
        _ => {
            // VirtualSize, VirtualAddress, SizeOfRawData or PointerToRawData
            // of one section.
            let sec = sections + 40 * rng.below(nsec.max(1));
            let at = sec + 8 + 4 * rng.below(4);
            let orig = le32(out, at).unwrap_or(0);
            put32(out, at, interesting(rng, orig, l.len));
        }
    }
}

/// Writes the case for `seed` made from `base` into `out` (which must hold
/// `base.len() + GROWTH` bytes; a shorter one truncates the case) and
/// returns its length and a bit mask of the `KIND_NAMES` applied.
pub fn mutate(base: &[u8], seed: u64, out: &mut [u8]) -> (usize, u32) {
    let mut rng = Rng::new(seed);
    let copied = base.len().min(out.len());
    if let (Some(dst), Some(src)) = (out.get_mut(..copied), base.get(..copied)) {
        dst.copy_from_slice(src);
    }
    if let Some(rest) = out.get_mut(copied..) {
        rest.fill(0);
    }
    let l = Layout::of(base);
    let mut len = copied;
    let mut kinds = 0u32;
    let count = 1 + rng.below(3);
    for _ in 0..count {
        // Weights: the stream kinds most, since that is where the
        // decompressors live.
        let kind = match rng.below(20) {
            0 | 1 => 0,
            2 => 1,
            3..=5 => 2,
            6..=9 => 3,
            10 | 11 => 4,
            12 | 13 => 5,
            14 | 15 => 6,
            16 => 7,
            17 => 8,
            _ => 9,
        };
        let stream = l.stream;
        let bytes = 1 + rng.below(8);
        match kind {
            0 => header_field(&mut rng, out, l.len),
            1 => method_name(&mut rng, out),
            2 => damage(&mut rng, out, (stream.0, stream.0 + 64), bytes / 2),
            3 => damage(&mut rng, out, stream, bytes),
            4 => stream_splice(&mut rng, out, stream),
            5 => damage(
                &mut rng,
                out,
                (stream.1.saturating_sub(64), stream.1),
                bytes / 2,
            ),
            6 => size_trailer(&mut rng, out, &l),
            7 => len = len.min(truncate(&mut rng, &l)),
            8 => len = extend(&mut rng, out, len),
            _ => pe_header(&mut rng, out, &l),
        }
        kinds |= 1 << kind;
    }
    (len, kinds)
}
