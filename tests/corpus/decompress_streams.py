# SPDX-License-Identifier: GPL-2.0
"""Compressed streams of every zboot method, made without external tools.

The generated test vectors (the KUnit suites' blob, the host tests' cases)
must be the same on every build host, whatever compressors it has installed.
compress(method, data) therefore needs nothing but Python:

  gzip, xzkern, lzma, bzip2  the standard library (zlib, lzma, bz2);
  zstd, zstd22               a frame of raw and RLE blocks, with the content
                             size and an xxh64 checksum;
  lz4                        the legacy frame ("lz4 -l") of blocks from a
                             greedy matcher: literals, matches, overlaps;
  lzo                        an lzop file of lzo1x blocks from a greedy
                             matcher (M3 matches only), with adler32 sums.

These are valid streams that the kernel's decompressors take as any others;
they are not as small as the real tools make them, and zstd's entropy
decoder is only reached through real images (scripts/mkzboot.py, which uses
the kernel build's tools, and the QEMU corpus).
"""

import bz2
import lzma
import re
import struct
import zlib

ZSTD_MAGIC = 0xFD2FB528
ZSTD_BLOCK_MAX = 128 * 1024
ZSTD_CHECKSUM_MAX = 16 << 20
ZSTD_RLE_MIN = 64
LZ4_LEGACY_MAGIC = 0x184C2102
LZ4_LEGACY_BLOCK = 8 << 20
LZOP_MAGIC = b"\x89LZO\x00\r\n\x1a\n"
LZOP_BLOCK = 256 * 1024
LZOP_F_ADLER32_D = 0x1
LZOP_F_ADLER32_C = 0x2
LZO_M3_MAX_DISTANCE = 0x4000
MIN_MATCH = 4

U64 = (1 << 64) - 1
XXH_P1 = 11400714785074694791
XXH_P2 = 14029467366897019727
XXH_P3 = 1609587929392839161
XXH_P4 = 9650029242287828579
XXH_P5 = 2870177450012600261


def _rotl(x, r):
    return ((x << r) | (x >> (64 - r))) & U64


def _xxh64_round(acc, lane):
    acc = (acc + lane * XXH_P2) & U64
    return (_rotl(acc, 31) * XXH_P1) & U64


def _xxh64_merge(acc, val):
    acc ^= _xxh64_round(0, val)
    return (acc * XXH_P1 + XXH_P4) & U64


def xxh64(data, seed=0):
    """XXH64, as zstd's content checksum uses it (lib/xxhash.c)."""
    n, pos = len(data), 0
    if n >= 32:
        v = [(seed + XXH_P1 + XXH_P2) & U64, (seed + XXH_P2) & U64, seed,
             (seed - XXH_P1) & U64]
        while pos + 32 <= n:
            lanes = struct.unpack_from("<4Q", data, pos)
            v = [_xxh64_round(a, b) for a, b in zip(v, lanes)]
            pos += 32
        h = (_rotl(v[0], 1) + _rotl(v[1], 7) + _rotl(v[2], 12) + _rotl(v[3], 18)) & U64
        for lane in v:
            h = _xxh64_merge(h, lane)
    else:
        h = (seed + XXH_P5) & U64
    h = (h + n) & U64
    while pos + 8 <= n:
        h ^= _xxh64_round(0, struct.unpack_from("<Q", data, pos)[0])
        h = (_rotl(h, 27) * XXH_P1 + XXH_P4) & U64
        pos += 8
    if pos + 4 <= n:
        h ^= (struct.unpack_from("<I", data, pos)[0] * XXH_P1) & U64
        h = (_rotl(h, 23) * XXH_P2 + XXH_P3) & U64
        pos += 4
    for byte in data[pos:]:
        h ^= (byte * XXH_P5) & U64
        h = (_rotl(h, 11) * XXH_P1) & U64
    h ^= h >> 33
    h = (h * XXH_P2) & U64
    h ^= h >> 29
    h = (h * XXH_P3) & U64
    return h ^ (h >> 32)


def gzip(data, level=9):
    """RFC 1952 member, as gzip -n writes it (mtime 0)."""
    c = zlib.compressobj(level, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    return c.compress(data) + c.flush()


def xz(data, level=9):
    """.xz with a CRC32 check, as the kernel's decoder wants it."""
    filters = [{"id": lzma.FILTER_LZMA2, "preset": level, "lc": 2, "lp": 2}]
    return lzma.compress(data, format=lzma.FORMAT_XZ, check=lzma.CHECK_CRC32,
                         filters=filters)


def lzma_alone(data, level=9):
    """.lzma (LZMA_Alone) with an unknown size and an end marker, as lzma -9
    writes it from a pipe."""
    return lzma.compress(data, format=lzma.FORMAT_ALONE, preset=level)


def _zstd_blocks(data):
    """(rle, bytes) blocks of at most 128 KiB: RLE for runs of one byte of
    ZSTD_RLE_MIN and more, raw in between."""
    run_of_one_byte = re.compile(rb"(.)\1{%d,}" % (ZSTD_RLE_MIN - 1), re.DOTALL)
    for start in range(0, len(data), ZSTD_BLOCK_MAX):
        chunk = data[start:start + ZSTD_BLOCK_MAX]
        if chunk.count(chunk[:1]) == len(chunk):
            yield True, chunk
            continue
        pos = 0
        for run in run_of_one_byte.finditer(chunk):
            if run.start() > pos:
                yield False, chunk[pos:run.start()]
            yield True, run.group()
            pos = run.end()
        if pos < len(chunk):
            yield False, chunk[pos:]


def zstd(data, level=None):
    """One zstd frame: single segment, content size, an xxh64 checksum up to
    16 MiB (bombs go without); RLE blocks for runs of one byte, raw blocks
    in between."""
    del level
    fcs_flag, fcs = (3, struct.pack("<Q", len(data)))
    if len(data) < 256:
        fcs_flag, fcs = 0, struct.pack("<B", len(data))
    elif len(data) < 65536 + 256:
        fcs_flag, fcs = 1, struct.pack("<H", len(data) - 256)
    elif len(data) < 1 << 32:
        fcs_flag, fcs = 2, struct.pack("<I", len(data))
    checksum = len(data) <= ZSTD_CHECKSUM_MAX
    descriptor = fcs_flag << 6 | 1 << 5 | checksum << 2  # single segment
    out = bytearray(struct.pack("<IB", ZSTD_MAGIC, descriptor) + fcs)
    blocks = list(_zstd_blocks(data)) or [(False, b"")]
    for index, (rle, chunk) in enumerate(blocks):
        last = index == len(blocks) - 1
        header = (len(chunk) << 3) | rle << 1 | last
        out += struct.pack("<I", header)[:3]
        out += chunk[:1] if rle else chunk
    if checksum:
        out += struct.pack("<I", xxh64(data) & 0xFFFFFFFF)
    return bytes(out)


def _matches(data, start, end, max_distance, min_len=MIN_MATCH, tail=0):
    """Greedy LZ77 over data[start:end]: yields (literal_start, literal_end,
    distance, length); the last tuple has length 0. Matches stay `tail`
    bytes away from the end."""
    table = {}
    pos = lit = start
    limit = end - tail
    while pos + min_len <= limit:
        key = data[pos:pos + min_len]
        candidate = table.get(key)
        table[key] = pos
        if candidate is None or pos - candidate > max_distance:
            pos += 1
            continue
        length = min_len
        while pos + length < limit and data[candidate + length] == data[pos + length]:
            length += 1
        yield lit, pos, pos - candidate, length
        for p in range(pos + 1, min(pos + length, limit - min_len + 1)):
            table[data[p:p + min_len]] = p
        pos += length
        lit = pos
    yield lit, end, 0, 0


def _lz4_length(n):
    """The extra length bytes of an lz4 token field that holds 15."""
    out = bytearray()
    while n >= 255:
        out.append(255)
        n -= 255
    out.append(n)
    return bytes(out)


def lz4_block(data):
    """One lz4 block. The format's end rules: the last 5 bytes are
    literals, and no match starts in the last 12."""
    out = bytearray()
    tail = 12 if len(data) >= 13 else len(data)
    for lit_start, lit_end, distance, length in _matches(data, 0, len(data), 65535, tail=tail):
        if length and lit_end + length > len(data) - 5:
            length = len(data) - 5 - lit_end
            if length < MIN_MATCH:
                continue
        n_lit = lit_end - lit_start
        m = length - MIN_MATCH if length else 0
        out.append(min(n_lit, 15) << 4 | min(m, 15))
        if n_lit >= 15:
            out += _lz4_length(n_lit - 15)
        out += data[lit_start:lit_end]
        if not length:
            break
        out += struct.pack("<H", distance)
        if m >= 15:
            out += _lz4_length(m - 15)
    return bytes(out)


def lz4(data, level=None):
    """The legacy lz4 frame: magic, then (le32 size, block) per 8 MiB."""
    del level
    out = bytearray(struct.pack("<I", LZ4_LEGACY_MAGIC))
    for i in range(0, len(data), LZ4_LEGACY_BLOCK):
        block = lz4_block(data[i:i + LZ4_LEGACY_BLOCK])
        out += struct.pack("<I", len(block)) + block
    return bytes(out)


def _lzo_count(n):
    """lzo1x long lengths: zero bytes worth 255 each, then a non-zero byte."""
    zeros = (n - 1) // 255
    return bytes(zeros) + bytes([n - 255 * zeros])


def _lzo_literals(n, first):
    """The instruction before a run of n >= 4 literals (any n at the start)."""
    if first and n <= 238:
        return bytes([17 + n])
    if n <= 18:
        return bytes([n - 3])
    return b"\x00" + _lzo_count(n - 18)


def _lzo_m3(distance, length, trailing):
    """An M3 match (distance up to 16 KiB, length 3 and more) whose low
    distance bits carry the 0-3 literals that follow it."""
    if length <= 33:
        head = bytes([32 | (length - 2)])
    else:
        head = b"\x20" + _lzo_count(length - 33)
    return head + struct.pack("<H", (distance - 1) << 2 | trailing)


def lzo1x_block(data):
    """One lzo1x stream (lzo1x_decompress_safe), ending with the M4 end marker."""
    runs = list(_matches(data, 0, len(data), LZO_M3_MAX_DISTANCE, min_len=MIN_MATCH))
    out = bytearray()
    pending = None  # the previous match, waiting to learn its trailing literals
    for index, (lit_start, lit_end, distance, length) in enumerate(runs):
        n_lit = lit_end - lit_start
        if pending is not None:
            trailing = n_lit if n_lit <= 3 else 0
            out += _lzo_m3(*pending, trailing)
        if n_lit and (index == 0 or n_lit > 3):
            out += _lzo_literals(n_lit, index == 0)
        out += data[lit_start:lit_end]
        pending = (distance, length) if length else None
    return bytes(out) + b"\x11\x00\x00"


def lzo(data, level=None):
    """An lzop file (lzop -9's layout: version 0x1030, method LZO1X_999)
    with adler32 sums of each block's data before and after compression;
    blocks that do not shrink are stored, as lzop stores them."""
    del level
    header = struct.pack(">HHHBBIIIIB", 0x1030, 0x2080, 0x0940, 3, 9,
                         LZOP_F_ADLER32_D | LZOP_F_ADLER32_C, 0o100644, 0, 0, 0)
    out = bytearray(LZOP_MAGIC + header)
    out += struct.pack(">I", zlib.adler32(header))
    for i in range(0, len(data), LZOP_BLOCK):
        chunk = data[i:i + LZOP_BLOCK]
        packed = lzo1x_block(chunk)
        out += struct.pack(">III", len(chunk), min(len(packed), len(chunk)),
                           zlib.adler32(chunk))
        if len(packed) < len(chunk):
            out += struct.pack(">I", zlib.adler32(packed)) + packed
        else:
            out += chunk
    return bytes(out + bytes(4))


def bzip2(data, level=9):
    return bz2.compress(data, level)


ENCODERS = {
    "gzip": gzip,
    "zstd": zstd,
    "zstd22": zstd,
    "xzkern": xz,
    "lzma": lzma_alone,
    "lz4": lz4,
    "lzo": lzo,
    "bzip2": bzip2,
}


def compress(method, data, fast=False):
    """(stream, trailer) as mkzboot.compress() returns them: the stream, then
    for every method but gzip the le32 uncompressed size."""
    stream = ENCODERS[method](data, 1 if fast else 9)
    trailer = b"" if method == "gzip" else struct.pack("<I", len(data) & 0xFFFFFFFF)
    return stream, trailer
