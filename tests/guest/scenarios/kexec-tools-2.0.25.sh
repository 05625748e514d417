# zbt.test=kexec-tools-2.0.25 (boot with crashkernel=): Debian bookworm's
# kexec-tools 2.0.25, which knows no zboot images. As bookworm ships it
# (kexec-2.0.25-unpatched) it refuses the file; with tests/kexec-tools/2.0.25
# (kexec-2.0.25) it hands the file to the kernel as it is: -s -p, -p -u, then
# -s -l and -e.
. /scenarios/kexec-tools-lib.sh
image=/images/vmlinuz-zstd.efi
append="console=ttyAMA0 panic=-1 zbt.stage=2 zbt.from=kexec-tools-2.0.25"

kt "2.0.25 unpatched -s -l zstd" \
	kexec-2.0.25-unpatched -d -s -l "$image" --initrd=/stage2.cpio --append="$append"

kt "2.0.25 unpatched -s -l signed zstd" kexec-2.0.25-unpatched -d -s -l \
	/images/vmlinuz-zstd.signed.efi --initrd=/stage2.cpio --append="$append"
kt "2.0.25 -s -l signed zstd" kexec-2.0.25 -d -s -l /images/vmlinuz-zstd.signed.efi \
	--initrd=/stage2.cpio --append="$append" && kexec-2.0.25 -s -u

if ! kt "2.0.25 -s -p zstd" \
	kexec-2.0.25 -d -s -p "$image" --initrd=/stage2.cpio --append="$append nr_cpus=1"; then
	fail "kexec-2.0.25 -s -p"
	return
fi
kexec-2.0.25 -p -u && log "kexec -p -u ok, kexec_crash_loaded=$(cat /sys/kernel/kexec_crash_loaded)"

if kt "2.0.25 -s -l zstd" \
	kexec-2.0.25 -d -s -l "$image" --initrd=/stage2.cpio --append="$append"; then
	log "kexec -e"
	kexec-2.0.25 -e
fi
fail "kexec-2.0.25 -s -l / kexec -e"
