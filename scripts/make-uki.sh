#!/usr/bin/env bash
# UKIs made the way distributions make them: Debian's own ukify
# (systemd-ukify) around Debian's arm64 systemd-stub (systemd-boot-efi:arm64,
# linuxaa64.efi.stub), both from Debian's newest suite through the private apt
# state of scripts/apt-newer.sh (the .debs are only unpacked, never installed;
# ukify runs on the host's python3 with python3-pefile and python3-zstandard
# from scripts/setup-deps.sh). Leaves in build/artifacts/:
#
#   uki-zstd.efi          ukify build: .linux = vmlinuz-zstd.efi (the payload
#                         zboot image), .initrd = uki.initrd, .cmdline =
#                         uki.cmdline, .uname, .osrel; unsigned
#   uki-zstd.signed.efi   the same, signed with the trusted test key
#   uki-zstd-inner-signed.signed.efi
#                         the same around vmlinuz-zstd.signed.efi (an inner
#                         kernel signed on its own, as ukify signs it with
#                         --sign-kernel), signed with the trusted test key
#   uki-zstd.wrongkey.efi uki-zstd.efi signed with a key the kernel does not trust
#   uki-zstd.tamper       where to change a byte of uki-zstd.signed.efi under
#                         its signature: "WHERE OFFSET BYTE" lines for .linux,
#                         .initrd, .cmdline and the section table
#                         (scripts/tamper-pe.py)
#   uki.initrd            a small newc cpio (one file, /uki-initrd)
#   uki.cmdline           the command line ukify was given
#   uki.versions          the systemd-ukify and systemd-boot-efi versions
#
#   make-uki.sh --stage2 CPIO OUT   (scripts/make-guest.sh, once CPIO exists)
# makes OUT instead: the signed UKI with .initrd = CPIO (the second kernel's
# initramfs, build/guest/stage2.cpio) followed by uki.initrd, for clients that
# pass no initrd of their own (systemctl kexec on a type #2 entry).
#
#   make-uki.sh --firmware ZBOOT OUT   (scripts/sign-secureboot.sh)
# makes OUT, unsigned: the UKI the firmware boots in the secureboot-uki
# scenario, .linux = ZBOOT (a test kernel's own zboot image), .initrd =
# uki.initrd, .cmdline naming that scenario (under Secure Boot systemd-stub
# ignores the command line the firmware passes; it still adds the initrd
# QEMU's -initrd gives, the test initramfs, after its own).
#
# .debs already in build/downloads are reused (offline re-runs); UKI_REFRESH=1
# looks for newer ones. Run by scripts/make-kernel.sh after the zboot images.
set -euo pipefail
. "$(dirname "$0")/env.sh"
. "$top/scripts/apt-newer.sh"

stage2= firmware=
usage="usage: $0 [--stage2 CPIO OUT | --firmware ZBOOT OUT]"
case ${1:-} in
--stage2)
	[ $# -eq 3 ] || die "$usage"
	stage2=$2 stage2_out=$3
	;;
--firmware)
	[ $# -eq 3 ] || die "$usage"
	firmware=$2 firmware_out=$3
	;;
'') ;;
*) die "$usage" ;;
esac
downloads=$build/downloads
keys=$build/keys
mkdir -p "$downloads" "$artifacts"
payload=$artifacts/vmlinuz-zstd.efi
[ -s "$payload" ] || die "$payload missing: run make kernel"

# The newest .deb of PKG (name_version_arch.deb) in build/downloads, if any.
have_deb() { ls "$downloads/$1"_*_"$2".deb 2>/dev/null | sort -V | tail -n1 || true; }
fetch_deb() { # PKG ARCH
	local deb
	deb=$(have_deb "$1" "$2")
	if [ -z "$deb" ] || [ -n "${UKI_REFRESH:-}" ]; then
		[ -n "${updated:-}" ] || { newer_apt_update >&2; updated=1; }
		deb=$(newer_apt_download "$1:$2" "$downloads")
	fi
	echo "$deb"
}
ukify_deb=$(fetch_deb systemd-ukify all)
stub_deb=$(fetch_deb systemd-boot-efi arm64)
versions="systemd-ukify $(dpkg-deb -f "$ukify_deb" Version) systemd-boot-efi $(dpkg-deb -f "$stub_deb" Version)"

tools=$build/tools/ukify
if [ "$(cat "$tools/versions" 2>/dev/null)" != "$versions" ]; then
	say "unpacking $versions"
	rm -rf "$tools"
	mkdir -p "$tools"
	dpkg-deb -x "$ukify_deb" "$tools"
	dpkg-deb -x "$stub_deb" "$tools"
	echo "$versions" >"$tools/versions"
fi
ukify=$tools/usr/lib/systemd/ukify
stub=$tools/usr/lib/systemd/boot/efi/linuxaa64.efi.stub
[ -f "$ukify" ] && [ -f "$stub" ] || die "no ukify or linuxaa64.efi.stub in $ukify_deb, $stub_deb"

# The initrd and command line the UKI's signer chooses: distinct from
# anything a caller passes in the tests, so the second kernel can tell them apart.
work=$build/uki
[ -z "$stage2" ] || work=$build/uki/stage2
# Not under build/uki, which every plain run starts afresh: sign-secureboot.sh
# keeps the firmware UKIs while their inputs are unchanged.
[ -z "$firmware" ] || work=$build/uki-firmware/work
rm -rf "$work" && mkdir -p "$work/root"
echo "zboot-kexec-rs UKI initrd" >"$work/root/uki-initrd"
touch -d @0 "$work/root/uki-initrd" "$work/root"
(cd "$work/root" && printf 'uki-initrd\n' | cpio --quiet -o -H newc --reproducible -R 0:0) \
	>"$work/uki.initrd"
printf 'console=ttyAMA0 panic=-1 zbt.stage=2 zbt.from=uki-cmdline' >"$work/uki.cmdline"
printf 'ID=zboot-kexec-rs\nNAME="zboot-kexec-rs test UKI"\n' >"$work/os-release"
release=$(cat "$build/obj/payload-kernel-zstd/include/config/kernel.release" 2>/dev/null || echo unknown)
# A test kernel's zboot image: its release is the first word of its banner.
if [ -n "$firmware" ]; then
	release=$(python3 - "$firmware" <<'PY'
import re, sys, zlib
data = open(sys.argv[1], "rb").read()
offset, size = int.from_bytes(data[8:12], "little"), int.from_bytes(data[12:16], "little")
image = zlib.decompressobj(31).decompress(data[offset:offset + size])
m = re.search(rb"Linux version (\S+)", image)
print(m.group(1).decode() if m else "unknown")
PY
)
fi

# ukify LINUX OUTPUT [INITRD]: a UKI of LINUX with this initrd (uki.initrd by
# default), cmdline and os-release.
ukify_build() {
	say "ukify: $(basename "$2") (.linux $(basename "$1"), uname $release; $versions)"
	/usr/bin/python3 "$ukify" build --efi-arch aa64 --stub "$stub" \
		--linux "$1" --initrd "${3:-$work/uki.initrd}" --cmdline "@$work/uki.cmdline" \
		--os-release "@$work/os-release" --uname "$release" \
		--output "$2" >"$work/ukify.log" 2>&1 || { cat "$work/ukify.log"; die "ukify failed"; }
}
sign_with() { # KEY IN OUT
	sbsign --key "$keys/$1.key" --cert "$keys/$1.crt" --output "$3" "$2" 2>&1 |
		grep -v '^Signing Unsigned' || true
	sbverify --cert "$keys/$1.crt" "$3" >/dev/null || die "sbverify does not accept $3"
}
if [ -n "$firmware" ]; then
	printf 'console=ttyAMA0 panic=-1 crashkernel=256M zbt.test=secureboot-uki' >"$work/uki.cmdline"
	ukify_build "$firmware" "$firmware_out"
	exit 0
fi
if [ -n "$stage2" ]; then
	cat "$stage2" "$work/uki.initrd" >"$work/stage2.initrd"
	ukify_build "$payload" "$work/uki-stage2.efi" "$work/stage2.initrd"
	sign_with trusted "$work/uki-stage2.efi" "$stage2_out"
	exit 0
fi
ukify_build "$payload" "$work/uki-zstd.efi"
sign_with trusted "$work/uki-zstd.efi" "$work/uki-zstd.signed.efi"
sign_with untrusted "$work/uki-zstd.efi" "$work/uki-zstd.wrongkey.efi"
ukify_build "$artifacts/vmlinuz-zstd.signed.efi" "$work/uki-zstd-inner-signed.efi"
sign_with trusted "$work/uki-zstd-inner-signed.efi" "$work/uki-zstd-inner-signed.signed.efi"
# Where to change one byte of the signed UKI under its signature: in a section
# the loader uses, or in the section table (the guest makes the copies).
for where in .linux .initrd .cmdline table; do
	python3 "$top/scripts/tamper-pe.py" "$work/uki-zstd.signed.efi" - "$where"
done >"$work/uki-zstd.tamper"
for f in uki-zstd.efi uki-zstd.signed.efi uki-zstd.wrongkey.efi uki-zstd-inner-signed.signed.efi \
	uki-zstd.tamper uki.initrd uki.cmdline; do
	cmp -s "$work/$f" "$artifacts/$f" || cp "$work/$f" "$artifacts/$f"
done
echo "$versions" >"$artifacts/uki.versions"
