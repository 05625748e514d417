#!/usr/bin/env bash
# make patches: the kernel side of this project as a patch series against a
# pristine linux-source-6.12 tree, in build/patches/ (git format-patch). The
# series has no Signed-off-by: whoever submits it adds their own.
#   0001 lib: bounded whole-buffer decompressors looked up by name
#   0002 rust: bindings and helpers for kexec_file loaders
#   0003 arm64: kexec_file: Rust loader for EFI zboot images (+ KUnit suite)
set -euo pipefail
. "$(dirname "$0")/env.sh"
tarball=/usr/src/linux-source-6.12.tar.xz
out=$build/patches
work=$build/patches.work
rm -rf "$work" "$out"
mkdir -p "$work" "$out"

patch_files() { # the kernel files a patch in arch-arm64/patches/ changes
	sed -n 's|^+++ b/||p' "$top/arch-arm64/patches/$1"
}
changed=()
for p in lib rust arm64; do
	mapfile -t -O "${#changed[@]}" changed < <(patch_files "$p.patch")
done
changed+=(MAINTAINERS)

say "extracting pristine files from $tarball"
tar -C "$work" -xf "$tarball" --strip-components=1 \
	"${changed[@]/#/linux-source-6.12/}"
git -C "$work" init -q
git -C "$work" -c user.name=zboot-kexec-rs -c user.email=dev@zboot-kexec-rs.invalid \
	commit -q --allow-empty -m base
git -C "$work" add -A
git -C "$work" -c user.name=zboot-kexec-rs -c user.email=dev@zboot-kexec-rs.invalid \
	commit -q -m "pristine linux-source-6.12 files"

put() { # TREE_PATH REPO_PATH: add a new file to the series
	mkdir -p "$work/$(dirname "$1")"
	cp "$top/$2" "$work/$1"
}
commit() { # SUBJECT, body on stdin
	git -C "$work" add -A
	git -C "$work" -c user.name=zboot-kexec-rs -c user.email=dev@zboot-kexec-rs.invalid \
		commit -q -F - <<<"$1

$(cat)"
}

maintainers() { # F: lines to add to this series' MAINTAINERS entry
	python3 - "$work/MAINTAINERS" "$@" <<'PY'
import sys
path, files = sys.argv[1], sys.argv[2:]
text = open(path).read()
title = "ARM64 EFI ZBOOT KEXEC LOADER (RUST)\n"
if title not in text:
    entry = (title + "L:\tkexec@lists.infradead.org\n"
             "L:\trust-for-linux@vger.kernel.org\nS:\tMaintained\n\n")
    anchor = "ARM64 PORT (AARCH64 ARCHITECTURE)\n"
    assert anchor in text
    text = text.replace(anchor, entry + anchor, 1)
head, rest = text.split(title, 1)
block, tail = rest.split("\n\n", 1)
lines = block.split("\n") + [f"F:\t{f}" for f in files]
fields = [l for l in lines if not l.startswith("F:")] + sorted(l for l in lines if l.startswith("F:"))
open(path, "w").write(head + title + "\n".join(fields) + "\n\n" + tail)
PY
}

patch -d "$work" -p1 -s <"$top/arch-arm64/patches/lib.patch"
put lib/decompress_bounded.c arch-arm64/lib/decompress_bounded.c
put include/linux/decompress/bounded.h arch-arm64/include/linux/decompress/bounded.h
maintainers include/linux/decompress/bounded.h lib/decompress_bounded.c
commit "lib: add bounded whole-buffer decompressors looked up by name" <<'EOF'
The decompressors in lib/decompress_*.c serve the boot path: they are
__init, and given an output buffer and no flush callback, nothing bounds
what they write. A loader that decompresses untrusted input after boot,
such as kexec_file_load() of a compressed kernel, needs the opposite.

Add decompress_method_by_name(), which returns a decompress_bounded_fn:
one call that decompresses a whole buffer into another, never writes
past the output size, and fails with -EFBIG when the output does not
fit, -EBADMSG when the stream is corrupt, truncated, fails its checksum
or has trailing bytes. The methods drive the runtime libraries in
single-call mode, so the output buffer is the window: no staging buffer
and no window allocation, even for "zstd -22 --ultra" streams with
their 128 MiB window. A method is offered when its library is built in:

  gzip    zlib_inflate(), CRC32 and ISIZE checked
  zstd    zstd_decompress_dctx() (also "zstd22"), content checksum checked
  xzkern  xz_dec_run() in XZ_SINGLE mode; the stream's index is read
          first to refuse an oversized stream before decoding
  lzma    the MicroLZMA decoder over a legacy .lzma stream; the format
          has no checksum and its end marker cannot be parsed, so a few
          surplus bytes go unnoticed (the output is bounded all the same)
  lz4     the legacy "lz4 -l" format over LZ4_decompress_safe()
  lzo     the lzop format over lzo1x_decompress_safe(), with the header
          and block checksums checked

These are the names zboot images carry (drivers/firmware/efi/libstub/
Makefile.zboot), the first user.
EOF

patch -d "$work" -p1 -s <"$top/arch-arm64/patches/rust.patch"
put rust/helpers/cpufeature.c arch-arm64/rust/helpers/cpufeature.c
maintainers rust/helpers/cpufeature.c
commit "rust: add bindings and helpers for kexec_file loaders" <<'EOF'
A kexec_file loader written in Rust needs <linux/kexec.h> (kexec_buf,
kexec_add_buffer(), the arm64 load_other_segments()), <linux/mm.h>
(si_meminfo()), the bounded decompressors of
<linux/decompress/bounded.h>, and the arm64 CPU feature checks that
kexec_image.c applies to an Image header, which are static inline and
need helpers.

It also allocates buffers sized by a file that nobody has vouched for
yet, so add __GFP_RETRY_MAYFAIL to the allocation flags: with it a
large vmalloc() fails with an error instead of invoking the OOM killer.
EOF

patch -d "$work" -p1 -s <"$top/arch-arm64/patches/arm64.patch"
d=arch/arm64/kernel/kexec_zboot
put $d/Kconfig Kconfig
put $d/Kbuild Kbuild
put $d/kexec_zboot.rs rust/kexec_zboot.rs
put $d/format.rs rust/format.rs
put $d/kexec_zboot_test.c tests/kunit/kexec_zboot_test.c
put $d/kexec_zboot_test.h tests/kunit/kexec_zboot_test.h
put $d/kexec_zboot_vectors.S tests/kunit/kexec_zboot_vectors.S
put $d/mkvectors.py tests/kunit/mkvectors.py
put $d/mkzboot.py scripts/mkzboot.py
put $d/zboot_cases.py tests/corpus/zboot_cases.py
chmod +x "$work/$d/mkvectors.py" "$work/$d/mkzboot.py"
maintainers $d/
commit "arm64: kexec_file: add a Rust loader for EFI zboot images" <<'EOF'
arm64 distributions ship vmlinuz.efi as an EFI zboot image: a PE/COFF
file wrapping a compressed Image. kexec_file_load() refuses it with
-EINVAL, and user space can only decompress it and hand the kernel the
inner Image, which drops the PE signature: on a locked-down or
KEXEC_SIG_FORCE system there is then no way to kexec such a kernel.

Add a kexec_file_ops for zboot images, written in Rust and listed
before kexec_image_ops:

- probe checks the zboot header with checked arithmetic (payload and
  size trailer inside the file, a well-formed compression name, an
  arm64 PE header) and returns -ENOEXEC for anything else, so raw
  Images still go to kexec_image_ops;
- verify_sig runs the PE verifier on the file as it is, before any of
  it is decompressed, and logs its verdict;
- load caps the declared size (512 MiB, and half of RAM), allocates it
  with __GFP_RETRY_MAYFAIL | __GFP_NOWARN, decompresses the payload with
  a bounded decompressor from decompress_method_by_name(), checks the
  result as an arm64 Image (exact declared length, magic, image_size)
  and against the CPU as kexec_image.c does, then places it with
  kexec_add_buffer() and load_other_segments(), retrying holes. A crash
  kernel that cannot fit the crashkernel= reservation is refused before
  anything is decompressed;
- cleanup frees the decompressed image once the core has copied it.

The parsing lives in format.rs: safe, without kernel calls, so the same
file also builds on the host for unit tests and fuzzing. Every refusal
logs one line naming the reason and maps to one errno in one place.

The KUnit suite probes, parses and decompresses good and hostile zboot
images made at build time (mkvectors.py) from a synthetic Image, and
checks that no decompressor writes past its output buffer.
EOF

git -C "$work" format-patch -q -o "$out" HEAD~3
say "patch series in $out:"
ls "$out" | sed 's/^/    /'
