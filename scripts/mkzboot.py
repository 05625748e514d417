#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Wrap an arm64 Image into an EFI zboot image, laid out as the kernel's
drivers/firmware/efi/libstub/Makefile.zboot and zboot-header.S lay it out.

    mkzboot.py [-m METHOD] [--no-pad] IMAGE OUT

METHOD is a zboot compression name: gzip, zstd, zstd22, xzkern, lzma, lz4,
lzo. The payload is compressed with the same tool and options as the kernel's
scripts/Makefile.lib, and (for every method but gzip, whose ISIZE field serves)
followed by the le32 uncompressed size. Like Makefile.zboot, the Image is first
padded with zeros to its image_size (BSS included) unless --no-pad is given.

The result is a well-formed PE/COFF file (sbsign can sign it) whose only
section holds the payload. It carries no EFI stub, so firmware cannot start
it: it is for kexec_file_load(), which reads only the zboot header fields and
the payload.

Also a library for the test generators: compress(), wrap(), synthetic_image().
"""

import argparse
import struct
import subprocess
import sys

# Tool and options per method, as scripts/Makefile.lib and scripts/xz_wrap.sh
# use them for arm64.
COMPRESSORS = {
    "gzip": ["gzip", "-n", "-f", "-9"],
    "zstd": ["zstd", "-q", "-22", "--ultra"],
    "zstd22": ["zstd", "-q", "-22", "--ultra"],
    "xzkern": ["xz", "--check=crc32", "--threads=1", "--arm64",
               "--lzma2=lp=2,lc=2,dict=128MiB"],
    "lzma": ["lzma", "-9"],
    "lz4": ["lz4", "-q", "-l", "-9", "-", "-"],
    "lzo": ["lzop", "-q", "-9"],
    "bzip2": ["bzip2", "-9"],
}

PAGE_4K_FLAGS = (1 << 1) | (1 << 3)  # 4K pages, placement anywhere, LE
MZ_HEADER_LEN = 0x40
FILE_ALIGN = 0x200
SECTION_ALIGN = 0x1000
PE_MACHINE_ARM64 = 0xAA64
LINUX_PE_MAGIC = 0x818223CD


def compress(method, data, fast=False):
    """The payload as the kernel build makes it: compressed stream, then for
    every method but gzip the le32 uncompressed size. Returns (stream, trailer).
    fast trades the kernel's compression level for speed (test bombs).
    """
    command = COMPRESSORS[method]
    if fast:
        command = [command[0], "-q" if method != "gzip" else "-n", "-1"]
    stream = subprocess.run(command, input=data, check=True,
                            stdout=subprocess.PIPE).stdout
    trailer = b"" if method == "gzip" else struct.pack("<I", len(data) & 0xFFFFFFFF)
    return stream, trailer


def align(value, to):
    return (value + to - 1) // to * to


def pe_header(pe_offset, section_offset, section_size, machine=PE_MACHINE_ARM64):
    """PE32+ headers and one section table entry for a single data section."""
    nr_dirs = 16
    opt_len = 112 + 8 * nr_dirs
    headers_size = align(pe_offset + 4 + 20 + opt_len + 40, FILE_ALIGN)
    image_size = align(section_offset + section_size, SECTION_ALIGN)
    coff = struct.pack("<4sHHIIIHH", b"PE\0\0", machine, 1, 0, 0, 0, opt_len,
                       0x0206)  # EXECUTABLE | LINE_NUMS_STRIPPED | DEBUG_STRIPPED
    opt = struct.pack("<HBBIIIIIQIIHHHHHHIIIIHHQQQQII",
                      0x20B, 0, 0,            # PE32+, linker version
                      0, section_size, 0,     # code, data, bss sizes
                      0, 0,                   # entry point, base of code
                      0, SECTION_ALIGN, FILE_ALIGN,
                      0, 0, 1, 0, 0, 0,       # OS, image, subsystem versions
                      0, image_size, headers_size, 0,
                      10, 0,                  # EFI application
                      0, 0, 0, 0, 0, nr_dirs)
    opt += bytes(8 * nr_dirs)
    section = struct.pack("<8sIIIIIIHHI", b".data", section_size, section_offset,
                          section_size, section_offset, 0, 0, 0, 0,
                          0x40000040)  # INITIALIZED_DATA | MEM_READ
    return coff + opt + section, headers_size


def wrap(method, stream, trailer=b"", *, name=None, machine=PE_MACHINE_ARM64):
    """A zboot file around a compressed stream (and its size trailer).

    name overrides the compression name written in the header (bytes, at most
    31); the payload size field covers the stream only, as Makefile.zboot
    does, so the trailer of non-gzip methods follows the payload.
    """
    name = method.encode() if name is None else name
    pe_offset = MZ_HEADER_LEN
    headers, headers_size = pe_header(pe_offset, 0, 0, machine)
    section_offset = align(headers_size, SECTION_ALIGN)
    section_size = align(len(stream) + len(trailer), FILE_ALIGN)
    headers, headers_size = pe_header(pe_offset, section_offset, section_size, machine)
    mz = bytearray(MZ_HEADER_LEN)
    struct.pack_into("<2s2x4sII", mz, 0, b"MZ", b"zimg", section_offset, len(stream))
    mz[0x18:0x18 + len(name)] = name
    struct.pack_into("<II", mz, 0x38, LINUX_PE_MAGIC, pe_offset)
    out = bytearray(mz) + headers
    out += bytes(section_offset - len(out))
    out += stream + trailer
    out += bytes(section_offset + section_size - len(out))
    return bytes(out)


def image_size_of(image):
    return struct.unpack_from("<Q", image, 0x10)[0]


def pad_to_image_size(image):
    """Makefile.zboot's vmlinux.bin: the Image padded with zeros to image_size."""
    size = image_size_of(image)
    return image + bytes(max(0, size - len(image)))


def synthetic_image(body_len=48 * 1024, bss_len=16 * 1024, flags=PAGE_4K_FLAGS,
                    image_size=None, text_offset=0, magic=b"ARM\x64"):
    """A small arm64 Image: a real header and compressible filler, for tests
    that check the format, not execution."""
    header = bytearray(64)
    total = 64 + body_len
    struct.pack_into("<IIQQQQQQ4sI", header, 0,
                     0x14000010, 0,  # code0: b +0x40
                     text_offset,
                     total + bss_len if image_size is None else image_size,
                     flags, 0, 0, 0, magic, 0)
    filler = bytearray()
    seed = 0x12345678
    while len(filler) < body_len:
        seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
        filler += b"zboot-kexec-rs synthetic Image %08x " % (seed >> 8)
    return bytes(header) + bytes(filler[:body_len])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-m", "--method", default="gzip", choices=sorted(COMPRESSORS))
    parser.add_argument("--no-pad", action="store_true",
                        help="do not pad the Image to image_size first")
    parser.add_argument("image")
    parser.add_argument("out")
    args = parser.parse_args()
    with open(args.image, "rb") as f:
        image = f.read()
    if len(image) < 64 or image[0x38:0x3C] != b"ARM\x64":
        sys.exit(f"{args.image}: not an arm64 Image")
    if not args.no_pad:
        image = pad_to_image_size(image)
    stream, trailer = compress(args.method, image)
    with open(args.out, "wb") as f:
        f.write(wrap(args.method, stream, trailer))


if __name__ == "__main__":
    main()
