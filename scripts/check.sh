#!/usr/bin/env bash
# make check: the project's style gates.
#   - clippy on the loader as the kernel builds it (make LLVM=1 CLIPPY=1, with
#     Debian's clippy-driver matching rustc 1.96), warnings are failures;
#   - rustfmt with the kernel's .rustfmt.toml on every Rust file of ours (the
#     kernel's rustfmtcheck does not follow the graft's symlinks);
#   - scripts/checkpatch.pl on the C files and on the patch series (which
#     carries no Signed-off-by: the submitter adds theirs).
set -euo pipefail
. "$(dirname "$0")/env.sh"
obj=$build/obj/test-kernel
failed=0

say "clippy: arch/arm64/kernel/kexec_zboot/kexec_zboot.o (CLIPPY=1)"
clippy_log=$build/logs/clippy.log
mkdir -p "$build/logs"
make -s -C "$ksrc" O="$obj" "${kmake_args[@]}" CLIPPY=1 CLIPPY_DRIVER=/usr/bin/clippy-driver \
	arch/arm64/kernel/kexec_zboot/kexec_zboot.o >"$clippy_log" 2>&1 || failed=1
if grep -E '^(warning|error)' "$clippy_log"; then
	failed=1
	cat "$clippy_log"
fi

say "rustfmt --check (kernel .rustfmt.toml)"
mapfile -t rust_files < <(cd "$top" && git ls-files '*.rs')
(cd "$top" && rustfmt --check --config-path "$ksrc/.rustfmt.toml" "${rust_files[@]}") || failed=1

say "checkpatch.pl on the C sources"
c_files=(arch-arm64/lib/decompress_bounded.c arch-arm64/include/linux/decompress/bounded.h
	arch-arm64/rust/helpers/cpufeature.c tests/kunit/kexec_zboot_test.c
	tests/kunit/kexec_zboot_test.h)
# --strict, except CamelCase: zlib's API names (zlib_inflateInit2) are not ours.
checkpatch=("$ksrc/scripts/checkpatch.pl" --no-tree --quiet --strict --ignore CAMELCASE)
(cd "$top" && "${checkpatch[@]}" -f "${c_files[@]}") || failed=1

say "checkpatch.pl on the patch series"
"$top/scripts/make-patches.sh" >/dev/null
for p in "$build"/patches/*.patch; do
	"${checkpatch[@]}" --no-signoff "$p" || failed=1
done

if [ $failed = 0 ]; then say "style checks clean"; else say "style checks FAILED"; fi
exit $failed
