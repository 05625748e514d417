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

# The repository mirrors the kernel tree: arch-arm64/linux/ holds the new files
# of every tree at their tree paths, KSIDE/linux/ (KSIDE: arch-arm64/6.12 or
# arch-arm64/7.x) those of one tree, laid over it.
mirror_paths() { # KSIDE: every tree path the two mirrors hold, sorted
	local m
	for m in "$top/arch-arm64/linux" "$1/linux"; do
		(cd "$m" && find . \( -type f -o -type l \) -printf '%P\n')
	done | LC_ALL=C sort -u
}
mirror_file() { # KSIDE TREE_PATH: the repository file that lands there (KSIDE's first)
	local m
	for m in "$1/linux" "$top/arch-arm64/linux"; do
		if [ -L "$m/$2" ] || [ -e "$m/$2" ]; then
			realpath -e "$m/$2"
			return
		fi
	done
	return 1
}
