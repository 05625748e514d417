#!/usr/bin/env bash
# make check: the project's style gates, on every kernel tree make kernel
# built (6.12 and the 7.x one):
#   - clippy on the loader and the kernel crate as the kernel builds them
#     (make LLVM=1 CLIPPY=1, Debian's clippy-driver matching rustc 1.96):
#     any clippy or rustc warning in our files (kernel::kexec,
#     kernel::decompress, the loader) fails;
#   - rustfmt with the tree's .rustfmt.toml on our Rust files as the tree
#     holds them (rustfmtcheck does not follow the graft's symlinks);
#   - scripts/checkpatch.pl --strict on the C files and on each tree's patch
#     series (make patches; no Signed-off-by: the submitter adds theirs).
#
#   check.sh [6.12|7.N]...     (default: the trees of build/artifacts/kernels.json)
set -euo pipefail
. "$(dirname "$0")/env.sh"
failed=0
mkdir -p "$build/logs"

trees=("$@")
if [ ${#trees[@]} -eq 0 ]; then
	mapfile -t trees < <(python3 -c 'import json, sys
for k in json.load(open(sys.argv[1])): print(k["name"])' "$artifacts/kernels.json")
fi

# Our files as a kernel tree holds them (the loader's: every .rs file of
# arch/arm64/kernel/kexec_zboot/, added per tree below).
ours_rust_kernel=(rust/kernel/kexec.rs rust/kernel/kexec/arm64.rs rust/kernel/cpufeature.rs
	rust/kernel/built_in.rs rust/kernel/decompress.rs)
ours_c=(lib/decompress_bounded.c include/linux/decompress/bounded.h rust/helpers/cpufeature.c)
ours_re='rust/kernel/(kexec|decompress|cpufeature|built_in)|kexec_zboot/'

# checkpatch.pl of the tree, run from build/ (it leaves a CamelCase cache in
# its working directory) with no git repository in sight (this checkout is
# not the kernel tree, whose SPDX check wants one). Without the kernel's git
# history a Fixes: tag's commit cannot be looked up (UNKNOWN_COMMIT_ID); its
# format is still checked (GIT_COMMIT_ID).
checkpatch() {
	(cd "$build" && GIT_DIR=/nonexistent "$tsrc/scripts/checkpatch.pl" --root="$tsrc" --quiet \
		--strict --ignore CAMELCASE,UNKNOWN_COMMIT_ID "$@")
}

for tree in "${trees[@]}"; do
	KTREE=$tree bash -c '. "$0"/scripts/env.sh; echo "$ksrc"; echo "$objroot"' "$top" >"$build/logs/.tree"
	{ read -r tsrc; read -r tobj; } <"$build/logs/.tree"
	rm -f "$build/logs/.tree"
	obj=$tobj/test-kernel
	[ -f "$obj/.config" ] || die "$tree: no test kernel in $obj: run make kernel"
	ours_rust=("${ours_rust_kernel[@]}")
	while IFS= read -r f; do ours_rust+=("$f"); done < <(cd "$tsrc" &&
		find arch/arm64/kernel/kexec_zboot -name '*.rs' | sort)

	say "$tree: clippy (CLIPPY=1) on the kernel crate and the loader"
	log=$build/logs/clippy-$tree.log
	if ! KTREE=$tree make -s -C "$tsrc" O="$obj" "${kmake_args[@]}" CLIPPY=1 \
		CLIPPY_DRIVER=/usr/bin/clippy-driver arch/arm64/kernel/kexec_zboot/ >"$log" 2>&1; then
		cat "$log"
		failed=1
	fi
	# Warnings point at their file two lines down ("  --> path:line:col").
	if grep -A3 -E '^(warning|error)' "$log" | grep -E -- "--> .*($ours_re)"; then
		say "$tree: clippy/rustc warnings in our files (full log: $log)"
		grep -B3 -A12 -E -- "--> .*($ours_re)" "$log" | head -150
		failed=1
	fi

	say "$tree: rustfmt --check ($tree's .rustfmt.toml)"
	mirror=$build/fmt/$tree
	rm -rf "$mirror"
	for f in "${ours_rust[@]}"; do
		[ -e "$tsrc/$f" ] || continue
		mkdir -p "$mirror/$(dirname "$f")"
		cp -L "$tsrc/$f" "$mirror/$f"
	done
	(cd "$mirror" && find . -name '*.rs' -print0 | xargs -0 rustfmt --check --edition 2021 \
		--config-path "$tsrc/.rustfmt.toml") || failed=1

	say "$tree: checkpatch.pl on the C sources"
	c_files=("${ours_c[@]/#/$tsrc/}")
	while IFS= read -r f; do c_files+=("$f"); done < <(find "$tsrc/arch/arm64/kernel/kexec_zboot" \
		-name '*.[ch]' | sort)
	for f in lib/decompress_bounded_kunit.c lib/tests/decompress_bounded_kunit.c; do
		[ -e "$tsrc/$f" ] && c_files+=("$tsrc/$f")
	done
	checkpatch -f "${c_files[@]}" || failed=1

	say "$tree: checkpatch.pl on the patch series"
	"$top/scripts/make-patches.sh" "$tree" >/dev/null || failed=1
	for p in "$build/patches/$tree"/00[0-9][1-9]-*.patch; do
		checkpatch --no-signoff "$p" || failed=1
	done
done

say "host sources: rustfmt (host crate, tests and fuzz targets) is in host-test.sh"
if [ $failed = 0 ]; then say "style checks clean"; else say "style checks FAILED"; fi
exit $failed
