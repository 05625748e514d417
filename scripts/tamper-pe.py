#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Finds one byte of a signed PE file that its signature covers, and changes it.

    tamper-pe.py IN OUT WHERE

OUT is the changed copy ("-": none is written).
WHERE is a section name (.linux, .initrd, .cmdline, ...): the middle byte of
the section's data (its first VirtualSize bytes) is flipped; or "table": the
last byte of the name of the last section in the section table (a UKI's
.sbat or .uname, say) is changed, so the file stays a well-formed PE with
the same sections. Prints "WHERE OFFSET BYTE": the offset and the new byte
(hex), as `zbt mutate IN OUT --set OFFSET:BYTE` takes them.
"""

import struct
import sys


def sections(data):
    pe = struct.unpack_from("<I", data, 0x3C)[0]
    if data[:2] != b"MZ" or data[pe:pe + 4] != b"PE\0\0":
        sys.exit("not a PE file")
    count, = struct.unpack_from("<H", data, pe + 6)
    opt_size, = struct.unpack_from("<H", data, pe + 20)
    table = pe + 24 + opt_size
    for i in range(count):
        at = table + 40 * i
        name = data[at:at + 8].rstrip(b"\0").decode()
        vsize, _, raw_size, raw_offset = struct.unpack_from("<IIII", data, at + 8)
        yield at, name, raw_offset, min(vsize, raw_size)


def main():
    src, dst, where = sys.argv[1:4]
    data = bytearray(open(src, "rb").read())
    found = list(sections(data))
    if where == "table":
        at, name, _, _ = found[-1]
        offset = at + len(name) - 1
    else:
        match = [s for s in found if s[1] == where]
        if not match or match[0][3] == 0:
            sys.exit(f"{src}: no {where} section with data")
        _, _, raw_offset, size = match[0]
        offset = raw_offset + size // 2
    data[offset] ^= 0x20 if where == "table" else 0xFF
    if dst != "-":
        open(dst, "wb").write(data)
    print(f"{where} {offset:#x} {data[offset]:02x}")


if __name__ == "__main__":
    main()
