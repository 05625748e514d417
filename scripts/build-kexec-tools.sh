#!/usr/bin/env bash
# Build static aarch64 kexec binaries from Debian's kexec-tools source packages:
#   build/artifacts/kexec            sid's 2.0.32 + Debian's patches
#                                    + tests/kexec-tools/2.0.32/*.patch
#   build/artifacts/kexec-unpatched  the same 2.0.32 without our series: what
#                                    users of kexec-tools >= 2.0.27 run today
#   build/artifacts/kexec-2.0.25     bookworm's 2.0.25 + Debian's patches
#                                    + tests/kexec-tools/2.0.25/*.patch
#   build/artifacts/kexec-2.0.25-unpatched
#                                    bookworm's 2.0.25 as Debian ships it (it
#                                    refuses zboot images)
# Each is linked statically with zlib, the 2.0.32 ones with libzstd too (zstd
# zboot images), from bookworm's zlib1g-dev:arm64 and libzstd-dev:arm64:
# downloaded (never installed) and unpacked into build/kexec-tools/sysroot.
# Only build/sbin/kexec is built.
#
# Usage: scripts/build-kexec-tools.sh [--force]
#
# Sources: 2.0.32 through the private apt state of scripts/apt-newer.sh (sid),
# 2.0.25 through a private deb-src twin of the machine's own (bookworm) Debian
# entries in build/apt/; `apt-get source --download-only` of the newest Debian
# revision of that upstream version. apt checks each file's hash against the
# Sources index, which is signed with the Debian archive key
# (debian-archive-keyring): that is what vouches for them. dpkg-source -x then
# also tries the .dsc's own OpenPGP signature, which needs the uploader's key
# (debian-keyring, not installed): it warns "cannot verify inline signature".
#
# If the mirror serves the .dsc and the upstream tarball but not the Debian
# tarball of that revision (seen: sid's kexec-tools_2.0.32-3.debian.tar.xz
# answered 404 while its .dsc was listed), the upstream tarball is used with
# debian/ of the newest revision the mirror serves whole, and the patches of
# its debian/patches/series that still apply; the ones that do not are named.
#
# Idempotent: a binary newer than this script and its patches is kept (no
# network then); --force rebuilds them all. Everything lives under build/.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/env.sh
. "$top/scripts/env.sh"
# shellcheck source=scripts/apt-newer.sh
. "$top/scripts/apt-newer.sh"

force=
case "${1:-}" in
--force) force=1 ;;
"") ;;
*) die "usage: $0 [--force]" ;;
esac

patchdir=$top/tests/kexec-tools
kt=$build/kexec-tools
dl=$build/downloads/kexec-tools
sysroot=$kt/sysroot
host=aarch64-linux-gnu

# name  output  upstream version  suite  series  zstd
variants=(
	"patched kexec 2.0.32 sid 2.0.32 yes"
	"unpatched kexec-unpatched 2.0.32 sid - yes"
	"2.0.25 kexec-2.0.25 2.0.25 bookworm 2.0.25 no"
	"2.0.25-unpatched kexec-2.0.25-unpatched 2.0.25 bookworm - no"
)

series_of() { # dir or -: the patch files, in order (not the cover letter)
	[ "$1" != - ] || return 0
	find "$patchdir/$1" -maxdepth 1 -name '*.patch' ! -name '0000-*' | sort
}

fresh() { # output series
	local out=$artifacts/$1 dep
	[ -z "$force" ] && [ -f "$out" ] || return 1
	for dep in "$0" $(series_of "$2"); do
		[ "$out" -nt "$dep" ] || return 1
	done
}

todo=()
for v in "${variants[@]}"; do
	read -r name out upstream suite series zstd <<<"$v"
	if [ "$series" != - ] && [ -z "$(series_of "$series")" ]; then
		die "no patches in ${patchdir#"$top"/}/$series"
	fi
	fresh "$out" "$series" || todo+=("$v")
done
if [ ${#todo[@]} -eq 0 ]; then
	say "kexec-tools: ${artifacts#"$top"/}/kexec{,-unpatched,-2.0.25,-2.0.25-unpatched} are up to date"
	exit 0
fi

# Tools: the cross compiler (scripts/setup-deps.sh), dpkg-source, file.
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
missing=()
for p in gcc-aarch64-linux-gnu libc6-dev-arm64-cross binutils-aarch64-linux-gnu \
	dpkg-dev make xz-utils patch file; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	say "installing Debian packages: ${missing[*]}"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get -qq update
	as_root env DEBIAN_FRONTEND=noninteractive apt-get -qq install -y \
		--no-install-recommends "${missing[@]}" >/dev/null
fi
mkdir -p "$kt" "$dl" "$artifacts" "$build/downloads"

# --- static zlib and libzstd for arm64 ----------------------------------------
# Bookworm's, from the machine's own apt: built against the same glibc (2.36)
# as libc6-dev-arm64-cross, so the static archives link.
apt_dl_opts=(-qq)
[ "$(id -u)" -ne 0 ] || apt_dl_opts+=(-o APT::Sandbox::User=root)
apt_updated=
newest_deb() { find "$build/downloads" -maxdepth 1 -name "$1_*_arm64.deb" | sort -V | tail -n1; }
fetch_deb() { # NAME: NAME:arm64 into build/downloads/, once
	[ -z "$(newest_deb "$1")" ] || return 0
	if ! dpkg --print-foreign-architectures | grep -qx arm64; then
		say "kexec-tools: adding the arm64 dpkg architecture"
		as_root dpkg --add-architecture arm64
		apt_updated=
	fi
	say "kexec-tools: downloading $1:arm64"
	if ! (cd "$build/downloads" && apt-get "${apt_dl_opts[@]}" download "$1:arm64" 2>/dev/null); then
		[ -n "$apt_updated" ] || as_root env DEBIAN_FRONTEND=noninteractive apt-get -qq update
		apt_updated=1
		(cd "$build/downloads" && apt-get "${apt_dl_opts[@]}" download "$1:arm64") ||
			die "apt-get download $1:arm64 failed"
	fi
	[ -n "$(newest_deb "$1")" ] || die "apt-get download $1:arm64 left no .deb in build/downloads"
}
libdebs=()
for p in zlib1g-dev libzstd-dev; do
	fetch_deb "$p"
	libdebs+=("$(newest_deb "$p")")
done
want=$(printf '%s\n' "${libdebs[@]##*/}")
if [ "$(cat "$sysroot/.debs" 2>/dev/null)" != "$want" ]; then
	say "kexec-tools: unpacking ${libdebs[*]##*/} into ${sysroot#"$top"/}"
	rm -rf "$sysroot" "$sysroot.tmp"
	mkdir -p "$sysroot.tmp"
	for d in "${libdebs[@]}"; do dpkg-deb -x "$d" "$sysroot.tmp"; done
	echo "$want" >"$sysroot.tmp/.debs"
	mv "$sysroot.tmp" "$sysroot"
fi
libdir=$sysroot/usr/lib/$host
for f in "$libdir/libz.a" "$libdir/libzstd.a" "$sysroot/usr/include/zlib.h" \
	"$sysroot/usr/include/zstd.h"; do
	[ -f "$f" ] || die "$f missing from ${libdebs[*]##*/}"
done

# --- source packages ------------------------------------------------------------
# The bookworm deb-src twin of the machine's Debian entries (other
# repositories, e.g. vendors' binary-only ones, are left out).
bookworm_aptdir=$build/apt
bookworm_opts=(-o Dir::Etc::SourceList=/dev/null
	-o Dir::Etc::SourceParts="$bookworm_aptdir/sources.list.d"
	-o Dir::State::Lists="$bookworm_aptdir/lists"
	-o Dir::Cache="$bookworm_aptdir/cache")
[ "$(id -u)" -ne 0 ] || bookworm_opts+=(-o APT::Sandbox::User=root)
bookworm_apt() { apt-get "${bookworm_opts[@]}" "$@"; }
bookworm_apt_cache() { apt-cache "${bookworm_opts[@]}" "$@"; }
bookworm_apt_update() {
	mkdir -p "$bookworm_aptdir/sources.list.d" "$bookworm_aptdir/lists/partial" \
		"$bookworm_aptdir/cache/archives/partial"
	rm -f "$bookworm_aptdir"/sources.list.d/*
	local f
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk 'BEGIN { RS = ""; ORS = "\n\n" }
		     /(^|\n)URIs:[^\n]*debian/ && !/(^|\n)Enabled:[ \t]*no/ {
			     sub(/Types:[^\n]*/, "Types: deb-src"); print }' "$f" \
			>"$bookworm_aptdir/sources.list.d/$(basename "$f")"
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		sed -nE '/debian/s/^[[:space:]]*deb[[:space:]]/deb-src /p' "$f" \
			>"$bookworm_aptdir/sources.list.d/$(basename "$f" .list)-src.list"
	done
	grep -qs '^Types: deb-src\|^deb-src' "$bookworm_aptdir"/sources.list.d/* ||
		die "no Debian entries in /etc/apt/sources.list{,.d} to make deb-src ones from"
	say "kexec-tools: updating the private deb-src index in ${bookworm_aptdir#"$top"/}"
	bookworm_apt -qq update || die "apt-get update of ${bookworm_aptdir#"$top"/} failed"
}

# The files a .dsc lists (its Files: section).
dsc_files() { awk '/^Files:/ { f = 1; next } /^[^ ]/ { f = 0 } f && NF == 3 { print $3 }' "$1"; }
dsc_whole() { # DSC: every file it lists is in $dl
	local f
	[ -f "$1" ] || return 1
	for f in $(dsc_files "$1"); do [ -f "$dl/$f" ] || return 1; done
}
dsc_of() { echo "$dl/kexec-tools_${1#*:}.dsc"; } # VERSION

# fetch SUITE VERSION: apt-get source --download-only, into $dl; true if whole.
fetch() {
	local apt=${1}_apt
	[ "$1" = sid ] && apt=newer_apt
	dsc_whole "$(dsc_of "$2")" && return 0
	say "kexec-tools: fetching kexec-tools $2 ($([ "$1" = sid ] && echo "trixie/sid apt" || echo "$1 deb-src"))"
	(cd "$dl" && "$apt" -qq source --download-only "kexec-tools=$2" >/dev/null 2>"$kt/apt.err") ||
		sed 's/^/    /' "$kt/apt.err" >&2
	dsc_whole "$(dsc_of "$2")"
}

# Versions of kexec-tools in SUITE's Sources, newest first.
versions() {
	local cache=${1}_apt_cache
	[ "$1" = sid ] && cache=newer_apt_cache
	"$cache" showsrc kexec-tools 2>/dev/null | awk '/^Version:/ { print $2 }' | sort -uVr
}

declare -A updated=() picked=() packaging=()
# pick SUITE UPSTREAM: sets picked[SUITE/UPSTREAM] to the Debian version whose
# source is used, and packaging[...] to the version whose debian/ is used.
pick() {
	local suite=$1 up=$2 key=$1/$2 v orig all
	[ -z "${picked[$key]:-}" ] || return 0
	if [ -z "${updated[$suite]:-}" ]; then
		if [ "$suite" = sid ]; then newer_apt_update; else bookworm_apt_update; fi
		updated[$suite]=1
	fi
	mapfile -t all < <(versions "$suite")
	for v in "${all[@]}"; do
		case ${v#*:} in "$up"-*) picked[$key]=$v; break ;; esac
	done
	[ -n "${picked[$key]:-}" ] ||
		die "no kexec-tools $up source package in $suite (found: ${all[*]:-none})"
	if fetch "$suite" "${picked[$key]}"; then
		packaging[$key]=${picked[$key]}
		return 0
	fi
	[ -f "$(dsc_of "${picked[$key]}")" ] || die "apt-get source did not fetch kexec-tools ${picked[$key]}"
	orig=$(dsc_files "$(dsc_of "${picked[$key]}")" | grep '\.orig\.tar\.' || true)
	[ -n "$orig" ] && [ -f "$dl/$orig" ] ||
		die "apt-get source did not fetch the upstream tarball of kexec-tools ${picked[$key]}"
	for v in "${all[@]}"; do
		[ "$v" != "${picked[$key]}" ] || continue
		if fetch "$suite" "$v"; then
			packaging[$key]=$v
			say "kexec-tools: the Debian tarball of ${picked[$key]} is not on the mirror;" \
				"using its upstream tarball with debian/ of $v"
			return 0
		fi
	done
	die "no kexec-tools source package in $suite can be fetched whole"
}

# unpack KEY DEST: the source tree, Debian's patches applied; writes DEST.SOURCE.
unpack() {
	local key=$1 dest=$2 v=${picked[$1]} pv=${packaging[$1]} dsc orig p skipped=()
	dsc=$(dsc_of "$v")
	rm -rf "$dest"
	if [ "$v" = "$pv" ]; then
		say "kexec-tools: unpacking kexec-tools $v into ${dest#"$top"/}"
		dpkg-source -x "$dsc" "$dest" 2>&1 |
			{ grep -v '^dpkg-source: info:' || true; } | sed 's/^/    /' >&2
		[ -f "$dest/configure" ] || die "dpkg-source -x $dsc failed"
		echo "kexec-tools $v (Debian source package, debian/patches applied by dpkg-source)" \
			>"$dest.SOURCE"
		return 0
	fi
	say "kexec-tools: unpacking the upstream tarball of $v with debian/ of $pv into ${dest#"$top"/}"
	orig=$(dsc_files "$dsc" | grep '\.orig\.tar\.')
	mkdir -p "$dest"
	tar -xf "$dl/$orig" -C "$dest" --strip-components=1
	tar -xf "$dl/$(dsc_files "$(dsc_of "$pv")" | grep '\.debian\.tar\.')" -C "$dest"
	[ -f "$dest/configure" ] && [ -d "$dest/debian" ] || die "unpacking $orig failed"
	while read -r p _; do
		case $p in "" | \#*) continue ;; esac
		if patch -d "$dest" -p1 -F0 -s --dry-run -i "debian/patches/$p" >/dev/null 2>&1; then
			patch -d "$dest" -p1 -F0 -s --no-backup-if-mismatch -i "debian/patches/$p"
		else
			skipped+=("$p")
		fi
	done <"$dest/debian/patches/series"
	[ ${#skipped[@]} -eq 0 ] ||
		say "kexec-tools: Debian patches of $pv that do not apply to $v, left out: ${skipped[*]}"
	echo "kexec-tools $v: upstream tarball + debian/patches of $pv" \
		"(left out: ${skipped[*]:-none}); $v's Debian tarball was not on the mirror" \
		>"$dest.SOURCE"
}

# --- build ------------------------------------------------------------------------
build_one() { # name output upstream suite series zstd
	local name=$1 out=$artifacts/$2 key=$4/$3 series=$5 zstd=$6 src p t0=$SECONDS
	local conf=(--host=$host --without-xen --without-lzma --with-zlib)
	pick "$4" "$3"
	src=$kt/$name/src
	mkdir -p "$kt/$name"
	unpack "$key" "$src"
	for p in $(series_of "$series"); do
		say "kexec-tools: applying ${p#"$top"/}"
		patch -d "$src" -p1 -F0 -s --no-backup-if-mismatch -i "$p" ||
			die "${p#"$top"/} does not apply to kexec-tools ${picked[$key]}"
		echo "  + ${p#"$top"/}" >>"$src.SOURCE"
	done
	if [ "$zstd" = yes ]; then conf+=(--with-zstd); else conf+=(--without-zstd); fi
	say "kexec-tools: building ${out#"$top"/} (static $host, ${conf[*]:1})"
	(
		cd "$src"
		./configure -q "${conf[@]}" CPPFLAGS="-I$sysroot/usr/include" \
			LDFLAGS="-static -L$libdir" >configure.log 2>&1 ||
			{ tail -30 configure.log >&2; tail -30 config.log >&2; exit 1; }
		make -s -j"$jobs" build/sbin/kexec >make.log 2>&1 ||
			{ tail -50 make.log >&2; exit 1; }
	) || die "building kexec-tools ${picked[$key]} ($name) failed: see ${src#"$top"/}/{configure,make}.log"
	grep -q '^#define HAVE_LIBZ 1' "$src/include/config.h" ||
		die "$name: configure did not find the static zlib in ${sysroot#"$top"/}"
	$host-nm "$src/build/sbin/kexec" >"$kt/$name/nm.txt"
	grep -qw 'T inflate' "$kt/$name/nm.txt" || die "$name: zlib is not linked in"
	if [ "$zstd" = yes ]; then
		grep -q '^#define HAVE_LIBZSTD 1' "$src/include/config.h" ||
			die "$name: configure did not find the static libzstd in ${sysroot#"$top"/}"
		grep -qw 'T ZSTD_decompressStream' "$kt/$name/nm.txt" ||
			die "$name: libzstd is not linked in"
	fi
	$host-strip -o "$out.tmp" "$src/build/sbin/kexec"
	if $host-readelf -l "$out.tmp" | grep -q 'INTERP'; then
		die "${out#"$top"/} is not static"
	fi
	case $(file -b "$out.tmp") in
	*"ARM aarch64"*"statically linked"*) ;;
	*) die "${out#"$top"/} is not a static aarch64 ELF: $(file -b "$out.tmp")" ;;
	esac
	mv "$out.tmp" "$out"
	say "kexec-tools: ${out#"$top"/} built in $((SECONDS - t0))s: kexec-tools ${picked[$key]}," \
		"$([ "$series" = - ] && echo "no patches of ours" || echo "tests/kexec-tools/$series"), static" \
		"with zlib$([ "$zstd" = no ] || echo " and libzstd"); provenance in ${src#"$top"/}.SOURCE"
}

for v in "${todo[@]}"; do
	# shellcheck disable=SC2086
	build_one $v
done
say "kexec-tools: done"
