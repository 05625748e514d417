#!/usr/bin/env bash
# Build the guest helper build/guest/zbt (tests/guest/zbt/): a static aarch64
# Linux ELF in Rust on std and glibc.
#
# Debian's rustc-web cross-compiles with the arm64 build of its own std
# (libstd-rust-web-dev:arm64, the same version as the amd64 rustc, which
# scripts/setup-deps.sh unpacks into build/tools/rust-std-arm64/, the
# sysroot given to rustc) and links with the cross gcc against
# libc6-dev-arm64-cross, statically (+crt-static). zbt is rebuilt only when a
# hash over its sources, this script and the toolchain changes.
# GUEST_RUSTC / GUEST_CC / GUEST_SYSROOT override the tools.
set -euo pipefail
. "$(dirname "$0")/env.sh"

rustc=${GUEST_RUSTC:-/usr/bin/rustc}
cc=${GUEST_CC:-aarch64-linux-gnu-gcc}
target=aarch64-unknown-linux-gnu
src=$top/tests/guest/zbt
out=$build/guest
[ -x "$rustc" ] || die "no rustc at $rustc"
command -v "$cc" >/dev/null || die "no $cc (Debian gcc-aarch64-linux-gnu)"
sysroot=${GUEST_SYSROOT:-$build/tools/rust-std-arm64/usr}
stdlib=$sysroot/lib/rustlib/$target/lib
ls "$stdlib"/libstd-*.rlib >/dev/null 2>&1 ||
	die "no std for $target in $stdlib (Debian libstd-rust-web-dev:arm64; scripts/setup-deps.sh)"
mkdir -p "$out"

# One build at a time per build directory.
exec 9>"$out/.lock"
flock 9

rustc_id=$("$rustc" -vV)
zbt_flags=(--crate-type bin --crate-name zbt --edition 2021 --target "$target" --sysroot "$sysroot"
	-C panic=abort -C opt-level=s -C codegen-units=1 -C lto=fat -C strip=symbols
	-C debuginfo=0 -C target-feature=+crt-static -C linker="$cc"
	-C link-arg=-Wl,--gc-sections -C link-arg=-Wl,-z,noexecstack
	-C link-arg=-Wl,--build-id=none -D warnings)
stamp=$out/zbt.stamp
inputs=$({
	printf '%s\n' "$rustc_id" "${zbt_flags[@]}"
	"$cc" --version
	ls -l "$stdlib"
	cat "$0"
	find "$src" -type f -name '*.rs' | LC_ALL=C sort | while IFS= read -r f; do
		printf '%s\n' "${f#"$src"/}"
		cat "$f"
	done
} | sha256sum | cut -d' ' -f1)
if [ -x "$out/zbt" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$inputs" ]; then
	say "guest tool up to date: $out/zbt"
	exit 0
fi

say "building guest tool zbt"
rm -f "$stamp"
"$rustc" "${zbt_flags[@]}" -o "$out/zbt.tmp" "$src/main.rs"
# Sanity: a little-endian aarch64 ELF executable (ET_EXEC: static, not PIE),
# with no program interpreter.
head -c 20 "$out/zbt.tmp" | od -An -tx1 | tr -d ' \n' | grep -q '^7f454c460201010000000000000000000200b700$' ||
	die "$out/zbt.tmp is not an aarch64 ELF executable"
! aarch64-linux-gnu-readelf -lW "$out/zbt.tmp" | grep -qE '^ +(INTERP|DYNAMIC) ' ||
	die "$out/zbt.tmp is dynamically linked"
# Drop what the earlier no_std build left behind (its core and stand-in crates).
rm -rf "$out"/core-* "$out/deps"
mv "$out/zbt.tmp" "$out/zbt"
echo "$inputs" >"$stamp"
say "built $out/zbt ($(stat -c %s "$out/zbt") bytes)"
