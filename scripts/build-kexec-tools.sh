#!/usr/bin/env bash
# Build static aarch64 kexec binaries from Debian's kexec-tools source package:
#   build/artifacts/kexec            Debian's patches + tests/kexec-tools/*.patch
#   build/artifacts/kexec-unpatched  Debian's patches only (what bookworm ships)
#
# Usage: scripts/build-kexec-tools.sh [--force]
#
# The source comes from the newest kexec-tools in the deb-src twin of the
# machine's apt sources, fetched with a private apt state under build/apt/ so
# the system's apt configuration is left alone.  apt checks the downloaded
# files' hashes against the Sources index, which is signed with the Debian
# archive key (debian-archive-keyring): that is what vouches for them.
# dpkg-source -x then checks the files against the .dsc and tries the .dsc's
# own OpenPGP signature, which needs the uploader's key: bookworm's
# debian-keyring (2022.12.24) does not have the key that signed the current
# bookworm upload, so it is not installed and dpkg-source prints a "cannot
# verify inline signature" warning.
#
# Idempotent: does nothing when both binaries are newer than this script and
# the patches.  Everything it writes lives under build/.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/env.sh
. "$top/scripts/env.sh"

force=
case "${1:-}" in
--force) force=1 ;;
"") ;;
*) die "usage: $0 [--force]" ;;
esac

patchdir=$top/tests/kexec-tools
kbuild=$build/kexec-tools
downloads=$build/downloads/kexec-tools
aptdir=$build/apt
host=aarch64-linux-gnu
outputs=("$artifacts/kexec" "$artifacts/kexec-unpatched")

shopt -s nullglob
patches=("$patchdir"/*.patch)
shopt -u nullglob
[ ${#patches[@]} -gt 0 ] || die "no patches in $patchdir"

up_to_date() {
	local out dep
	for out in "${outputs[@]}"; do
		[ -f "$out" ] || return 1
		for dep in "$0" "${patches[@]}"; do
			[ "$out" -nt "$dep" ] || return 1
		done
	done
}
if [ -z "$force" ] && up_to_date; then
	say "kexec-tools: ${artifacts#"$top"/}/kexec and kexec-unpatched are up to date"
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

# A private apt whose sources are deb-src twins of the system's Debian entries
# (other repositories, e.g. vendors' binary-only ones, are left out).
mkdir -p "$aptdir/sources.list.d" "$aptdir/lists/partial" \
	"$aptdir/cache/archives/partial" "$downloads"
rm -f "$aptdir"/sources.list.d/*
for f in /etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] || continue
	awk 'BEGIN { RS = ""; ORS = "\n\n" }
	     /(^|\n)URIs:[^\n]*debian/ && !/(^|\n)Enabled:[ \t]*no/ {
		     sub(/Types:[^\n]*/, "Types: deb-src"); print }' "$f" \
		>"$aptdir/sources.list.d/$(basename "$f")"
done
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
	[ -f "$f" ] || continue
	sed -nE '/debian/s/^[[:space:]]*deb[[:space:]]/deb-src /p' "$f" \
		>"$aptdir/sources.list.d/$(basename "$f" .list)-src.list"
done
grep -qs '^Types: deb-src\|^deb-src' "$aptdir"/sources.list.d/* ||
	die "no Debian entries in /etc/apt/sources.list{,.d} to make deb-src ones from"
apt_opts=(-o Dir::Etc::SourceList=/dev/null
	-o Dir::Etc::SourceParts="$aptdir/sources.list.d"
	-o Dir::State::Lists="$aptdir/lists"
	-o Dir::Cache="$aptdir/cache")
# Downloads land in build/, which apt's unprivileged _apt user cannot write;
# as root, have apt download as root instead of warning about it per file.
[ "$(id -u)" -ne 0 ] || apt_opts+=(-o APT::Sandbox::User=root)

say "kexec-tools: updating the private deb-src index in build/apt"
apt-get "${apt_opts[@]}" -qq update

# The .dsc apt would fetch (newest version), then the source package itself.
dsc=$(apt-get "${apt_opts[@]}" source --print-uris kexec-tools 2>/dev/null |
	awk "/^'.*\\.dsc' /{print \$2; exit}")
[ -n "$dsc" ] || die "apt-get source found no kexec-tools source package"
say "kexec-tools: fetching ${dsc%.dsc}"
(cd "$downloads" && apt-get "${apt_opts[@]}" -qq source --download-only kexec-tools >/dev/null)
[ -f "$downloads/$dsc" ] || die "apt-get source did not fetch $dsc"

# Unpack (dpkg-source applies debian/patches/series) and add our patches.
unpack() { # dir
	rm -rf "$1"
	say "kexec-tools: unpacking $dsc into ${1#"$top"/}"
	dpkg-source -x "$downloads/$dsc" "$1" 2>&1 |
		{ grep -v '^dpkg-source: info:' || true; } | sed 's/^/    /' >&2
	[ -f "$1/configure" ] || die "dpkg-source -x failed"
}
mkdir -p "$kbuild" "$artifacts"
unpack "$kbuild/src-unpatched"
unpack "$kbuild/src"
for p in "${patches[@]}"; do
	say "kexec-tools: applying ${p#"$top"/}"
	patch -d "$kbuild/src" -p1 -s --no-backup-if-mismatch -i "$p"
done

build_one() { # srcdir output
	local src=$1 out=$2
	say "kexec-tools: building ${out#"$top"/} (static $host)"
	(
		cd "$src"
		./configure -q --host=$host --without-xen --without-zlib \
			--without-lzma LDFLAGS=-static >configure.log 2>&1 ||
			{ cat configure.log >&2; exit 1; }
		make -s -j"$jobs" build/sbin/kexec >make.log 2>&1 ||
			{ tail -50 make.log >&2; exit 1; }
	)
	$host-strip -o "$out.tmp" "$src/build/sbin/kexec"
	if $host-readelf -l "$out.tmp" | grep -q 'INTERP'; then
		die "$out is not static"
	fi
	mv "$out.tmp" "$out"
	say "kexec-tools: ${out#"$top"/}: $(file -b "$out")"
}
build_one "$kbuild/src" "$artifacts/kexec"
build_one "$kbuild/src-unpatched" "$artifacts/kexec-unpatched"
say "kexec-tools: done (${dsc%.dsc})"
