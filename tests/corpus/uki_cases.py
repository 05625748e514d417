# SPDX-License-Identifier: GPL-2.0
"""Good and hostile UKIs for the QEMU corpus, each with the errno kexec_file_load(2) must give.

cases(uki) derives every case from one real UKI (ukify's uki-zstd.efi: the payload zboot
image in .linux, a small .initrd, a .cmdline; unsigned, so no lockdown is assumed), with a
few bytes changed each. The errnos, on a kernel with the UKI loader:

  0         the UKI loads
  EINVAL    the headers or the section table lie (counts, offsets, sizes, overlaps, a second
            .linux, no .linux, a UKI inside .linux, a NUL inside .cmdline, a certificate table
            outside the file): refused as a UKI by the UKI loader's load, or, when its probe
            already refused the file, by the raw Image loader after it (zboot_cases.py)
  ENOEXEC   .linux is neither a zboot image nor an arm64 Image
  EBADMSG   .linux is a zboot image whose payload is corrupt (or EFBIG: it decodes to more
            than it declares)

Each case is a zboot_cases.Case, so mkcorpus.py writes it like the zboot cases. The KUnit
vectors (tests/kunit/mkvectors.py --uki) apply the same cases to synthetic_uki().
"""

import struct

from zboot_cases import EBADMSG, EFBIG, EINVAL, ENOEXEC, Case

SECTION_HEADER_LEN = 40
CERTIFICATE_TABLE = 4  # data directory index


def pe_header(data):
    """(offset of the PE signature, number of sections, section table offset)."""
    pe, = struct.unpack_from("<I", data, 0x3C)
    count, = struct.unpack_from("<H", data, pe + 6)
    opt_size, = struct.unpack_from("<H", data, pe + 20)
    return pe, count, pe + 24 + opt_size


def section_table(data):
    """[(header offset, name, VirtualSize, SizeOfRawData, PointerToRawData)], in table order."""
    _, count, table = pe_header(data)
    out = []
    for i in range(count):
        at = table + SECTION_HEADER_LEN * i
        name = data[at:at + 8].rstrip(b"\0").decode()
        vsize, _, raw_size, raw_offset = struct.unpack_from("<IIII", data, at + 8)
        out.append((at, name, vsize, raw_size, raw_offset))
    return out


def sections(data):
    """{name: (header offset, VirtualSize, SizeOfRawData, PointerToRawData)}, the first of a
    name."""
    found = {}
    for at, name, vsize, raw_size, raw_offset in section_table(data):
        found.setdefault(name, (at, vsize, raw_size, raw_offset))
    return found


def edited(data, *edits):
    """A copy of data with (offset, bytes) edits applied."""
    out = bytearray(data)
    for offset, patch in edits:
        out[offset:offset + len(patch)] = patch
    return bytes(out)


def u32(value):
    return struct.pack("<I", value)


def cases(uki):
    pe, _, _ = pe_header(uki)
    found = sections(uki)
    linux_at, linux_vsize, linux_raw, linux_off = found[".linux"]
    initrd_at, _, _, _ = found[".initrd"]
    _, cmdline_vsize, _, cmdline_off = found[".cmdline"]
    # The first section header of the zboot image inside .linux.
    _, _, inner_table = pe_header(uki[linux_off:linux_off + linux_vsize])
    opt = pe + 24
    cert_dir = opt + 112 + 8 * CERTIFICATE_TABLE

    def case(name, data, want, alt=0):
        return Case(name, data, 0, want, 0, 0, alt)

    yield case("good-uki", uki, 0)
    yield case("uki-no-linux", edited(uki, (linux_at, b".linuz\0\0")), EINVAL)
    yield case("uki-second-linux", edited(uki, (initrd_at, b".linux\0\0")), EINVAL)
    yield case("uki-linux-empty", edited(uki, (linux_at + 8, u32(0))), EINVAL)
    yield case("uki-linux-past-eof",
               edited(uki, (linux_at + 16, u32(linux_raw + 0x1000_0000))), EINVAL)
    yield case("uki-linux-offset-past-eof",
               edited(uki, (linux_at + 20, u32(len(uki) + 0x1000))), EINVAL)
    yield case("uki-initrd-overlaps-linux",
               edited(uki, (initrd_at + 20, u32(linux_off))), EINVAL)
    # A .initrd claiming 2 GiB of data behind 512 bytes of file.
    yield case("uki-initrd-huge", edited(uki, (initrd_at + 8, u32(0x7FFF_FFFF))), EINVAL)
    yield case("uki-section-count-huge", edited(uki, (pe + 6, struct.pack("<H", 0xFFFF))),
               EINVAL)
    yield case("uki-section-count-zero", edited(uki, (pe + 6, struct.pack("<H", 0))), EINVAL)
    yield case("uki-pe-offset-past-eof", edited(uki, (0x3C, u32(len(uki) + 8))), EINVAL)
    yield case("uki-wrong-machine", edited(uki, (pe + 4, struct.pack("<H", 0x8664))), EINVAL)
    yield case("uki-cert-table-past-eof",
               edited(uki, (cert_dir, u32(len(uki) + 0x1000) + u32(8))), EINVAL)
    yield case("uki-truncated-in-linux", uki[:linux_off + linux_vsize // 2], EINVAL)
    # The zboot image in .linux claims to be a UKI itself.
    yield case("uki-nested", edited(uki, (linux_off + inner_table, b".linux\0\0")), EINVAL)
    yield case("uki-cmdline-nul",
               edited(uki, (cmdline_off + cmdline_vsize // 2, b"\0")), EINVAL)
    # .linux that is no kernel: neither zboot magic nor an Image header.
    yield case("uki-linux-not-a-kernel", edited(uki, (linux_off, bytes(64))), ENOEXEC)
    # Up to a page in the middle of the zboot payload (its offset and size at 8 and 12).
    payload_off, payload_size = struct.unpack_from("<II", uki, linux_off + 8)
    length = min(4096, payload_size // 2)
    corrupt = linux_off + payload_off + (payload_size - length) // 2
    yield case("uki-linux-payload-corrupt", edited(uki, (corrupt, b"\xff" * length)),
               EBADMSG, EFBIG)


FILE_ALIGN = 0x200
SECTION_ALIGN = 0x1000


def align(value, to):
    return (value + to - 1) // to * to


def synthetic_uki(linux, initrd=b"07070100000000", cmdline=b"console=ttyAMA0 zbt.from=uki"):
    """A minimal UKI as ukify lays one out: PE32+ headers for arm64, a stub-like .text, then
    .osrel, .cmdline, .linux (`linux`, e.g. a zboot image) and .initrd, each section's data
    at a file-aligned offset, VirtualSize its length and SizeOfRawData padded."""
    contents = [(b".text", bytes(FILE_ALIGN)), (b".osrel", b"ID=synthetic\n"),
                (b".cmdline", cmdline), (b".linux", linux), (b".initrd", initrd)]
    pe_offset = 0x40
    opt_len = 112 + 8 * 16
    headers_size = align(pe_offset + 24 + opt_len + 40 * len(contents), FILE_ALIGN)
    table, body = b"", b""
    raw, rva = headers_size, SECTION_ALIGN
    for name, data in contents:
        raw_size = align(len(data), FILE_ALIGN)
        table += struct.pack("<8sIIIIIIHHI", name, len(data), rva, raw_size, raw, 0, 0, 0, 0,
                             0x40000040)
        body += data + bytes(raw_size - len(data))
        raw += raw_size
        rva += align(len(data), SECTION_ALIGN)
    coff = struct.pack("<4sHHIIIHH", b"PE\0\0", 0xAA64, len(contents), 0, 0, 0, opt_len,
                       0x0206)
    opt = struct.pack("<HBBIIIIIQIIHHHHHHIIIIHHQQQQII",
                      0x20B, 0, 0, FILE_ALIGN, len(body), 0, SECTION_ALIGN, SECTION_ALIGN,
                      0, SECTION_ALIGN, FILE_ALIGN, 0, 0, 1, 0, 0, 0,
                      0, rva, headers_size, 0, 10, 0, 0, 0, 0, 0, 0, 16) + bytes(8 * 16)
    mz = bytearray(pe_offset)
    struct.pack_into("<2s", mz, 0, b"MZ")
    struct.pack_into("<I", mz, 0x3C, pe_offset)
    headers = bytes(mz) + coff + opt + table
    return headers + bytes(headers_size - len(headers)) + body
