# Sourced by every script: where things live and how the kernel is built.
# shellcheck shell=bash
top=${top:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
build=${BUILD:-$top/build}
ksrc=$build/linux
artifacts=$build/artifacts
export PATH=/usr/lib/llvm-19/bin:$build/tools/bin:$PATH
jobs=${JOBS:-$(nproc)}
kmake_args=(ARCH=arm64 LLVM=1 RUSTC=/usr/bin/rustc HOSTRUSTC=/usr/bin/rustc
	BINDGEN="$build/tools/bin/bindgen" -j"$jobs")
say() { printf '==> %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
