# zbt.test=kdump zbt.image=FILE (boot with crashkernel=): load FILE as the
# crash kernel, unload it, load it again, then panic; the capture kernel checks
# /proc/vmcore (capture.sh).
image=$(arg zbt.image)
log "crash reservation: $(grep -i 'crash kernel' /proc/iomem | tr -s ' ')"
append="console=ttyAMA0 panic=-1 zbt.stage=2 zbt.from=$image nr_cpus=1"
load_crash() {
	zbt load --crash --initrd /stage2.cpio --append "$append" "/images/$image"
}
if ! load_crash; then
	fail "crash load of $image"
	return
fi
log "kexec_crash_loaded=$(cat /sys/kernel/kexec_crash_loaded)"
zbt unload --crash
log "after unload kexec_crash_loaded=$(cat /sys/kernel/kexec_crash_loaded)"
load_crash || fail "second crash load of $image"
log "kexec_crash_loaded=$(cat /sys/kernel/kexec_crash_loaded); triggering a panic"
echo c >/proc/sysrq-trigger
fail "still alive after sysrq-trigger"
