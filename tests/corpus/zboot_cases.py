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

Case = namedtuple("Case", "name data probe load flags image_len")


def final_errno(case):
    """The errno kexec_file_load(2) returns for the case (0: loads)."""
    if case.probe:
        return EINVAL  # the raw Image loader's verdict on a file we refuse
    return case.load


def _good(name, data, image_len, flags=0):
    return Case(name, data, 0, 0, flags, image_len)


def _probe_fails(name, data, errno):
    return Case(name, data, errno, 0, 0, 0)


def _load_fails(name, data, errno, flags=0):
    return Case(name, data, 0, errno, flags, 0)


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


def good_cases(image, methods):
    for method in methods:
        stream, trailer = mkzboot.compress(method, image)
        yield method, stream, _good(f"good-{method}", mkzboot.wrap(method, stream, trailer),
                                    len(image), _method_flags(method))


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


def trailer_cases(method, stream, image):
    """Size trailers that lie, for one method."""
    n = len(image)
    flags = _method_flags(method)
    if method != "lzma":  # cannot tell a few bytes too many: see unlzma_bounded()
        yield _load_fails(f"{method}-declared-1-short", _wrap_sized(method, stream, n - 1),
                          EFBIG, flags)
    yield _load_fails(f"{method}-declared-header-only", _wrap_sized(method, stream, 64),
                      EFBIG, flags)
    yield _load_fails(f"{method}-declared-1-long", _wrap_sized(method, stream, n + 1),
                      EBADMSG, flags)
    yield _load_fails(f"{method}-declared-double", _wrap_sized(method, stream, 2 * n),
                      EBADMSG, flags)
    yield _load_fails(f"{method}-declared-0", _wrap_sized(method, stream, 0), EINVAL)
    yield _load_fails(f"{method}-declared-63", _wrap_sized(method, stream, 63), EINVAL)
    yield _load_fails(f"{method}-declared-over-limit",
                      _wrap_sized(method, stream, MAX_IMAGE_SIZE + 1), EFBIG)
    yield _load_fails(f"{method}-declared-4g", _wrap_sized(method, stream, 0xFFFFFFFF), EFBIG)


def payload_cases(method, stream, image):
    """Corrupt, truncated and padded streams, for one method."""
    flags = _method_flags(method)
    n = len(image)
    trailer = b"" if method == "gzip" else struct.pack("<I", n)
    if method in CHECKSUMMED:
        flipped = bytearray(stream)
        flipped[len(stream) // 2] ^= 0x55
        yield _load_fails(f"{method}-payload-byte-flipped",
                          mkzboot.wrap(method, bytes(flipped), trailer), EBADMSG, flags)
    zeroed = bytes(len(stream) - 4) + stream[-4:] if method == "gzip" else bytes(len(stream))
    yield _load_fails(f"{method}-payload-zeroed", mkzboot.wrap(method, zeroed, trailer),
                      EBADMSG, flags)
    if method == "gzip":
        # Keep CRC32 and ISIZE, lose the second half of the deflate data.
        cut = stream[:len(stream) // 2] + stream[-8:]
        junk = stream + bytes(4) + stream[-4:]
    else:
        cut = stream[:len(stream) // 2]
        junk = stream + b"\x00garbage" * 8
    yield _load_fails(f"{method}-payload-truncated", mkzboot.wrap(method, cut, trailer),
                      EBADMSG, flags)
    # lzma cannot tell trailing garbage from a longer payload: both are EFBIG.
    yield _load_fails(f"{method}-payload-trailing-garbage",
                      mkzboot.wrap(method, junk, trailer),
                      EFBIG if method == "lzma" else EBADMSG, flags)


def content_cases(method, image):
    """Streams that decompress fine to something that is not a usable Image."""
    def wrapped(name, data, errno):
        stream, trailer = mkzboot.compress(method, data)
        return _load_fails(f"{method}-{name}", mkzboot.wrap(method, stream, trailer), errno)

    text = (b"This is not an arm64 Image, just text. " * 2048)[:len(image)]
    yield wrapped("not-an-image", text, ENOEXEC)
    yield wrapped("image-size-0", _patch(image, 0x10, "<Q", 0), EINVAL)
    yield wrapped("image-size-too-small", _patch(image, 0x10, "<Q", len(image) - 1), EINVAL)
    yield wrapped("image-size-huge", _patch(image, 0x10, "<Q", 1 << 40), EFBIG)
    yield wrapped("text-offset-overflows", _patch(image, 0x08, "<Q", (1 << 64) - 4096), EFBIG)
    yield wrapped("header-too-short", image[:32], EINVAL)
    stream, _ = mkzboot.compress(method, image[:32])
    yield _load_fails(f"{method}-header-too-short-declared-64",
                      _wrap_sized(method, stream, 64), EBADMSG)


def bomb_cases():
    """Small payloads that decompress to far more than they declare."""
    zeros = bytes(64 << 20)
    for method in ("gzip", "zstd"):
        stream, _ = mkzboot.compress(method, zeros, fast=method == "zstd")
        yield _load_fails(f"{method}-bomb-64m-declared-1m",
                          _wrap_sized(method, stream, 1 << 20), EFBIG)
    stream, _ = mkzboot.compress("zstd", bytes(600 << 20), fast=True)
    yield _load_fails("zstd-bomb-600m-declared-honestly",
                      _wrap_sized("zstd", stream, 600 << 20), EFBIG)


def label_cases(gzip_stream, zstd_stream, image):
    n = struct.pack("<I", len(image))
    yield _load_fails("name-unknown-brotli",
                      mkzboot.wrap("zstd", zstd_stream, n, name=b"brotli"), EOPNOTSUPP)
    yield _load_fails("name-bzip2-unsupported",
                      mkzboot.wrap("zstd", zstd_stream, n, name=b"bzip2"), EOPNOTSUPP)
    yield _load_fails("gzip-payload-labelled-zstd",
                      mkzboot.wrap("zstd", gzip_stream, n), EBADMSG)
    yield _good("good-zstd-labelled-zstd22",
                mkzboot.wrap("zstd", zstd_stream, n, name=b"zstd22"), len(image))


def cases(image, methods=("gzip", "zstd") + LEGACY_METHODS, hostile=True):
    """Every case for `image` (an Image already padded to its image_size)."""
    streams = {}
    goods = {}
    for method, stream, case in good_cases(image, methods):
        streams[method] = stream
        goods[method] = case
        yield case
    if not hostile:
        return
    yield from header_cases(goods["gzip"].data, "gzip")
    yield from header_cases(goods["zstd"].data, "zstd")
    for method in methods:
        yield from trailer_cases(method, streams[method], image)
        yield from payload_cases(method, streams[method], image)
    for method in ("gzip", "zstd"):
        yield from content_cases(method, image)
    yield from label_cases(streams["gzip"], streams["zstd"], image)
    yield from bomb_cases()
