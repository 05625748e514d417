#!/usr/bin/env bash
# Secure Boot signing: the key in the firmware's db signs what the firmware
# boots and what kexec may load, as a distribution's vendor key does.
#
# The firmware is Debian's AAVMF (qemu-efi-aarch64) with AAVMF_VARS.snakeoil.fd:
# PK, KEK and db hold the "snakeoil" test certificate, whose private key the
# package ships (passphrase "snakeoil", README.Debian). This script unlocks it
# into build/keys/secureboot/ (never committed) and signs, in build/artifacts/:
#   <zboot>.db-signed.efi   for every test kernel's own zboot image named in
#                           build/artifacts/kernels.json (vmlinuz-test.efi, and
#                           the 7.x kernel's): what the firmware boots
#   vmlinuz-gzip.db-signed.efi, vmlinuz-zstd.db-signed.efi
#                           the payload kernel's zboot images: what kexec loads
#   uki-zstd.db-signed.efi  the UKI around vmlinuz-zstd.efi (make-uki.sh): a
#                           UKI as a distribution signs it for the firmware
#   uki-<zboot>.db-signed.efi
#                           for every test kernel, a UKI around its own zboot
#                           image (make-uki.sh --firmware): what the firmware
#                           boots in the secureboot-uki scenario
# Re-signs only when an input changed. Run after make-kernel.sh wrote kernels.json.
set -euo pipefail
. "$(dirname "$0")/env.sh"
fw=/usr/share/qemu-efi-aarch64
keys=$build/keys/secureboot
mkdir -p "$keys"

[ -s "$fw/PkKek-1-snakeoil.key" ] ||
	die "$fw/PkKek-1-snakeoil.key missing: install qemu-efi-aarch64 (scripts/setup-deps.sh)"
if [ ! -s "$keys/db.key" ] || [ "$fw/PkKek-1-snakeoil.key" -nt "$keys/db.key" ]; then
	say "unlocking the firmware's db (snakeoil) signing key into $keys"
	(umask 077 && openssl rsa -passin pass:snakeoil -in "$fw/PkKek-1-snakeoil.key" \
		-out "$keys/db.key.tmp" 2>/dev/null)
	mv "$keys/db.key.tmp" "$keys/db.key"
fi
cmp -s "$fw/PkKek-1-snakeoil.pem" "$keys/db.crt" || cp "$fw/PkKek-1-snakeoil.pem" "$keys/db.crt"

sign() { # IN OUT
	local in=$1 out=$2
	[ -s "$in" ] || die "$in missing: run scripts/make-kernel.sh first"
	if [ "$out" -nt "$in" ] && [ "$out" -nt "$keys/db.key" ]; then
		return
	fi
	say "signing $(basename "$in") with the firmware db (snakeoil) key"
	sbsign --key "$keys/db.key" --cert "$keys/db.crt" --output "$out.tmp" "$in" \
		2>&1 | grep -v '^Signing Unsigned' || true
	[ -s "$out.tmp" ] || die "sbsign failed for $in"
	sbverify --cert "$keys/db.crt" "$out.tmp" >/dev/null ||
		die "sbverify does not accept $out.tmp"
	mv "$out.tmp" "$out"
}

manifest=$artifacts/kernels.json
[ -s "$manifest" ] || die "$manifest missing: run scripts/make-kernel.sh first"
mapfile -t zboots < <(python3 -c '
import json, sys
for k in json.load(open(sys.argv[1])):
    print(k["zboot"])' "$manifest")
for z in "${zboots[@]}" vmlinuz-gzip.efi vmlinuz-zstd.efi uki-zstd.efi; do
	sign "$artifacts/$z" "$artifacts/${z%.efi}.db-signed.efi"
done
for z in "${zboots[@]}"; do
	uki=$build/uki-firmware/uki-$z
	if ! [ "$uki" -nt "$artifacts/$z" ] || ! [ "$uki" -nt "$top/scripts/make-uki.sh" ] ||
		! [ "$uki" -nt "$build/tools/ukify/versions" ]; then
		"$top/scripts/make-uki.sh" --firmware "$artifacts/$z" "$uki"
	fi
	sign "$uki" "$artifacts/uki-${z%.efi}.db-signed.efi"
done
