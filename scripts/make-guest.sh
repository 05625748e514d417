#!/usr/bin/env bash
# The guest side of the QEMU tests: the zbt helper, the second kernel's small
# initramfs, test images, and the test initramfs build/guest/initramfs.cpio.
set -euo pipefail
. "$(dirname "$0")/env.sh"
g=$build/guest
mkdir -p "$g/images"

"$top/scripts/build-guest-tool.sh"

# Inputs that are not kernels: a garbage file and an empty one.
[ -s "$g/images/garbage.bin" ] || head -c 1M /dev/urandom >"$g/images/garbage.bin"
: >"$g/images/empty"

say "building guest initramfs"
"$top/scripts/mkinitramfs.sh" "$g/stage2.cpio"
images=(
	/images/vmlinuz-gzip.efi="$artifacts/vmlinuz-gzip.efi"
	/images/vmlinuz-zstd.efi="$artifacts/vmlinuz-zstd.efi"
	/images/payload-Image="$artifacts/payload-Image"
	/images/vmlinuz-test.efi="$artifacts/vmlinuz-test.efi"
	/images/garbage.bin="$g/images/garbage.bin"
	/images/empty="$g/images/empty"
	/stage2.cpio="$g/stage2.cpio"
)
"$top/scripts/mkinitramfs.sh" "$g/initramfs.cpio" "${images[@]}"
say "guest initramfs: $(du -h "$g/initramfs.cpio" | cut -f1)"
