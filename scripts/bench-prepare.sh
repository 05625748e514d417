#!/usr/bin/env bash
# Everything `make bench` (tests/e2e/bench.py) boots with, under build/:
#   build/downloads/*_arm64.deb        Debian arm64 packages, fetched once
#   build/bench/sysroot/               the decompressors and the libraries they
#                                      link, unpacked from those packages
#   build/bench/debian-Image           Debian's arm64 cloud kernel, a raw Image
#   build/bench/debian-{gzip,zstd}.efi that Image wrapped as zboot images by
#                                      scripts/mkzboot.py (zstd -22 takes a
#                                      minute: redone only when inputs change)
#   build/bench/initramfs.cpio         the bench initramfs (zbt.test=bench)
#
#   bench-prepare.sh [--no-debian]
#
# The userspace route needs real arm64 gzip and zstd (busybox has no zstd).
# They are Debian's own binaries with their shared libraries and glibc's
# dynamic loader, not cross-built static ones: that is what a Debian arm64
# system runs (same build options, same libc memcpy/IO paths), the packages
# are signed by the archive, and nothing needs compiling. The ELF NEEDED
# closure is computed from the binaries, so whatever they link is shipped.
#
# Debian's kernel comes from the newest linux-image-6.12.*-cloud-arm64-unsigned
# package: the same Image as the signed package's but without the appended
# Authenticode signature, whose verification (a SHA-256 over 35 MB, then a
# rejection for an unknown key) would otherwise be charged to the raw load only
# (the zboot files mkzboot.py makes are unsigned). If only signed packages
# exist, the signature is stripped with sbattach --remove.
#
# Idempotent; a cached .deb is used as it is (no network when all is cached).
set -euo pipefail
. "$(dirname "$0")/env.sh"

debian=1
case "${1:-}" in
--no-debian) debian= ;;
"") ;;
*) die "usage: $0 [--no-debian]" ;;
esac

bench=$build/bench
dl=$build/downloads
mkdir -p "$bench" "$dl"
exec 9>"$bench/.lock"
flock 9

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
apt_opts=(-qq)
# Downloads land in build/, which apt's unprivileged _apt user cannot write.
[ "$(id -u)" -ne 0 ] || apt_opts+=(-o APT::Sandbox::User=root)
apt_updated=
apt_update() {
	[ -z "$apt_updated" ] || return 0
	say "bench: apt-get update"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get -qq update
	apt_updated=1
}
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
	say "bench: adding the arm64 dpkg architecture"
	as_root dpkg --add-architecture arm64
	apt_update
fi

# newest_deb NAME: the newest cached build/downloads/NAME_*_arm64.deb, if any.
newest_deb() {
	find "$dl" -maxdepth 1 -name "$1_*_arm64.deb" | sort -V | tail -n1
}

# fetch NAME: NAME:arm64 into build/downloads/ unless a .deb of it is there.
fetch() {
	[ -z "$(newest_deb "$1")" ] || return 0
	say "bench: downloading $1:arm64"
	if ! (cd "$dl" && apt-get "${apt_opts[@]}" download "$1:arm64" 2>/dev/null); then
		apt_update
		(cd "$dl" && apt-get "${apt_opts[@]}" download "$1:arm64")
	fi
	[ -n "$(newest_deb "$1")" ] || die "apt-get download $1:arm64 left no .deb in $dl"
}

# --- the userspace decompressors and their libraries ---------------------------
packages=(gzip zstd libc6 zlib1g liblzma5 liblz4-1 libzstd1)
debs=()
for p in "${packages[@]}"; do
	fetch "$p"
	debs+=("$(newest_deb "$p")")
done
sysroot=$bench/sysroot
stamp=$sysroot/.debs
want=$(printf '%s\n' "${debs[@]##*/}")
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
	say "bench: unpacking ${#debs[@]} arm64 packages into ${sysroot#"$top"/}"
	rm -rf "$sysroot" "$sysroot.tmp"
	mkdir -p "$sysroot.tmp"
	for d in "${debs[@]}"; do dpkg-deb -x "$d" "$sysroot.tmp"; done
	echo "$want" >"$sysroot.tmp/.debs"
	mv "$sysroot.tmp" "$sysroot"
fi

# The programs, then every library in their NEEDED closure, found where the
# dynamic loader looks (its multiarch default paths) and shipped under its
# soname in /lib/aarch64-linux-gnu/ (the loader at its PT_INTERP path).
libdirs=(lib/aarch64-linux-gnu usr/lib/aarch64-linux-gnu lib usr/lib)
progs=(/bench/bin/gzip="$sysroot/bin/gzip" /bench/bin/zstd="$sysroot/usr/bin/zstd")
needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }
interp=$(readelf -l "$sysroot/usr/bin/zstd" | sed -n 's/.*interpreter: \(.*\)\]/\1/p')
[ -n "$interp" ] || die "no PT_INTERP in $sysroot/usr/bin/zstd"
declare -A shipped=()
queue=()
for pair in "${progs[@]}"; do
	f=${pair#*=}
	[ -f "$f" ] || die "$f missing from the unpacked packages"
	mapfile -t -O "${#queue[@]}" queue < <(needed "$f")
done
libs=()
while [ ${#queue[@]} -gt 0 ]; do
	so=${queue[0]}
	queue=("${queue[@]:1}")
	[ -z "${shipped[$so]:-}" ] || continue
	found=
	for d in "${libdirs[@]}"; do
		if [ -e "$sysroot/$d/$so" ]; then
			found=$(readlink -f "$sysroot/$d/$so")
			break
		fi
	done
	[ -n "$found" ] || die "$so (NEEDED by gzip/zstd) is in none of: ${packages[*]}"
	shipped[$so]=$found
	# The loader first: mkinitramfs.sh lists a file's directories innermost
	# first, so a tree's shallowest file must come first for the unpacker to
	# create /lib before /lib/aarch64-linux-gnu.
	if [ "$so" = "$(basename "$interp")" ]; then
		libs=("$interp=$found" "${libs[@]}")
	else
		libs+=("/lib/aarch64-linux-gnu/$so=$found")
	fi
	mapfile -t -O "${#queue[@]}" queue < <(needed "$found")
done
[ -n "${shipped[$(basename "$interp")]:-}" ] || die "the dynamic loader $interp was not found"

# --- Debian's arm64 cloud kernel ------------------------------------------------
images=(
	/images/payload-Image="$artifacts/payload-Image"
	/images/vmlinuz-gzip.efi="$artifacts/vmlinuz-gzip.efi"
	/images/vmlinuz-zstd.efi="$artifacts/vmlinuz-zstd.efi"
	/images/uki-zstd.signed.efi="$artifacts/uki-zstd.signed.efi"
	# kexec-tools 2.0.32 as released and with our series
	# (scripts/build-kexec-tools.sh, run by make kernel)
	/bin/kexec="$artifacts/kexec"
	/bin/kexec-unpatched="$artifacts/kexec-unpatched"
)
kernel_deb() { # the newest cached cloud-arm64 kernel package, unsigned first
	local d
	d=$(find "$dl" -maxdepth 1 -name 'linux-image-6.12.*-cloud-arm64-unsigned_*_arm64.deb' |
		sort -V | tail -n1)
	[ -n "$d" ] || d=$(find "$dl" -maxdepth 1 -name 'linux-image-6.12.*-cloud-arm64_*_arm64.deb' |
		sort -V | tail -n1)
	echo "$d"
}
if [ -n "$debian" ]; then
	deb=$(kernel_deb)
	if [ -z "$deb" ]; then
		list() {
			apt-cache pkgnames linux-image-6.12. |
				grep -E '^linux-image-6\.12\.[0-9]+\+deb[0-9]+-cloud-arm64(-unsigned)?$' |
				sort -V || true
		}
		names=$(list)
		[ -n "$names" ] || { apt_update; names=$(list); }
		pkg=$(grep -- '-unsigned$' <<<"$names" | tail -n1 || true)
		[ -n "$pkg" ] || pkg=$(tail -n1 <<<"$names")
		[ -n "$pkg" ] || die "apt-cache knows no linux-image-6.12.*-cloud-arm64 package"
		fetch "$pkg"
		deb=$(kernel_deb)
	fi
	raw=$bench/debian-Image
	if [ ! -s "$raw" ] || [ "$(cat "$raw.src" 2>/dev/null)" != "${deb##*/}" ]; then
		say "bench: extracting /boot/vmlinuz-* from ${deb##*/}"
		rm -rf "$bench/kdeb"
		mkdir -p "$bench/kdeb"
		dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$bench/kdeb" --wildcards './boot/vmlinuz-*'
		vmlinuz=$(find "$bench/kdeb/boot" -name 'vmlinuz-*' | head -n1)
		[ -n "$vmlinuz" ] || die "no /boot/vmlinuz-* in $deb"
		if [ "$(head -c2 "$vmlinuz" | od -An -tx1 | tr -d ' ')" = 1f8b ]; then
			gzip -dc "$vmlinuz" >"$raw.tmp"
		else
			cp "$vmlinuz" "$raw.tmp"
		fi
		case ${deb##*/} in
		*-unsigned_*) ;;
		*) sbattach --remove "$raw.tmp" >/dev/null 2>&1 || true ;;
		esac
		[ "$(dd if="$raw.tmp" bs=1 skip=56 count=4 status=none | od -An -tx1 | tr -d ' ')" = 41524d64 ] ||
			die "$vmlinuz is not an arm64 Image"
		rm -rf "$bench/kdeb"
		mv "$raw.tmp" "$raw"
		echo "${deb##*/}" >"$raw.src"
	fi
	for m in gzip zstd; do
		out=$bench/debian-$m.efi
		key=$({
			sha256sum <"$raw"
			sha256sum <"$top/scripts/mkzboot.py"
			"$m" --version 2>&1 | head -n1
		} | sha256sum | cut -d' ' -f1)
		if [ ! -s "$out" ] || [ "$(cat "$out.key" 2>/dev/null)" != "$key" ]; then
			say "bench: wrapping debian-Image as zboot ($m; zstd -22 --ultra takes a minute)"
			python3 "$top/scripts/mkzboot.py" -m "$m" "$raw" "$out.tmp"
			mv "$out.tmp" "$out"
			echo "$key" >"$out.key"
		fi
	done
	images+=(
		/images/debian-Image="$raw"
		/images/debian-gzip.efi="$bench/debian-gzip.efi"
		/images/debian-zstd.efi="$bench/debian-zstd.efi"
	)
fi

# --- the bench initramfs ---------------------------------------------------------
for pair in "${images[@]}"; do
	[ -s "${pair#*=}" ] || die "${pair#*=} missing: run make guest"
done
say "bench: building ${bench#"$top"/}/initramfs.cpio"
"$top/scripts/mkinitramfs.sh" "$bench/initramfs.cpio" "${images[@]}" \
	/bench/userspace.sh="$top/tests/bench/userspace.sh" "${progs[@]}" "${libs[@]}"
say "bench: initramfs $(du -h "$bench/initramfs.cpio" | cut -f1)," \
	"shipping ${#libs[@]} libraries: ${!shipped[*]}"
