#!/usr/bin/env bash
# make test: every test suite in turn, then a summary; exits non-zero if any
# suite failed. Assumes `make guest` (the kernels and the initramfs) is done.
set -uo pipefail
. "$(dirname "$0")/env.sh"
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
DECOMPRESS_FUZZ_SECONDS=${DECOMPRESS_FUZZ_SECONDS:-60}

summary=()
failed=0
logs=$build/logs/test
rm -rf "$logs"
mkdir -p "$logs"
# Runs one suite, its output also kept in build/logs/test/N.log. A failed
# suite's summary line is followed by its last lines that say why (error:,
# FAIL, ERROR, runtime error, contract broken), so that the end of the
# output, all a CI report may show, names the reason.
suite() {
	local name=$1; shift
	local start=$SECONDS status=0
	local log=$logs/$((${#summary[@]} + 1)).log
	say "test suite: $name"
	"$@" 2>&1 | tee "$log" || status=$?
	local took
	took=$(printf '%5ds' $((SECONDS - start)))
	if [ "$status" -eq 0 ]; then
		summary+=("PASS  $took  $name")
		return
	fi
	summary+=("FAIL  $took  $name (exit $status; log: ${log#"$top"/})")
	failed=1
	local why
	while IFS= read -r why; do
		summary+=("          ${why:0:200}")
	done < <(grep -E '^error: |FAIL|ERROR|runtime error:|contract broken|No such file' "$log" |
		tail -n 4)
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
