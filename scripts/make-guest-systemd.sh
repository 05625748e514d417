#!/usr/bin/env bash
# The guest side of the systemd scenarios (tests/e2e/systemd_e2e.py): Debian
# sid's unmodified `systemctl` (systemd >= 261 calls kexec_file_load(2) itself
# on the default Boot Loader Spec entry), with only what its ELF files need.
#
#   build/guest/systemd-root/      the files, as the guest sees them
#   build/guest/systemd-root.txt   their list: guest path, size, package version
#   build/guest/systemd.cpio       them as a newc cpio
#   build/guest/initramfs-systemd.cpio
#                                  build/guest/initramfs.cpio + systemd.cpio
#                                  + uki-stage2.cpio (make-guest.sh),
#                                  concatenated (the kernel unpacks every archive
#                                  of an initramfs), so other boots stay small
#
# The arm64 .debs of systemd, libsystemd-shared and libc6 come from Debian's
# newest suites through the private apt state of scripts/apt-newer.sh into
# build/downloads/; they are only unpacked (dpkg-deb -x), never installed.
# .debs already there are reused (offline re-runs); SYSTEMD_REFRESH=1 looks
# for newer ones. Run by scripts/make-guest.sh after the test initramfs.
set -euo pipefail
. "$(dirname "$0")/env.sh"
. "$top/scripts/apt-newer.sh"

g=$build/guest
downloads=$build/downloads
gen=$build/obj/test-kernel/usr/gen_init_cpio
base=$g/initramfs.cpio
[ -x "$gen" ] || die "$gen missing: build the test kernel first"
[ -s "$base" ] || die "$base missing: run scripts/make-guest.sh"
[ -s "$g/uki-stage2.cpio" ] || die "$g/uki-stage2.cpio missing: run scripts/make-guest.sh"
mkdir -p "$downloads"
# llvm-19 is always installed (scripts/setup-deps.sh); binutils may not be.
readelf=$(command -v llvm-readelf || command -v readelf) || die "no readelf"

packages=(systemd libsystemd-shared libc6)

# The newest .deb of PKG for arm64 in build/downloads, if any.
have_deb() {
	ls "$downloads/$1"_*_arm64.deb 2>/dev/null | sort -V | tail -n1 || true
}

debs=()
for pkg in "${packages[@]}"; do
	deb=$(have_deb "$pkg")
	if [ -z "$deb" ] || [ -n "${SYSTEMD_REFRESH:-}" ]; then
		[ -n "${updated:-}" ] || { newer_apt_update >&2; updated=1; }
		deb=$(newer_apt_download "$pkg:arm64" "$downloads")
	fi
	debs+=("$deb")
done
sd_version=$(dpkg-deb -f "${debs[0]}" Version)
shared_version=$(dpkg-deb -f "${debs[1]}" Version)
libc_version=$(dpkg-deb -f "${debs[2]}" Version)
[ "$sd_version" = "$shared_version" ] ||
	die "systemd $sd_version and libsystemd-shared $shared_version differ: SYSTEMD_REFRESH=1 $0"
# Before 261, systemctl kexec ran /usr/sbin/kexec instead of kexec_file_load(2).
[ "${sd_version%%[.~+-]*}" -ge 261 ] 2>/dev/null ||
	die "systemd $sd_version: systemctl kexec calls kexec_file_load(2) only from 261 on"

# The base initramfs is rebuilt on every run; the systemd archive only when the
# packages or this script change.
stamp="systemd $sd_version libc6 $libc_version"
if [ -s "$g/systemd.cpio" ] && [ "$(cat "$g/systemd.stamp" 2>/dev/null)" = "$stamp" ] &&
	[ "$g/systemd.cpio" -nt "$0" ] && [ -s "$g/systemd-root.txt" ]; then
	cat "$base" "$g/systemd.cpio" "$g/uki-stage2.cpio" >"$g/initramfs-systemd.cpio.tmp"
	mv "$g/initramfs-systemd.cpio.tmp" "$g/initramfs-systemd.cpio"
	say "systemd initramfs: $(du -h "$g/initramfs-systemd.cpio" | cut -f1)" \
		"(systemd $sd_version, glibc $libc_version: up to date)"
	exit 0
fi

say "unpacking systemd $sd_version and glibc $libc_version (arm64, Debian) for the guest"
x=$g/systemd-debs
rm -rf "$x" "$g/systemd-root"
mkdir -p "$x"
for deb in "${debs[@]}"; do
	dpkg-deb -x "$deb" "$x"
done

# The minimal set: systemctl, its private library, and what their DT_NEEDED
# entries name (checked below), with the dynamic loader at the path the
# binaries' PT_INTERP names.
arch_lib=usr/lib/aarch64-linux-gnu
shared=$(cd "$x" && ls $arch_lib/systemd/libsystemd-shared-*.so 2>/dev/null | head -n1 || true)
[ -n "$shared" ] || die "no libsystemd-shared-*.so in ${debs[1]}"
interp=$("$readelf" -lW "$x/usr/bin/systemctl" |
	sed -n 's/.*Requesting program interpreter: \(.*\)\]/\1/p')
[ "$interp" = /lib/ld-linux-aarch64.so.1 ] || die "unexpected interpreter '$interp'"
files=(
	"usr/bin/systemctl=usr/bin/systemctl=systemd"
	"$shared=$shared=libsystemd-shared"
	"$arch_lib/libc.so.6=$arch_lib/libc.so.6=libc6"
	"$arch_lib/libm.so.6=$arch_lib/libm.so.6=libc6"
	"${interp#/}=$arch_lib/ld-linux-aarch64.so.1=libc6"
)
r=$g/systemd-root
for f in "${files[@]}"; do
	IFS== read -r guest host _ <<<"$f"
	mkdir -p "$r/$(dirname "$guest")"
	cp -L "$x/$host" "$r/$guest"
done

# Every DT_NEEDED of every ELF file must be in the set.
for f in "${files[@]}"; do
	guest=${f%%=*}
	while read -r lib; do
		[ "$lib" = "$(basename "$interp")" ] && continue
		found=$(find "$r" -name "$lib" | head -n1)
		[ -n "$found" ] || die "/$guest needs $lib, which the guest set lacks"
	done < <("$readelf" -dW "$r/$guest" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
done

version_of() {
	case $1 in
	systemd | libsystemd-shared) echo "$sd_version" ;;
	libc6) echo "$libc_version" ;;
	esac
}
{
	echo "# guest path, bytes, Debian package (arm64) it comes from"
	total=0
	for f in "${files[@]}"; do
		IFS== read -r guest _ pkg <<<"$f"
		size=$(stat -c %s "$r/$guest")
		total=$((total + size))
		printf '/%s\t%s\t%s %s\n' "$guest" "$size" "$pkg" "$(version_of "$pkg")"
	done
	printf 'total\t%s\n' "$total"
} >"$g/systemd-root.txt"
rm -rf "$x"

spec=$g/systemd.cpio.spec
{
	echo "dir /run 0755 0 0"
	for f in "${files[@]}"; do
		guest=${f%%=*}
		dir=$(dirname "/$guest")
		parents=()
		while [ "$dir" != / ]; do
			parents=("dir $dir 0755 0 0" "${parents[@]}")
			dir=$(dirname "$dir")
		done
		printf '%s\n' "${parents[@]}"
		case $guest in
		usr/bin/* | lib/ld-*) mode=0755 ;;
		*) mode=0644 ;;
		esac
		echo "file /$guest $r/$guest $mode 0 0"
	done
} | awk '!($1 == "dir" && seen[$2]++)' >"$spec"
"$gen" "$spec" >"$g/systemd.cpio.tmp"
mv "$g/systemd.cpio.tmp" "$g/systemd.cpio"
cat "$base" "$g/systemd.cpio" "$g/uki-stage2.cpio" >"$g/initramfs-systemd.cpio.tmp"
mv "$g/initramfs-systemd.cpio.tmp" "$g/initramfs-systemd.cpio"
echo "$stamp" >"$g/systemd.stamp"
sed 's/^/    /' "$g/systemd-root.txt"
say "systemd initramfs: $(du -h "$g/initramfs-systemd.cpio" | cut -f1)" \
	"(the test initramfs + $(du -h "$g/systemd.cpio" | cut -f1) of systemd $sd_version," \
	"glibc $libc_version)"
