#!/usr/bin/env bash
# Build every kernel the tests need, once, and leave the artifacts in
# build/artifacts/:
#   Image              the test kernel: the zboot loader, its KUnit suite,
#                      kexec, crash dumps, lockdown and kexec signature checks
#   vmlinuz-test.efi   the test kernel's own zboot image (gzip)
#   Image-hardened     the test kernel with KASAN and kmemleak
#   vmlinuz-gzip.efi   zboot images of the second ("payload") kernel, as the
#   vmlinuz-zstd.efi   kernel's own Makefile.zboot makes them
#   payload-Image      the payload kernel as a raw Image
#   vmlinuz-{gzip,zstd}.signed.efi, vmlinuz-gzip.wrongkey.efi
#                      the payload zboot images signed with the test keys
#   kexec, kexec-unpatched
#                      static arm64 kexec-tools from Debian's source, with
#                      and without tests/kexec-tools/*.patch
set -euo pipefail
. "$(dirname "$0")/env.sh"
"$top/scripts/graft.sh"
"$top/scripts/keys.sh"
mkdir -p "$artifacts"

install_artifact() {
	cmp -s "$1" "$2" || cp "$1" "$2"
}

start=$SECONDS
"$top/scripts/build-kernel.sh" test-kernel
install_artifact "$build/obj/test-kernel/arch/arm64/boot/Image" "$artifacts/Image"
install_artifact "$build/obj/test-kernel/arch/arm64/boot/vmlinuz.efi" "$artifacts/vmlinuz-test.efi"

"$top/scripts/build-kernel.sh" hardened-kernel Image
install_artifact "$build/obj/hardened-kernel/arch/arm64/boot/Image" "$artifacts/Image-hardened"

"$top/scripts/build-kernel.sh" payload-kernel
install_artifact "$build/obj/payload-kernel/arch/arm64/boot/Image" "$artifacts/payload-Image"
install_artifact "$build/obj/payload-kernel/arch/arm64/boot/vmlinuz.efi" "$artifacts/vmlinuz-gzip.efi"

"$top/scripts/build-kernel.sh" payload-kernel-zstd
install_artifact "$build/obj/payload-kernel-zstd/arch/arm64/boot/vmlinuz.efi" \
	"$artifacts/vmlinuz-zstd.efi"

"$top/scripts/sign-images.sh"
"$top/scripts/build-kexec-tools.sh"

say "kernels built in $((SECONDS - start))s; artifacts in $artifacts:"
ls -l "$artifacts" | sed 1d | awk '{ printf "    %-24s %10d bytes\n", $9, $5 }'
