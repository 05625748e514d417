#!/usr/bin/env bash
# Build a guest initramfs (uncompressed newc cpio) with the kernel's own
# usr/gen_init_cpio, so /dev/console needs no root on the host.
#   mkinitramfs.sh OUT [GUEST_PATH=HOST_FILE]...
# Always included: /init, busybox, the zbt helper, tests/guest/scenarios/.
# Files given for /bin/ are executable.
set -euo pipefail
. "$(dirname "$0")/env.sh"
out=$1; shift
gen=$build/obj/test-kernel/usr/gen_init_cpio
[ -x "$gen" ] || die "$gen missing: build the test kernel first"

busybox=$build/guest/busybox
if [ ! -x "$busybox" ]; then
	deb=$(ls "$build"/downloads/busybox-static_*_arm64.deb 2>/dev/null | head -n1)
	[ -n "$deb" ] || die "busybox-static:arm64 not downloaded: run scripts/setup-deps.sh"
	rm -rf "$build/guest/busybox.x" && mkdir -p "$build/guest/busybox.x"
	dpkg-deb -x "$deb" "$build/guest/busybox.x"
	cp "$build/guest/busybox.x/bin/busybox" "$busybox"
	rm -rf "$build/guest/busybox.x"
fi

spec=$out.spec
{
	echo "dir /dev 0755 0 0"
	echo "nod /dev/console 0600 0 0 c 5 1"
	echo "dir /bin 0755 0 0"
	echo "dir /proc 0755 0 0"
	echo "dir /sys 0755 0 0"
	echo "dir /tmp 1777 0 0"
	echo "dir /scenarios 0755 0 0"
	echo "dir /images 0755 0 0"
	echo "file /init $top/tests/guest/init 0755 0 0"
	echo "file /bin/busybox $busybox 0755 0 0"
	[ ! -x "$build/guest/zbt" ] || echo "file /bin/zbt $build/guest/zbt 0755 0 0"
	for f in "$top"/tests/guest/scenarios/*.sh; do
		echo "file /scenarios/$(basename "$f") $f 0644 0 0"
	done
	for pair in "$@"; do
		# Parents before children: the kernel does not create missing ones.
		dir=$(dirname "${pair%%=*}")
		parents=()
		while [ "$dir" != / ]; do
			parents=("dir $dir 0755 0 0" "${parents[@]}")
			dir=$(dirname "$dir")
		done
		printf '%s\n' "${parents[@]}"
		case ${pair%%=*} in
		/bin/*) mode=0755 ;;
		*) mode=0644 ;;
		esac
		echo "file ${pair%%=*} ${pair#*=} $mode 0 0"
	done
} | awk '!($1 == "dir" && seen[$2]++)' >"$spec"
"$gen" "$spec" >"$out.tmp"
mv "$out.tmp" "$out"
