# Sourced by every script: where things live and how the kernel is built.
# shellcheck shell=bash
top=${top:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
build=${BUILD:-$top/build}
artifacts=$build/artifacts
# The kernel tree a script works on: KTREE=6.12 (the default) or 7.N.
#   6.12: build/linux, objects in build/obj/<flavour>
#   7.N:  build/linux-7.N, objects in build/obj-7.N/<flavour>
ktree=${KTREE:-6.12}
case $ktree in
6.12) ksrc=$build/linux objroot=$build/obj kside=$top/arch-arm64/6.12 ;;
7.*) ksrc=$build/linux-$ktree objroot=$build/obj-$ktree kside=$top/arch-arm64/7.x ;;
*) printf 'error: KTREE=%s: 6.12 or 7.N\n' "$ktree" >&2; exit 1 ;;
esac
export PATH=/usr/lib/llvm-19/bin:$build/tools/bin:$PATH
jobs=${JOBS:-$(nproc)}
kmake_args=(ARCH=arm64 LLVM=1 RUSTC=/usr/bin/rustc HOSTRUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc
	BINDGEN="$build/tools/bin/bindgen" -j"$jobs")
say() { printf '==> %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
