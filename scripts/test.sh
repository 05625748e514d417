#!/usr/bin/env bash
# make test: every test suite in turn, then a summary; exits non-zero if any
# suite failed. Assumes `make guest` (the kernels and the initramfs) is done.
set -uo pipefail
. "$(dirname "$0")/env.sh"
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
DECOMPRESS_FUZZ_SECONDS=${DECOMPRESS_FUZZ_SECONDS:-60}

summary=()
failed=0
suite() {
	local name=$1; shift
	local start=$SECONDS
	say "test suite: $name"
	if "$@"; then
		summary+=("PASS  $(printf '%5ds' $((SECONDS - start)))  $name")
	else
		summary+=("FAIL  $(printf '%5ds' $((SECONDS - start)))  $name")
		failed=1
	fi
}

suite "style: kernel clippy, rustfmt, checkpatch" "$top/scripts/check.sh"
suite "host: cargo test, clippy, rustfmt" "$top/scripts/host-test.sh"
suite "host: fuzz the parser (${FUZZ_SECONDS}s per target)" "$top/scripts/fuzz.sh" "$FUZZ_SECONDS"
# Each tree's zlib/zstd/xz/lz4/lzo, half the time each.
mapfile -t trees < <(python3 -c 'import json, sys
for k in json.load(open(sys.argv[1])): print(k["name"])' "$artifacts/kernels.json")
for tree in "${trees[@]}"; do
	share=$((DECOMPRESS_FUZZ_SECONDS / ${#trees[@]}))
	suite "host: fuzz the C decompressors with $tree's libraries (${share}s, ASan/UBSan)" \
		env KTREE="$tree" "$top/scripts/fuzz-decompress.sh" "$share"
done
suite "QEMU: KUnit and end-to-end kexec" \
	bash -c "cd '$top/tests/e2e' && python3 e2e.py"

echo
say "test summary"
printf '    %s\n' "${summary[@]}"
exit $failed
