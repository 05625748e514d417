#!/usr/bin/env bash
# The current 7.x kernel source Debian carries: the newest linux-source-7.N of
# trixie-backports, forky and sid (7.3 and 7.2 on 2026-11-23; Debian drops a
# 7.N from these suites when 7.N+1 arrives, so whichever is there is taken).
# Downloads the .deb through the private apt state (scripts/apt-newer.sh) and
# leaves build/downloads/linux-source-7.N.tar.xz; prints its path.
#
#   fetch-linux7.sh            the newest 7.N
#   KERNEL7=7.2 fetch-linux7.sh   a given minor, if Debian still carries it
set -euo pipefail
. "$(dirname "$0")/env.sh"
. "$top/scripts/apt-newer.sh"

downloads=$build/downloads
mkdir -p "$downloads"

# Offline re-runs: a tarball already here is enough, unless a minor is asked for.
if [ -z "${KERNEL7:-}" ] && [ -z "${KERNEL7_REFRESH:-}" ]; then
	have=$(ls "$downloads"/linux-source-7.*.tar.xz 2>/dev/null | sort -V | tail -n1 || true)
	if [ -n "$have" ] && [ -f "$have.version" ]; then
		echo "$have"
		exit 0
	fi
fi

newer_apt_update >&2
mapfile -t found < <(newer_apt_cache pkgnames linux-source-7. | grep -E '^linux-source-7\.[0-9]+$' |
	sort -V)
if [ ${#found[@]} -eq 0 ]; then
	others=$(newer_apt_cache pkgnames linux-source- | grep -E '^linux-source-[0-9.]+$' |
		sort -V | tr '\n' ' ')
	die "no linux-source-7.N in ${newer_suites[*]}; Debian carries: ${others:-nothing}"
fi
pkg=${found[-1]}
if [ -n "${KERNEL7:-}" ]; then
	pkg=linux-source-$KERNEL7
	printf '%s\n' "${found[@]}" | grep -qx "$pkg" ||
		die "KERNEL7=$KERNEL7: Debian carries only ${found[*]}"
fi
minor=${pkg#linux-source-}
tarball=$downloads/$pkg.tar.xz
version=$(newer_apt_cache policy "$pkg" | awk '/Candidate:/ { print $2 }')
if [ -f "$tarball" ] && [ "$(cat "$tarball.version" 2>/dev/null)" = "$version" ]; then
	echo "$tarball"
	exit 0
fi
say "downloading $pkg $version (Debian ${found[*]/linux-source-/}; ~160 MB)" >&2
deb=$(newer_apt_download "$pkg" "$downloads")
rm -rf "$downloads/$pkg.x"
mkdir -p "$downloads/$pkg.x"
dpkg-deb --fsys-tarfile "$deb" |
	tar -C "$downloads/$pkg.x" -xf - "./usr/src/$pkg.tar.xz"
mv "$downloads/$pkg.x/usr/src/$pkg.tar.xz" "$tarball"
rm -rf "$downloads/$pkg.x" "$deb"
echo "$version" >"$tarball.version"
say "linux $minor source: $tarball" >&2
echo "$tarball"
