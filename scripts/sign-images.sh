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

# Tampered copies of the signed image, for the accept/reject matrix.
sig=$build/guest/sig
mkdir -p "$sig"
signed=$artifacts/vmlinuz-gzip.signed.efi
if [ ! "$sig/.stamp" -nt "$signed" ]; then
	say "making tampered copies of $(basename "$signed")"
	cp "$signed" "$sig/stripped.efi"
	sbattach --remove "$sig/stripped.efi"
	offset=$(od -An -t u4 -j 8 -N 4 "$signed" | tr -d ' ')
	size=$(od -An -t u4 -j 12 -N 4 "$signed" | tr -d ' ')
	flip() { # FILE OFFSET: xor the byte at OFFSET with 0x55
		local byte
		byte=$(od -An -t u1 -j "$2" -N 1 "$1" | tr -d ' ')
		printf "$(printf '\\%03o' $((byte ^ 0x55)))" |
			dd of="$1" bs=1 seek="$2" conv=notrunc status=none
	}
	cp "$signed" "$sig/payload-flipped.efi"
	flip "$sig/payload-flipped.efi" $((offset + size / 2))
	cp "$signed" "$sig/header-flipped.efi"
	flip "$sig/header-flipped.efi" 16 # a reserved zboot header field
	# A second (valid) signature in the certificate table: not tampering.
	sbsign --key "$keys/trusted.key" --cert "$keys/trusted.crt" \
		--output "$sig/second-signature.efi" "$signed" 2>/dev/null
	# The signature blob appended once more after the certificate table.
	python3 - "$signed" "$sig/signature-appended-twice.efi" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
pe = struct.unpack_from("<I", data, 0x3C)[0]
security_dir = pe + 24 + 112 + 4 * 8  # PE32+: data directory 4
offset, size = struct.unpack_from("<II", data, security_dir)
open(sys.argv[2], "wb").write(data + data[offset:offset + size])
PY
	rm -f "$sig/signed-twice.efi"
	touch "$sig/.stamp"
fi

# One byte of the RSA signature itself flipped (the PKCS#7 blob ends with the
# signer's 256-byte encryptedDigest), for the KEXEC_SIG_FORCE matrix: the
# certificate table still parses, the signature no longer matches.
if [ ! "$sig/signature-flipped.efi" -nt "$signed" ]; then
	python3 - "$signed" "$sig/signature-flipped.efi.tmp" <<'PY'
import struct, sys
data = bytearray(open(sys.argv[1], "rb").read())
pe = struct.unpack_from("<I", data, 0x3C)[0]
offset, size = struct.unpack_from("<II", data, pe + 24 + 112 + 4 * 8)
der = offset + 8  # after WIN_CERTIFICATE's dwLength, wRevision, wCertificateType
if data[der:der + 2] != b"\x30\x82":
    sys.exit(f"{sys.argv[1]}: no DER SEQUENCE in the certificate table")
end = der + 4 + struct.unpack_from(">H", data, der + 2)[0]
data[end - 16] ^= 0x55
open(sys.argv[2], "wb").write(data)
PY
	mv "$sig/signature-flipped.efi.tmp" "$sig/signature-flipped.efi"
fi
