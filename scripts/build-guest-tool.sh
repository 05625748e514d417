#!/usr/bin/env bash
# Build the guest helper build/guest/zbt (tests/guest/zbt/): a freestanding,
# static aarch64 Linux ELF in Rust, with no libc.
#
# No prebuilt aarch64 core library exists for Debian's rustc, so core is first
# compiled from the rustc's library sources for aarch64-unknown-none and cached
# under build/guest/core-<key>/ (key: rustc version + flags). rustc also wants
# a compiler_builtins crate: zbt brings a stand-in (compiler_builtins.rs) and
# its own mem*/strlen. zbt is rebuilt only when a hash over its sources, this
# script and the toolchain changes. GUEST_RUSTC / GUEST_LD override the tools.
set -euo pipefail
. "$(dirname "$0")/env.sh"

rustc=${GUEST_RUSTC:-/usr/bin/rustc}
ld=${GUEST_LD:-/usr/lib/llvm-19/bin/ld.lld}
target=aarch64-unknown-none
src=$top/tests/guest/zbt
out=$build/guest
[ -x "$rustc" ] || die "no rustc at $rustc"
[ -x "$ld" ] || die "no ld.lld at $ld"
mkdir -p "$out"

# One build at a time per build directory.
exec 9>"$out/.lock"
flock 9

rustc_id=$("$rustc" -vV)
libsrc=$("$rustc" --print sysroot)/lib/rustlib/src/rust/library
core_edition=$(sed -n 's/^edition *= *"\(.*\)"/\1/p' "$libsrc/core/Cargo.toml" | head -n1)
common=(--target "$target" -C panic=abort -C relocation-model=static -C debuginfo=0
	-C force-unwind-tables=no)
core_flags=(--crate-type rlib --crate-name core --edition "${core_edition:-2024}" -C opt-level=s
	-C codegen-units=16 "${common[@]}")
core_key=$(printf '%s\n' "$rustc_id" "${core_flags[@]}" | sha256sum | cut -c1-16)
core_dir=$out/core-$core_key
core=$core_dir/libcore.rlib

if [ ! -f "$core" ]; then
	say "building core for $target (one-off, about a minute)"
	rm -rf "$core_dir.tmp"
	mkdir -p "$core_dir.tmp"
	RUSTC_BOOTSTRAP=1 "$rustc" "${core_flags[@]}" \
		-o "$core_dir.tmp/libcore.rlib" "$libsrc/core/src/lib.rs"
	rm -rf "$core_dir"
	mv "$core_dir.tmp" "$core_dir"
	# Drop cores built by other toolchains or flags.
	for old in "$out"/core-*; do
		[ "$old" = "$core_dir" ] || rm -rf "$old"
	done
fi

deps=(-L "dependency=$core_dir" --extern "core=$core")
builtins=$out/deps/libcompiler_builtins.rlib
builtins_flags=(--crate-type rlib --crate-name compiler_builtins --edition 2021 "${common[@]}"
	-C opt-level=s "${deps[@]}")
zbt_flags=(--crate-type bin --crate-name zbt --edition 2021 "${common[@]}"
	-C opt-level=s -C codegen-units=1 -C lto=fat -C strip=symbols
	"${deps[@]}" --extern "compiler_builtins=$builtins"
	-C linker="$ld" -C linker-flavor=ld.lld
	-C link-arg=-static -C link-arg=--gc-sections
	-C link-arg=-znoexecstack -C link-arg=--build-id=none)
stamp=$out/zbt.stamp
inputs=$({
	printf '%s\n' "$rustc_id" "$core_key" "${builtins_flags[@]}" "${zbt_flags[@]}"
	"$ld" --version
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
mkdir -p "$out/deps"
RUSTC_BOOTSTRAP=1 "$rustc" "${builtins_flags[@]}" -A internal_features \
	-o "$builtins" "$src/compiler_builtins.rs"
"$rustc" "${zbt_flags[@]}" -o "$out/zbt.tmp" "$src/main.rs"
# Sanity: a static little-endian aarch64 ELF executable.
head -c 20 "$out/zbt.tmp" | od -An -tx1 | tr -d ' \n' | grep -q '^7f454c460201010000000000000000000200b700$' ||
	die "$out/zbt.tmp is not an aarch64 ELF executable"
mv "$out/zbt.tmp" "$out/zbt"
echo "$inputs" >"$stamp"
say "built $out/zbt ($(stat -c %s "$out/zbt") bytes)"
