# zbt.test=kexec-tools-kdump (boot with lockdown=integrity crashkernel=256M): a
# signed zstd zboot crash kernel with kexec -s -p. kexec-tools 2.0.32 as
# released: EPERM (it loads the unsigned Image inside). With our series: loads
# through the in-kernel loader; unload and load again, then a panic boots it and
# the capture kernel checks /proc/vmcore (stage2.sh, capture.sh).
. /scenarios/kexec-tools-lib.sh
image=/images/vmlinuz-zstd.signed.efi
append="console=ttyAMA0 panic=-1 zbt.stage=2 zbt.from=kexec-tools-kdump nr_cpus=1"
kt_lockdown
log "crash reservation: $(grep -i 'crash kernel' /proc/iomem | tr -s ' ')"

kt "unpatched -s -p signed zstd" \
	kexec-unpatched -d -s -p "$image" --initrd=/stage2.cpio --append="$append"
if ! kt "patched -s -p signed zstd" \
	kexec -d -s -p "$image" --initrd=/stage2.cpio --append="$append"; then
	fail "kexec -s -p $image under lockdown"
	return
fi
kexec -s -p -u && log "kexec -s -p -u: kexec_crash_loaded=$(cat /sys/kernel/kexec_crash_loaded)"
kt "patched -s -p signed zstd again" \
	kexec -d -s -p "$image" --initrd=/stage2.cpio --append="$append" || {
	fail "second kexec -s -p $image"
	return
}
log "triggering a panic"
echo c >/proc/sysrq-trigger
fail "still alive after sysrq-trigger"
