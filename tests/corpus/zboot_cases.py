# SPDX-License-Identifier: GPL-2.0
"""Good and hostile zboot files, each with the result the loader must give.

cases(image) derives every case from one arm64 Image (a real one for the QEMU
corpus, a synthetic one for the KUnit vectors). Each Case says what probe()
must return and, when probe accepts the file, what load() must return. The
errno values are the loader's contract, written down once here:

  ENOEXEC   no zboot magic (probe; the next loader may take the file), or
            the payload is not an arm64 Image
  EINVAL    malformed zboot header, or an Image header that is unusable
  EOPNOTSUPP no decompressor for the compression name in this kernel
  EFBIG     declared or actual size over the limit / over the declaration
  EBADMSG   corrupt, truncated, checksum-failing or trailing-garbage payload,
            or a payload shorter than declared

Through kexec_file_load(2) a file that probe refuses reaches the raw Image
loader next, which refuses it with EINVAL: final_errno() gives that view.
"""

import struct
from collections import namedtuple

import mkzboot
import decompress_streams

ENOEXEC = 8
ENOMEM = 12
EINVAL = 22
EFBIG = 27
EBADMSG = 74
EOPNOTSUPP = 95

MAX_IMAGE_SIZE = 512 << 20

# Methods whose decompressor needs CONFIG_KEXEC_IMAGE_ZBOOT_LEGACY.
LEGACY_METHODS = ("xzkern", "lzma", "lz4", "lzo")
# Methods whose format carries a checksum of the data, so a flipped payload
# byte is always caught.
CHECKSUMMED = ("gzip", "zstd", "xzkern", "lzo")

FLAG_LEGACY = 1  # load() gives EOPNOTSUPP when the kernel lacks legacy methods

# alt: a second errno load() may give instead of `load` (0: none), for
# corruption whose effect depends on the data: a damaged stream may fail to
# decode (EBADMSG) or decode to more than it declared (EFBIG).
Case = namedtuple("Case", "name data probe load flags image_len alt", defaults=(0,))


def final_errno(case):
    """The errno kexec_file_load(2) returns for the case (0: loads)."""
    if case.probe:
        return EINVAL  # the raw Image loader's verdict on a file we refuse
    return case.load


def final_alt(case):
    """The alternative errno kexec_file_load(2) may return (0: none)."""
    return 0 if case.probe else case.alt


def _good(name, data, image_len, flags=0):
    return Case(name, data, 0, 0, flags, image_len)


def _probe_fails(name, data, errno):
    return Case(name, data, errno, 0, 0, 0)


def _load_fails(name, data, errno, flags=0, alt=0):
    return Case(name, data, 0, errno, flags, 0, alt)


def _patch(data, offset, fmt, *values):
    out = bytearray(data)
    struct.pack_into(fmt, out, offset, *values)
    return bytes(out)


def _header(data):
    offset, size = struct.unpack_from("<II", data, 8)
    pe_offset = struct.unpack_from("<I", data, 0x3C)[0]
    return offset, size, pe_offset


def _set_name(data, name):
    out = bytearray(data)
    out[0x18:0x38] = bytes(0x20)
    out[0x18:0x18 + len(name)] = name
    return bytes(out)


def _method_flags(method):
    return FLAG_LEGACY if method in LEGACY_METHODS else 0


def _wrap_sized(method, stream, declared):
    """zboot file whose size trailer says `declared` (for gzip: ISIZE)."""
    if method == "gzip":
        stream = stream[:-4] + struct.pack("<I", declared & 0xFFFFFFFF)
        return mkzboot.wrap(method, stream)
    return mkzboot.wrap(method, stream, struct.pack("<I", declared & 0xFFFFFFFF))


def good_cases(image, methods, good_files, stream_of, compress):
    """One good file per method: given (e.g. built by the kernel), or made here."""
    for method in methods:
        if method in good_files:
            data = good_files[method]
            stream = stream_of(data, method)
        else:
            stream, trailer = compress(method, image)
            data = mkzboot.wrap(method, stream, trailer)
        yield method, stream, _good(f"good-{method}", data, len(image), _method_flags(method))


def header_cases(good, name):
    """Truncations and out-of-range fields of one good file."""
    offset, size, pe_offset = _header(good)
    yield _probe_fails(f"{name}-empty", b"", ENOEXEC)
    yield _probe_fails(f"{name}-mz-only", good[:4], ENOEXEC)
    yield _probe_fails(f"{name}-no-zimg", _patch(good, 4, "4s", b"zimh"), ENOEXEC)
    for cut in (8, 0x0C, 0x10, 0x18, 0x20, 0x38, 0x3C, 0x40, pe_offset + 4,
                offset, offset + size // 2, offset + size - 1):
        yield _probe_fails(f"{name}-truncated-at-{cut:#x}", good[:cut], EINVAL)
    bad_fields = {
        "payload-offset-past-eof": (8, len(good)),
        "payload-offset-ffffffff": (8, 0xFFFFFFFF),
        "payload-offset-0": (8, 0),
        "payload-offset-in-header": (8, 0x3C),
        "payload-size-0": (0x0C, 0),
        "payload-size-ffffffff": (0x0C, 0xFFFFFFFF),
        "payload-size-past-eof": (0x0C, len(good) - offset + 1),
        "payload-end-wraps-u32": (0x0C, 0x100000000 - offset),
        "pe-offset-ffffffff": (0x3C, 0xFFFFFFFF),
        "pe-offset-fffffffe": (0x3C, 0xFFFFFFFE),
        "pe-offset-past-eof": (0x3C, len(good)),
        "pe-offset-to-zeros": (0x3C, 0x20),
    }
    for what, (field, value) in bad_fields.items():
        yield _probe_fails(f"{name}-{what}", _patch(good, field, "<I", value), EINVAL)
    if name != "gzip":
        for cut in (offset + size, offset + size + 2):
            yield _probe_fails(f"{name}-truncated-in-trailer-{cut:#x}", good[:cut], EINVAL)
    yield _probe_fails(f"{name}-pe-machine-riscv64",
                       _patch(good, pe_offset + 4, "<H", 0x5064), EINVAL)
    yield _probe_fails(f"{name}-pe-machine-x86-64",
                       _patch(good, pe_offset + 4, "<H", 0x8664), EINVAL)
    yield _probe_fails(f"{name}-name-unterminated", _patch(good, 0x18, "32s", b"a" * 32),
                       EINVAL)
    yield _probe_fails(f"{name}-name-empty", _set_name(good, b""), EINVAL)
    yield _probe_fails(f"{name}-name-uppercase", _set_name(good, b"GZIP"), EINVAL)
    yield _probe_fails(f"{name}-name-newline", _set_name(good, b"gz\nip"), EINVAL)
    yield _probe_fails(f"{name}-name-format-string", _set_name(good, b"%s%n%p"), EINVAL)


def _edit(good, method, stream=None, declared=None):
    """`good` with its payload replaced by `stream` in place (same offset, the
    size field updated) and its size trailer set to `declared` (default: the
    one it had). Bytes past the new payload stay as they were."""
    offset, size, _ = _header(good)
    old_stream = good[offset:offset + size]
    if declared is None:
        declared = struct.unpack_from("<I", good, offset + size - 4 if method == "gzip"
                                      else offset + size)[0]
    stream = old_stream if stream is None else stream
    end = offset + len(stream)
    out = bytearray(good)
    out += bytes(max(0, end + 4 - len(out)))
    out[offset:end] = stream
    struct.pack_into("<I", out, 0x0C, len(stream))
    struct.pack_into("<I", out, end - 4 if method == "gzip" else end, declared & 0xFFFFFFFF)
    return bytes(out)


def trailer_cases(method, good, image):
    """Size trailers that lie, for one method."""
    n = len(image)
    flags = _method_flags(method)
    if method != "lzma":  # cannot tell a few bytes too many: see unlzma_bounded()
        yield _load_fails(f"{method}-declared-1-short", _edit(good, method, declared=n - 1),
                          EFBIG, flags)
    yield _load_fails(f"{method}-declared-header-only", _edit(good, method, declared=64),
                      EFBIG, flags)
    yield _load_fails(f"{method}-declared-1-long", _edit(good, method, declared=n + 1),
                      EBADMSG, flags)
    yield _load_fails(f"{method}-declared-double", _edit(good, method, declared=2 * n),
                      EBADMSG, flags)
    yield _load_fails(f"{method}-declared-0", _edit(good, method, declared=0), EINVAL)
    yield _load_fails(f"{method}-declared-63", _edit(good, method, declared=63), EINVAL)
    yield _load_fails(f"{method}-declared-over-limit",
                      _edit(good, method, declared=MAX_IMAGE_SIZE + 1), EFBIG)
    yield _load_fails(f"{method}-declared-4g", _edit(good, method, declared=0xFFFFFFFF), EFBIG)


def _checksum_offset(method, stream):
    """Offset in `stream` of a byte of the checksum over the uncompressed
    data, or None: flipping it must fail the check and nothing else."""
    if method == "gzip":
        return len(stream) - 8                      # CRC32 before ISIZE
    if method == "zstd" and stream[4] & 0x04:
        return len(stream) - 1                      # XXH64 content checksum
    if method == "xzkern":
        index_len = (struct.unpack_from("<I", stream, len(stream) - 8)[0] + 1) * 4
        return len(stream) - 12 - index_len - 4     # the block's CRC32
    if method == "lzo":
        name_len_at = 9 + 8 + 4 + 12                # magic, versions, flags, mode, mtimes
        return name_len_at + 1 + stream[name_len_at] + 4 + 8   # first block's Adler-32
    return None


def payload_cases(method, good, stream):
    """Corrupt, truncated and padded streams, for one method."""
    flags = _method_flags(method)
    checksum = _checksum_offset(method, stream)
    if checksum is not None:
        flipped = bytearray(stream)
        flipped[checksum] ^= 0x55
        yield _load_fails(f"{method}-checksum-flipped",
                          _edit(good, method, bytes(flipped)), EBADMSG, flags)
    if method in CHECKSUMMED:
        flipped = bytearray(stream)
        flipped[len(stream) // 2] ^= 0x55
        yield _load_fails(f"{method}-payload-byte-flipped",
                          _edit(good, method, bytes(flipped)), EBADMSG, flags, alt=EFBIG)
    # gzip keeps its ISIZE, so the zeros are all the decoder sees.
    yield _load_fails(f"{method}-payload-zeroed", _edit(good, method, bytes(len(stream))),
                      EBADMSG, flags)
    if method == "gzip":
        # Keep CRC32 and ISIZE, lose the second half of the deflate data.
        cut = stream[:len(stream) // 2] + stream[-8:]
        junk = stream + bytes(4) + stream[-4:]
    else:
        cut = stream[:len(stream) // 2]
        junk = stream + b"\x00garbage" * 8
    yield _load_fails(f"{method}-payload-truncated", _edit(good, method, cut), EBADMSG, flags)
    # lzma cannot tell trailing garbage from a longer payload: both are EFBIG.
    yield _load_fails(f"{method}-payload-trailing-garbage", _edit(good, method, junk),
                      EFBIG if method == "lzma" else EBADMSG, flags)


def small_image(image, limit=1 << 20):
    """The start of `image` as an Image of its own, for cases about its header."""
    if len(image) <= limit:
        return image
    return _patch(image[:limit], 0x10, "<Q", limit)


def content_cases(method, image, compress):
    """Streams that decompress fine to something that is not a usable Image."""
    def wrapped(name, data, errno):
        stream, trailer = compress(method, data)
        return _load_fails(f"{method}-{name}", mkzboot.wrap(method, stream, trailer), errno)

    text = (b"This is not an arm64 Image, just text. " * 2048)[:len(image)]
    yield wrapped("not-an-image", text, ENOEXEC)
    yield wrapped("image-size-0", _patch(image, 0x10, "<Q", 0), EINVAL)
    yield wrapped("image-size-too-small", _patch(image, 0x10, "<Q", len(image) - 1), EINVAL)
    yield wrapped("image-size-huge", _patch(image, 0x10, "<Q", 1 << 40), EFBIG)
    yield wrapped("text-offset-overflows", _patch(image, 0x08, "<Q", (1 << 64) - 4096), EFBIG)
    yield wrapped("header-too-short", image[:32], EINVAL)
    stream, _ = compress(method, image[:32])
    yield _load_fails(f"{method}-header-too-short-declared-64",
                      _wrap_sized(method, stream, 64), EBADMSG)


def bomb_cases(compress):
    """Small payloads that decompress to far more than they declare."""
    zeros = bytes(64 << 20)
    for method in ("gzip", "zstd"):
        stream, _ = compress(method, zeros, fast=True)
        yield _load_fails(f"{method}-bomb-64m-declared-1m",
                          _wrap_sized(method, stream, 1 << 20), EFBIG)
    stream, _ = compress("zstd", bytes(600 << 20), fast=True)
    yield _load_fails("zstd-bomb-600m-declared-honestly",
                      _wrap_sized("zstd", stream, 600 << 20), EFBIG)


def label_cases(gzip_good, zstd_good, image):
    """Compression names that do not match a decompressor or the payload."""
    yield _load_fails("name-unknown-brotli", _set_name(zstd_good, b"brotli"), EOPNOTSUPP)
    yield _load_fails("name-bzip2-unsupported", _set_name(zstd_good, b"bzip2"), EOPNOTSUPP)
    # A gzip payload called zstd: its size now belongs after the payload.
    offset, size, _ = _header(gzip_good)
    mislabelled = bytearray(_set_name(gzip_good, b"zstd"))
    mislabelled += bytes(max(0, offset + size + 4 - len(mislabelled)))
    struct.pack_into("<I", mislabelled, offset + size, len(image))
    yield _load_fails("gzip-payload-labelled-zstd", bytes(mislabelled), EBADMSG)
    yield _good("good-zstd-labelled-zstd22", _set_name(zstd_good, b"zstd22"), len(image))


def cases(image, methods=("gzip", "zstd") + LEGACY_METHODS, hostile=True,
          good_files=None, stream_of=None, compress=decompress_streams.compress):
    """Every case for `image` (an Image already padded to its image_size).

    good_files maps methods to ready-made good zboot files of `image` (the
    kernel's own builds); stream_of(file, method) extracts their payload.
    compress(method, data, fast=False) makes the other streams: by default
    decompress_streams.compress(), which needs no tool, so every host
    generates the same cases; mkzboot.compress() uses the kernel build's
    compressors.
    """
    streams = {}
    goods = {}
    for method, stream, case in good_cases(image, methods, good_files or {}, stream_of,
                                           compress):
        streams[method] = stream
        goods[method] = case
        yield case
    if not hostile:
        return
    yield from header_cases(goods["gzip"].data, "gzip")
    yield from header_cases(goods["zstd"].data, "zstd")
    for method in methods:
        yield from trailer_cases(method, goods[method].data, image)
        yield from payload_cases(method, goods[method].data, streams[method])
    for method in ("gzip", "zstd"):
        yield from content_cases(method, small_image(image), compress)
    yield from label_cases(goods["gzip"].data, goods["zstd"].data, image)
    yield from bomb_cases(compress)
