#!/usr/bin/env bash
# The guest side of the QEMU tests: the zbt helper, the second kernel's small
# initramfs, test images, and the test initramfs build/guest/initramfs.cpio.
set -euo pipefail
. "$(dirname "$0")/env.sh"
cd "$top"
g=$build/guest
mkdir -p "$g/images"

"$top/scripts/build-guest-tool.sh"

# Inputs that are not kernels: a garbage file and an empty one.
[ -s "$g/images/garbage.bin" ] || head -c 1M /dev/urandom >"$g/images/garbage.bin"
# A zstd payload that honestly declares 400 MiB (of zeros): within the limit of
# a 1 GiB guest, but not allocatable once the enomem scenario has filled RAM.
if [ ! -s "$g/images/declares-400m.efi" ]; then
	python3 - "$g/images/declares-400m.efi" <<'PY'
import sys
sys.path.insert(0, "scripts")
import mkzboot
stream, trailer = mkzboot.compress("zstd", bytes(400 << 20), fast=True)
open(sys.argv[1], "wb").write(mkzboot.wrap("zstd", stream, trailer))
PY
fi
: >"$g/images/empty"

# The hostile-image corpus, generated from the payload kernel.
python3 "$top/tests/corpus/mkcorpus.py" "$build/corpus" "$artifacts/payload-Image" \
	"$artifacts/vmlinuz-gzip.efi" "$artifacts/vmlinuz-zstd.efi" "$artifacts/uki-zstd.efi"
corpus=(/corpus/manifest="$build/corpus/manifest")
for f in "$build"/corpus/base/* "$build"/corpus/files/*; do
	[ -e "$f" ] || continue
	corpus+=("/corpus/${f#"$build"/corpus/}=$f")
done

say "building guest initramfs"
"$top/scripts/mkinitramfs.sh" "$g/stage2.cpio"
images=(
	/images/vmlinuz-gzip.efi="$artifacts/vmlinuz-gzip.efi"
	/images/vmlinuz-zstd.efi="$artifacts/vmlinuz-zstd.efi"
	/images/payload-Image="$artifacts/payload-Image"
	/images/vmlinuz-gzip.signed.efi="$artifacts/vmlinuz-gzip.signed.efi"
	/images/vmlinuz-zstd.signed.efi="$artifacts/vmlinuz-zstd.signed.efi"
	/images/vmlinuz-gzip.wrongkey.efi="$artifacts/vmlinuz-gzip.wrongkey.efi"
	/images/uki-zstd.efi="$artifacts/uki-zstd.efi"
	/images/uki-zstd.signed.efi="$artifacts/uki-zstd.signed.efi"
	/images/uki-zstd-inner-signed.signed.efi="$artifacts/uki-zstd-inner-signed.signed.efi"
	/images/uki-zstd.wrongkey.efi="$artifacts/uki-zstd.wrongkey.efi"
	/images/uki-zstd.tamper="$artifacts/uki-zstd.tamper"
	/sig/stripped.efi="$g/sig/stripped.efi"
	/sig/payload-flipped.efi="$g/sig/payload-flipped.efi"
	/sig/header-flipped.efi="$g/sig/header-flipped.efi"
	/sig/signature-appended-twice.efi="$g/sig/signature-appended-twice.efi"
	/sig/second-signature.efi="$g/sig/second-signature.efi"
	/bin/kexec="$artifacts/kexec"
	/bin/kexec-unpatched="$artifacts/kexec-unpatched"
	/bin/kexec-2.0.25="$artifacts/kexec-2.0.25"
	/bin/kexec-2.0.25-unpatched="$artifacts/kexec-2.0.25-unpatched"
	/images/garbage.bin="$g/images/garbage.bin"
	/images/empty="$g/images/empty"
	/images/declares-400m.efi="$g/images/declares-400m.efi"
	/stage2.cpio="$g/stage2.cpio"
)
# --- Secure Boot (tests/guest/scenarios/secureboot*.sh) ----------------------
# The payload zboot images signed with the firmware's db key
# (scripts/sign-secureboot.sh; it signs only what changed).
"$top/scripts/sign-secureboot.sh"
images+=(
	/images/vmlinuz-gzip.db-signed.efi="$artifacts/vmlinuz-gzip.db-signed.efi"
	/images/vmlinuz-zstd.db-signed.efi="$artifacts/vmlinuz-zstd.db-signed.efi"
	/images/uki-zstd.db-signed.efi="$artifacts/uki-zstd.db-signed.efi"
)
# --- end of Secure Boot -------------------------------------------------------
# --- Faults and soak (tests/guest/scenarios/{faults,soak}.sh) -----------------
# Small zboot images (a synthetic 256 KiB arm64 Image, gzip and zstd): a load
# then costs the loader's and the kexec core's work, not decompression, so the
# fail-nth sweep (one load per allocation point) and the 1000-cycle soak stay
# short. They load like any image but cannot boot. Also the signature-flipped
# copy of the signed image (scripts/sign-images.sh).
# small_images DIR METHOD...: DIR/small-METHOD.efi of that synthetic Image,
# (re)made when missing or older than mkzboot.py.
small_images() {
	local dir=$1 method small
	shift
	for method in "$@"; do
		small=$dir/small-$method.efi
		[ "$small" -nt "$top/scripts/mkzboot.py" ] && continue
		python3 - "$method" "$small" <<'PY'
import sys
sys.path.insert(0, "scripts")
import mkzboot
method, out = sys.argv[1:3]
image = mkzboot.pad_to_image_size(
    mkzboot.synthetic_image(body_len=192 * 1024 - 64, bss_len=64 * 1024))
stream, trailer = mkzboot.compress(method, image)
open(out + ".tmp", "wb").write(mkzboot.wrap(method, stream, trailer))
PY
		mv "$small.tmp" "$small"
	done
}
small_images "$g/images" gzip zstd
images+=(
	/images/small-gzip.efi="$g/images/small-gzip.efi"
	/images/small-zstd.efi="$g/images/small-zstd.efi"
	/sig/signature-flipped.efi="$g/sig/signature-flipped.efi"
)
# --- end of faults and soak -----------------------------------------------------
# --- Kernel fuzzing (tests/guest/scenarios/fuzz.sh) ------------------------------
# The fuzzer's small bases: the synthetic 256 KiB Image in every compression
# method the bounded decompressors take, and gzip and zstd signed with the
# trusted test key (the PE verifier then parses every mutated table).
fuzz=$g/fuzz
mkdir -p "$fuzz"
small_images "$fuzz" xzkern lzma lz4 lzo
for method in gzip zstd; do
	cp -p "$g/images/small-$method.efi" "$fuzz/small-$method.efi"
	signed=$fuzz/small-$method.signed.efi
	[ "$signed" -nt "$fuzz/small-$method.efi" ] && [ "$signed" -nt "$build/keys/trusted.crt" ] &&
		continue
	sbsign --key "$build/keys/trusted.key" --cert "$build/keys/trusted.crt" \
		--output "$signed" "$fuzz/small-$method.efi" 2>/dev/null
	[ -s "$signed" ] || die "sbsign failed for small-$method.efi"
done
for f in "$fuzz"/*.efi; do
	images+=("/fuzz/${f##*/}=$f")
done
# --- end of kernel fuzzing --------------------------------------------------------
# Each test kernel's own zboot image (the refuse scenario loads it).
while IFS= read -r zboot; do
	images+=("/images/$zboot=$artifacts/$zboot")
done < <(python3 -c 'import json, sys
for k in json.load(open(sys.argv[1])): print(k["zboot"])' "$artifacts/kernels.json")
"$top/scripts/mkinitramfs.sh" "$g/initramfs.cpio" "${images[@]}" "${corpus[@]}"
say "guest initramfs: $(du -h "$g/initramfs.cpio" | cut -f1)"
# A signed UKI whose .initrd is the second kernel's initramfs, for systemctl
# kexec on a type #2 entry (which passes no initrd): in an archive of its own
# that only initramfs-systemd.cpio carries.
"$top/scripts/make-uki.sh" --stage2 "$g/stage2.cpio" "$g/uki-stage2.signed.efi"
printf 'dir /images 0755 0 0\nfile /images/uki-stage2.signed.efi %s 0644 0 0\n' \
	"$g/uki-stage2.signed.efi" >"$g/uki-stage2.cpio.spec"
"$build/obj/test-kernel/usr/gen_init_cpio" "$g/uki-stage2.cpio.spec" >"$g/uki-stage2.cpio"
"$top/scripts/make-guest-systemd.sh"
