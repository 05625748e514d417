#!/usr/bin/env bash
# Install everything the build and the QEMU tests need, on a fresh Debian 12 machine.
# Idempotent: each step checks first and does nothing when its result is already there.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
tools=$build/tools
mkdir -p "$build/downloads" "$tools"

say() { printf '==> %s\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
apt_quiet() { as_root env DEBIAN_FRONTEND=noninteractive apt-get -o Dpkg::Use-Pty=0 -qq "$@"; }

packages=(
	linux-source-6.12 rustc-web rust-web-src rust-web-clippy
	clang-19 lld-19 llvm-19 libclang-19-dev
	libclang-rt-19-dev # libFuzzer and the sanitizer runtimes (decompressor fuzzing)
	flex bison bc libssl-dev libelf-dev cpio kmod
	gzip zstd xz-utils lz4 lzop bzip2 python3
	python3-pefile python3-zstandard # ukify (scripts/make-uki.sh)
	qemu-system-arm sbsigntool openssl
	gcc-aarch64-linux-gnu libc6-dev-arm64-cross dpkg-dev patch
	qemu-efi-aarch64 # UEFI firmware (AAVMF) + snakeoil Secure Boot keys
)

# The guest side is arm64: busybox and zbt's Rust std (downloaded below).
updated=
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
	say "adding the arm64 architecture to dpkg"
	as_root dpkg --add-architecture arm64
	apt_quiet update
	updated=1
fi

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	say "installing Debian packages: ${missing[*]}"
	[ -n "$updated" ] || apt_quiet update
	updated=1
	apt_quiet install -y --no-install-recommends "${missing[@]}" >/dev/null
fi

# zbt (tests/guest/zbt, scripts/build-guest-tool.sh) links Rust's std for
# aarch64-unknown-linux-gnu: the arm64 build of the std that rustc-web ships
# for the host, libstd-rust-web-dev:arm64 at exactly rustc-web's version (its
# rlibs only work with that rustc). Downloaded and unpacked into
# build/tools/rust-std-arm64/ (a sysroot holding only that target's rlibs),
# never installed: installing it would pull arm64 LLVM and friends onto the
# host and pin the amd64 copies of what they share.
rust_version=$(dpkg-query -W -f='${Version}' rustc-web)
rust_std=$tools/rust-std-arm64
if [ "$(cat "$rust_std/version" 2>/dev/null)" != "$rust_version" ]; then
	say "downloading libstd-rust-web-dev:arm64 $rust_version (unpacked into $rust_std)"
	[ -n "$updated" ] || apt_quiet update
	updated=1
	rm -f "$build"/downloads/libstd-rust-web-dev_*_arm64.deb
	(cd "$build/downloads" &&
		apt-get -qq -o APT::Sandbox::User=root download "libstd-rust-web-dev:arm64=$rust_version")
	rm -rf "$rust_std"
	dpkg-deb -x "$build"/downloads/libstd-rust-web-dev_*_arm64.deb "$rust_std"
	echo "$rust_version" >"$rust_std/version"
fi

# arm64 userspace for the guest initramfs (downloaded, never installed on the host).
if ! ls "$build"/downloads/busybox-static_*_arm64.deb >/dev/null 2>&1; then
	say "downloading busybox-static:arm64"
	[ -n "$updated" ] || apt_quiet update
	(cd "$build/downloads" && apt-get -qq -o APT::Sandbox::User=root download busybox-static:arm64)
fi

# bindgen: Debian's 0.60 is older than 6.12's minimum (0.65.1).
if ! "$tools/bin/bindgen" --version 2>/dev/null | grep -q '^bindgen 0\.71'; then
	say "building bindgen-cli 0.71 from crates.io (about 2 minutes)"
	LIBCLANG_PATH=/usr/lib/llvm-19/lib cargo install --quiet --locked \
		--root "$tools" bindgen-cli --version '^0.71'
fi
say "dependencies ready"
