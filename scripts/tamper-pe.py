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

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "corpus"))

from uki_cases import section_table  # noqa: E402


def main():
    src, dst, where = sys.argv[1:4]
    data = bytearray(open(src, "rb").read())
    if data[:2] != b"MZ":
        sys.exit(f"{src}: not a PE file")
    found = section_table(data)
    if where == "table":
        at, name = found[-1][:2]
        offset = at + len(name) - 1
    else:
        match = [s for s in found if s[1] == where]
        sizes = [min(vsize, raw_size) for _, _, vsize, raw_size, _ in match]
        if not match or sizes[0] == 0:
            sys.exit(f"{src}: no {where} section with data")
        offset = match[0][4] + sizes[0] // 2
    data[offset] ^= 0x20 if where == "table" else 0xFF
    if dst != "-":
        open(dst, "wb").write(data)
    print(f"{where} {offset:#x} {data[offset]:02x}")


if __name__ == "__main__":
    main()
