#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Write every case of tests/corpus/zboot_cases.py to a directory, for the
host tests (tests/host/corpus.rs) and as fuzzing seeds (scripts/fuzz.sh).

    dump_cases.py OUT [--images DIR]

The cases are derived, as for the KUnit vectors (tests/kunit/mkvectors.py),
from the padded synthetic Image of scripts/mkzboot.py. OUT gets one
<name>.efi per case and manifest.tsv, a header line then one line per case:

    name  probe  load  flags  image_len  alt

with probe, load and alt as positive errno values (0: accepted; alt: another
result load may give, 0 for none) and flags as in zboot_cases.py. Every
method is in: tests/corpus/decompress_streams.py makes the streams without any tool.

--images DIR also writes the uncompressed Images that the content cases
compress (the synthetic Image and its hostile variants) as <name>.img, as
seeds for the Image header fuzz target.

OUT is replaced as a whole, so a reader never sees a half-written one.
"""

import argparse
import os
import shutil
import struct
import sys

top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(top, "scripts"))
sys.path.insert(0, os.path.join(top, "tests", "corpus"))

import mkzboot  # noqa: E402
import zboot_cases  # noqa: E402

FIELDS = ("name", "probe", "load", "flags", "image_len", "alt")


def images(image):
    """The Images content_cases() compresses, by name, plus a few headers
    with other flags. Seeds only: the expectations stay in zboot_cases.py."""
    def patched(offset, fmt, value):
        out = bytearray(image)
        struct.pack_into(fmt, out, offset, value)
        return bytes(out)

    yield "synthetic", image
    yield "image-size-0", patched(0x10, "<Q", 0)
    yield "image-size-too-small", patched(0x10, "<Q", len(image) - 1)
    yield "image-size-huge", patched(0x10, "<Q", 1 << 40)
    yield "text-offset-overflows", patched(0x08, "<Q", (1 << 64) - 4096)
    yield "header-too-short", image[:32]
    yield "bad-magic", patched(0x38, "4s", b"ARM\x65")
    for flags, what in ((0, "flags-0"), (1, "big-endian"), (1 << 1 | 1, "big-endian-4k"),
                        (2 << 1, "16k"), (3 << 1, "64k"), (3 << 1 | 1, "big-endian-64k")):
        yield what, patched(0x18, "<Q", flags)


def write_atomically(out, fill):
    tmp = f"{out}.tmp{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    fill(tmp)
    shutil.rmtree(out, ignore_errors=True)
    try:
        os.replace(tmp, out)
    except OSError:
        # A concurrent run put its own, identical, output there first.
        shutil.rmtree(tmp)
        if not os.path.isdir(out):
            raise


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--images", metavar="DIR")
    args = parser.parse_args()

    image = mkzboot.pad_to_image_size(mkzboot.synthetic_image())

    def dump_cases(out):
        seen = set()
        lines = ["\t".join(FIELDS)]
        for case in zboot_cases.cases(image):
            if case.name in seen or "/" in case.name or "\t" in case.name:
                sys.exit(f"dump_cases.py: bad or duplicate case name {case.name!r}")
            seen.add(case.name)
            with open(os.path.join(out, case.name + ".efi"), "wb") as f:
                f.write(case.data)
            lines.append("\t".join(str(getattr(case, field)) for field in FIELDS))
        with open(os.path.join(out, "manifest.tsv"), "w") as f:
            f.write("\n".join(lines) + "\n")

    def dump_images(out):
        for name, data in images(image):
            with open(os.path.join(out, name + ".img"), "wb") as f:
                f.write(data)

    write_atomically(args.out, dump_cases)
    if args.images:
        write_atomically(args.images, dump_images)


if __name__ == "__main__":
    main()
