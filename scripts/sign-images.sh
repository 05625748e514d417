#!/usr/bin/env bash
# Sign the zboot artifacts with the test keys (scripts/keys.sh):
#   vmlinuz-gzip.signed.efi, vmlinuz-zstd.signed.efi  trusted key (built into
#                                                      the test kernel)
#   vmlinuz-gzip.wrongkey.efi                          a key it does not trust
# Re-signs only when an input changed.
set -euo pipefail
. "$(dirname "$0")/env.sh"
keys=$build/keys

sign() {
	local key=$1 in=$2 out=$3
	if [ "$out" -nt "$in" ] && [ "$out" -nt "$keys/$key.crt" ]; then
		return
	fi
	say "signing $(basename "$in") with the $key test key"
	sbsign --key "$keys/$key.key" --cert "$keys/$key.crt" --output "$out.tmp" "$in" \
		2>&1 | grep -v '^Signing Unsigned' || true
	[ -s "$out.tmp" ] || die "sbsign failed for $in"
	mv "$out.tmp" "$out"
}

sign trusted "$artifacts/vmlinuz-gzip.efi" "$artifacts/vmlinuz-gzip.signed.efi"
sign trusted "$artifacts/vmlinuz-zstd.efi" "$artifacts/vmlinuz-zstd.signed.efi"
sign untrusted "$artifacts/vmlinuz-gzip.efi" "$artifacts/vmlinuz-gzip.wrongkey.efi"
sbverify --cert "$keys/trusted.crt" "$artifacts/vmlinuz-gzip.signed.efi" >/dev/null ||
	die "sbverify does not accept $artifacts/vmlinuz-gzip.signed.efi"
