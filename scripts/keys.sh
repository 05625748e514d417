#!/usr/bin/env bash
# Test keys for kexec signature checks, generated once per build directory
# (never committed): "trusted" is built into the test kernel's keyring,
# "untrusted" signs an image the kernel must refuse.
set -euo pipefail
. "$(dirname "$0")/env.sh"
keys=$build/keys
mkdir -p "$keys"
for name in trusted untrusted; do
	[ -s "$keys/$name.crt" ] && continue
	say "generating $name test signing key"
	openssl req -new -x509 -newkey rsa:2048 -sha256 -nodes -days 3650 \
		-subj "/CN=zboot-kexec-rs $name test key/" \
		-addext "extendedKeyUsage=codeSigning" \
		-keyout "$keys/$name.key" -out "$keys/$name.crt" 2>/dev/null
done
