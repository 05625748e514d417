#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The hostile-image corpus for the QEMU tests, generated from real images.

    mkcorpus.py OUTDIR PAYLOAD_IMAGE VMLINUZ_GZIP VMLINUZ_ZSTD [UKI]

Every case of zboot_cases.cases() is derived from the real payload kernel:
gzip and zstd from the kernel-built zboot files, the legacy methods from its
Image compressed with the kernel's own tools and options; with UKI (ukify's
uki-zstd.efi), the cases of uki_cases.cases() too, from that file. Most hostile cases
differ from a good file in a few bytes, so instead of hundreds of megabytes
of files the corpus is:

  OUTDIR/base/<method>.efi   the good files the recipes start from
  OUTDIR/files/<name>        cases that are not small edits of a good file
  OUTDIR/manifest            one line per case, tab-separated:
                             name, expected errno of kexec_file_load(2)
                             (a name like EINVAL, 0, or two names joined by
                             "|" when either is right), base method or "-",
                             then `zbt mutate` options that turn the base
                             file into the case

The guest (tests/guest/scenarios/corpus.sh) rebuilds each case in tmpfs and
checks the errno. Regenerated only when an input changed.
"""

import hashlib
import os
import shutil
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts"))

import mkzboot  # noqa: E402
import uki_cases  # noqa: E402
import zboot_cases  # noqa: E402

ERRNO_NAMES = {
    0: "0",
    zboot_cases.ENOEXEC: "ENOEXEC",
    zboot_cases.ENOMEM: "ENOMEM",
    zboot_cases.EINVAL: "EINVAL",
    zboot_cases.EFBIG: "EFBIG",
    zboot_cases.EBADMSG: "EBADMSG",
    zboot_cases.EOPNOTSUPP: "EOPNOTSUPP",
}
MAX_PATCH_BYTES = 64 * 1024  # more than this and the case is shipped whole
BLOCK = 4096
GAP = 16  # differing runs closer than this are merged


def differing_runs(base, data):
    """[start, end, fill] runs where data differs from base within their
    common length; fill is the byte value when the run is one byte repeated
    (None otherwise). Whole 4 KiB blocks are compared first, uniform blocks
    become fills without a byte loop, and the scan stops (returning None)
    once more than MAX_PATCH_BYTES would have to be spelled out."""
    runs = []
    spelled = 0
    common = min(len(base), len(data))
    for block in range(0, common, BLOCK):
        end = min(block + BLOCK, common)
        chunk = data[block:end]
        if base[block:end] == chunk:
            continue
        if chunk.count(chunk[0]) == len(chunk):
            if runs and runs[-1][2] == chunk[0] and runs[-1][1] == block:
                runs[-1][1] = end
            else:
                runs.append([block, end, chunk[0]])
            continue
        for i in range(block, end):
            if base[i] == data[i]:
                continue
            if runs and runs[-1][2] is None and i - runs[-1][1] < GAP:
                spelled += i + 1 - runs[-1][1]
                runs[-1][1] = i + 1
            else:
                runs.append([i, i + 1, None])
                spelled += 1
            if spelled > MAX_PATCH_BYTES:
                return None
    return runs


def recipe(base, data):
    """`zbt mutate` options turning base into data, or None if too big."""
    runs = differing_runs(base, data)
    if runs is None:
        return None
    ops = []
    if len(data) != len(base):
        ops += ["--truncate", str(len(data))]
    if len(data) > len(base):
        tail = data[len(base):]
        if len(tail) > MAX_PATCH_BYTES:
            return None
        runs.append([len(base), len(data), None])
    for start, end, fill in runs:
        if fill is not None:
            ops += ["--fill", f"{start}:{end - start}:{fill:02x}"]
        else:
            ops += ["--set", f"{start}:{data[start:end].hex()}"]
    return ops


def base_method(name, bases):
    """The good file a case was derived from, by its name."""
    for method in sorted(bases, key=len, reverse=True):
        if name.startswith((f"{method}-", f"good-{method}")):
            return method
    return "zstd"


def stream_of(zboot_file, method):
    """The compressed stream of a zboot file (for gzip with its ISIZE)."""
    offset, size = struct.unpack_from("<II", zboot_file, 8)
    return zboot_file[offset:offset + size]


def inputs_digest(paths):
    digest = hashlib.sha256()
    for path in paths:
        with open(path, "rb") as f:
            digest.update(f.read())
    return digest.hexdigest()


def main():
    out, image_path, gzip_path, zstd_path = sys.argv[1:5]
    uki_path = sys.argv[5] if len(sys.argv) > 5 else None
    sources = [image_path, gzip_path, zstd_path, __file__,
               os.path.join(HERE, "zboot_cases.py"), mkzboot.__file__]
    if uki_path:
        sources += [uki_path, uki_cases.__file__]
    # decompress_streams.py is not an input: the real Image goes through the kernel
    # build's own compressors (mkzboot.compress).
    digest = inputs_digest(sources)
    stamp = os.path.join(out, ".inputs")
    if os.path.exists(stamp) and open(stamp).read() == digest:
        print(f"==> corpus in {out} is up to date")
        return
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(os.path.join(out, "base"))
    os.makedirs(os.path.join(out, "files"))

    with open(image_path, "rb") as f:
        image = mkzboot.pad_to_image_size(f.read())
    real = {}
    for method, path in (("gzip", gzip_path), ("zstd", zstd_path)):
        with open(path, "rb") as f:
            real[method] = f.read()
    print(f"==> generating the corpus from a {len(image)}-byte Image "
          "(the legacy methods take a minute)", flush=True)
    cases = list(zboot_cases.cases(image, good_files=real, stream_of=stream_of,
                                   compress=mkzboot.compress))
    if uki_path:
        with open(uki_path, "rb") as f:
            cases += uki_cases.cases(f.read())

    bases = {c.name[len("good-"):]: c.data for c in cases
             if c.name.startswith("good-") and c.name.count("-") == 1}
    for method, data in bases.items():
        with open(os.path.join(out, "base", f"{method}.efi"), "wb") as f:
            f.write(data)

    lines, shipped = [], 0
    for case in cases:
        want = ERRNO_NAMES[zboot_cases.final_errno(case)]
        if zboot_cases.final_alt(case):
            want += "|" + ERRNO_NAMES[zboot_cases.final_alt(case)]
        method = base_method(case.name, bases)
        ops = recipe(bases[method], case.data)
        best = None if ops is None else (method, ops)
        if best is None:
            with open(os.path.join(out, "files", case.name), "wb") as f:
                f.write(case.data)
            lines.append("\t".join([case.name, want, "-"]))
            shipped += len(case.data)
        else:
            lines.append("\t".join([case.name, want, best[0]] + best[1]))
    with open(os.path.join(out, "manifest"), "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(stamp, "w") as f:
        f.write(digest)
    print(f"==> corpus: {len(cases)} cases, {len(bases)} base files, "
          f"{shipped >> 10} KiB shipped whole")


if __name__ == "__main__":
    main()
