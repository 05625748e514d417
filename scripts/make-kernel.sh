#!/usr/bin/env bash
# Build every kernel the tests need, once, and leave the artifacts in
# build/artifacts/:
#   Image              the 6.12 test kernel: the zboot loader, its KUnit
#                      suites, kexec, crash dumps, lockdown and kexec
#                      signature checks
#   vmlinuz-test.efi   its own zboot image (gzip)
#   Image-hardened     the 6.12 test kernel with KASAN, kmemleak and fault
#                      injection
#   Image-sigforce     the 6.12 test kernel with KEXEC_SIG_FORCE
#   Image-7.N          the test kernel built from the current 7.x Debian
#   vmlinuz-test-7.N.efi   carries (scripts/fetch-linux7.sh), and its zboot
#   vmlinuz-gzip.efi   zboot images of the second ("payload") kernel, 6.12,
#   vmlinuz-zstd.efi   as the kernel's own Makefile.zboot makes them
#   payload-Image      the payload kernel as a raw Image
#   vmlinuz-{gzip,zstd}.signed.efi, vmlinuz-gzip.wrongkey.efi
#                      the payload zboot images signed with the test keys
#   uki-zstd.efi, uki-zstd.signed.efi, uki.initrd, uki.cmdline
#                      a UKI of vmlinuz-zstd.efi made by Debian's ukify and
#                      arm64 systemd-stub (scripts/make-uki.sh), unsigned and
#                      signed with the trusted test key, and what it carries
#   uki-zstd-inner-signed.signed.efi
#                      the same around vmlinuz-zstd.signed.efi, signed
#   kexec, kexec-unpatched
#                      static arm64 kexec-tools 2.0.32 (the newest release,
#                      Debian's source) with and without tests/kexec-tools/2.0.32
#   kexec-2.0.25, kexec-2.0.25-unpatched
#                      bookworm's 2.0.25, with and without its patch
#                      (scripts/build-kexec-tools.sh builds all four)
#   kernels.json       the test kernels, for the QEMU tests
# KERNEL7=7.N picks the 7.x minor (default: the newest Debian carries);
# KERNEL7=none builds 6.12 only.
set -euo pipefail
. "$(dirname "$0")/env.sh"
mkdir -p "$artifacts"
start=$SECONDS

install_artifact() {
	cmp -s "$1" "$2" || cp "$1" "$2"
}
built() { # KTREE FLAVOUR FILE: a file of a built kernel
	KTREE=$1 bash -c '. "$0"/scripts/env.sh; echo "$objroot/$1/$2"' "$top" "$2" "$3"
}
release() { # KTREE FLAVOUR
	cat "$(built "$1" "$2" include/config/kernel.release)"
}
timed() { # NAME COMMAND...: runs it and records how long it took
	local t=$SECONDS
	"${@:2}"
	timings+=("$(printf '%5ds  %s' $((SECONDS - t)) "$1")")
}
timings=()

# The 7.x tree first needs its source; fetch it before the long builds, so a
# missing one fails fast, with what Debian carries.
kernel7=${KERNEL7:-}
if [ "$kernel7" != none ]; then
	tarball=$("$top/scripts/fetch-linux7.sh")
	kernel7=$(basename "$tarball" .tar.xz)
	kernel7=${kernel7#linux-source-}
fi

KTREE=6.12 "$top/scripts/graft.sh"
"$top/scripts/keys.sh"

# 6.12: the test kernel and the payload kernel first (every other test needs them).
timed "6.12 test kernel" env KTREE=6.12 "$top/scripts/build-kernel.sh" test-kernel
install_artifact "$(built 6.12 test-kernel arch/arm64/boot/Image)" "$artifacts/Image"
install_artifact "$(built 6.12 test-kernel arch/arm64/boot/vmlinuz.efi)" "$artifacts/vmlinuz-test.efi"

timed "6.12 payload kernel" env KTREE=6.12 "$top/scripts/build-kernel.sh" payload-kernel
install_artifact "$(built 6.12 payload-kernel arch/arm64/boot/Image)" "$artifacts/payload-Image"
install_artifact "$(built 6.12 payload-kernel arch/arm64/boot/vmlinuz.efi)" \
	"$artifacts/vmlinuz-gzip.efi"
timed "6.12 payload kernel, zstd" env KTREE=6.12 "$top/scripts/build-kernel.sh" payload-kernel-zstd
install_artifact "$(built 6.12 payload-kernel-zstd arch/arm64/boot/vmlinuz.efi)" \
	"$artifacts/vmlinuz-zstd.efi"
"$top/scripts/sign-images.sh"
# uki-*.efi: ukify and systemd-stub from Debian around vmlinuz-zstd{,.signed}.efi.
"$top/scripts/make-uki.sh"

# What the QEMU tests boot (tests/e2e/kernels.py): one entry per kernel tree,
# with the other artifacts of that tree by role.
manifest() {
	local entries=() role file
	local extra="\"hardened\": \"Image-hardened\""
	[ ! -f "$top/scripts/config/sigforce-kernel.config" ] ||
		extra="$extra, \"sigforce\": \"Image-sigforce\""
	entries+=("{\"name\": \"6.12\", \"image\": \"Image\", \"zboot\": \"vmlinuz-test.efi\",
	  \"release\": \"$(release 6.12 test-kernel)\", \"extra\": {$extra}}")
	if [ -n "$kernel7" ] && [ "$kernel7" != none ] && [ -f "$artifacts/Image-$kernel7" ]; then
		entries+=("{\"name\": \"$kernel7\", \"image\": \"Image-$kernel7\",
		  \"zboot\": \"vmlinuz-test-$kernel7.efi\",
		  \"release\": \"$(release "$kernel7" test-kernel)\", \"extra\": {}}")
	fi
	local IFS=,
	echo "[${entries[*]}]" | python3 -c 'import json, sys; json.dump(json.load(sys.stdin), sys.stdout, indent=1)' \
		>"$artifacts/kernels.json.tmp"
	mv "$artifacts/kernels.json.tmp" "$artifacts/kernels.json"
}
manifest

timed "6.12 hardened kernel" env KTREE=6.12 "$top/scripts/build-kernel.sh" hardened-kernel Image
install_artifact "$(built 6.12 hardened-kernel arch/arm64/boot/Image)" "$artifacts/Image-hardened"

if [ -f "$top/scripts/config/sigforce-kernel.config" ]; then
	timed "6.12 sigforce kernel" env KTREE=6.12 "$top/scripts/build-kernel.sh" sigforce-kernel Image
	install_artifact "$(built 6.12 sigforce-kernel arch/arm64/boot/Image)" "$artifacts/Image-sigforce"
fi

if [ "$kernel7" != none ]; then
	KTREE=$kernel7 "$top/scripts/graft.sh"
	timed "$kernel7 test kernel" env KTREE="$kernel7" "$top/scripts/build-kernel.sh" test-kernel
	install_artifact "$(built "$kernel7" test-kernel arch/arm64/boot/Image)" \
		"$artifacts/Image-$kernel7"
	install_artifact "$(built "$kernel7" test-kernel arch/arm64/boot/vmlinuz.efi)" \
		"$artifacts/vmlinuz-test-$kernel7.efi"
fi
manifest
# *.db-signed.efi: every kernels.json zboot and the payload zboots, signed with
# the firmware db (snakeoil) key for the Secure Boot scenarios.
"$top/scripts/sign-secureboot.sh"

timed "kexec-tools" "$top/scripts/build-kexec-tools.sh"

say "kernels built in $((SECONDS - start))s:"
printf '    %s\n' "${timings[@]}"
say "artifacts in $artifacts:"
ls -l "$artifacts" | sed 1d | awk '{ printf "    %-28s %10d bytes\n", $9, $5 }'
