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
#   uki.initrd            a small newc cpio (one file, /uki-initrd)
#   uki.cmdline           the command line ukify was given
#   uki.versions          the systemd-ukify and systemd-boot-efi versions
#
# .debs already in build/downloads are reused (offline re-runs); UKI_REFRESH=1
# looks for newer ones. Run by scripts/make-kernel.sh after the zboot images.
set -euo pipefail
. "$(dirname "$0")/env.sh"
. "$top/scripts/apt-newer.sh"

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
rm -rf "$work" && mkdir -p "$work/root"
echo "zboot-kexec-rs UKI initrd" >"$work/root/uki-initrd"
touch -d @0 "$work/root/uki-initrd" "$work/root"
(cd "$work/root" && printf 'uki-initrd\n' | cpio --quiet -o -H newc --reproducible -R 0:0) \
	>"$work/uki.initrd"
printf 'zbt.uki=uki-zstd.efi zbt.from=uki-cmdline' >"$work/uki.cmdline"
printf 'ID=zboot-kexec-rs\nNAME="zboot-kexec-rs test UKI"\n' >"$work/os-release"
release=$(cat "$build/obj/payload-kernel-zstd/include/config/kernel.release" 2>/dev/null || echo unknown)

# ukify LINUX OUTPUT: a UKI of LINUX with this initrd, cmdline and os-release.
ukify_build() {
	say "ukify: $(basename "$2") (.linux $(basename "$1"), uname $release; $versions)"
	/usr/bin/python3 "$ukify" build --efi-arch aa64 --stub "$stub" \
		--linux "$1" --initrd "$work/uki.initrd" --cmdline "@$work/uki.cmdline" \
		--os-release "@$work/os-release" --uname "$release" \
		--output "$2" >"$work/ukify.log" 2>&1 || { cat "$work/ukify.log"; die "ukify failed"; }
}
sign_trusted() { # IN OUT
	sbsign --key "$keys/trusted.key" --cert "$keys/trusted.crt" --output "$2" "$1" 2>&1 |
		grep -v '^Signing Unsigned' || true
	sbverify --cert "$keys/trusted.crt" "$2" >/dev/null || die "sbverify does not accept $2"
}
ukify_build "$payload" "$work/uki-zstd.efi"
sign_trusted "$work/uki-zstd.efi" "$work/uki-zstd.signed.efi"
ukify_build "$artifacts/vmlinuz-zstd.signed.efi" "$work/uki-zstd-inner-signed.efi"
sign_trusted "$work/uki-zstd-inner-signed.efi" "$work/uki-zstd-inner-signed.signed.efi"
for f in uki-zstd.efi uki-zstd.signed.efi uki-zstd-inner-signed.signed.efi uki.initrd uki.cmdline; do
	cmp -s "$work/$f" "$artifacts/$f" || cp "$work/$f" "$artifacts/$f"
done
echo "$versions" >"$artifacts/uki.versions"
