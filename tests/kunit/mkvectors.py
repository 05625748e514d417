#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Generate the KUnit suite's test vectors: every case of
tests/corpus/zboot_cases.py, derived from a small synthetic arm64 Image.

    mkvectors.py OUT
    mkvectors.py --uki OUT

With --uki, OUT holds the UKI vectors instead (magic "UKVECT01", same
layout): every case of tests/corpus/uki_cases.py, derived from a synthetic
UKI (uki_cases.synthetic_uki()) around the good gzip zboot file; their
probe and flags fields are 0, their load field the errno kexec_file_load(2)
gives, and image_len the Image's length for those that load.

Layout (little-endian), walked by kexec_zboot_vectors.c and tests.rs:
  "ZBVECT01", u32 count, u32 0,
  then per case: char name[64], s32 probe, s32 load, u32 flags,
  u32 image_len, u32 data_len, s32 alt (another acceptable load result, or
  0), data padded to 8 bytes.
Every method is in, made by tests/corpus/decompress_streams.py (Python
only), so the vectors are the same whatever compressors the build host has.
"""

import os
import struct
import sys

# The kernel tree holds symlinks to this script and its modules side by side.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import mkzboot  # noqa: E402
import uki_cases  # noqa: E402
import zboot_cases  # noqa: E402

NAME_LEN = 64


def entry(case):
    name = case.name.encode()[:NAME_LEN - 1]
    head = struct.pack("<64siiIIIi", name, -case.probe, -case.load, case.flags,
                       case.image_len, len(case.data), -case.alt)
    pad = bytes(-len(case.data) % 8)
    return head + case.data + pad


def main():
    uki = sys.argv[1] == "--uki"
    out = sys.argv[-1]
    image = mkzboot.pad_to_image_size(mkzboot.synthetic_image())
    cases = list(zboot_cases.cases(image))
    magic = b"ZBVECT01"
    if uki:
        gzip = next(c.data for c in cases if c.name == "good-gzip")
        # A UKI that loads carries the whole synthetic Image.
        cases = [c._replace(image_len=len(image) if c.load == 0 else 0)
                 for c in uki_cases.cases(uki_cases.synthetic_uki(gzip))]
        magic = b"UKVECT01"
    blob = magic + struct.pack("<II", len(cases), 0)
    blob += b"".join(entry(case) for case in cases)
    with open(out + ".tmp", "wb") as f:
        f.write(blob)
    os.replace(out + ".tmp", out)


if __name__ == "__main__":
    main()
