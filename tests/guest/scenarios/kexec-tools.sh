# zbt.test=kexec-tools (boot with crashkernel=): the command lines users type,
# with kexec-tools built from Debian's source package. First bookworm's own
# (unpatched) kexec, then ours: -s -p for a crash kernel, then -s -l and -e.
image=/images/vmlinuz-zstd.efi
append="console=ttyAMA0 panic=-1 zbt.stage=2 zbt.from=kexec-tools"

log "unpatched: kexec -s -l $image"
kexec-unpatched -s -l "$image" --initrd=/stage2.cpio --append="$append"
log "unpatched kexec exit status $? kexec_loaded=$(cat /sys/kernel/kexec_loaded)"

log "patched: kexec -s -p $image"
if kexec -d -s -p "$image" --initrd=/stage2.cpio --append="$append nr_cpus=1" 2>/tmp/kexec.err; then
	grep 'unknown file type' /tmp/kexec.err
	log "kexec -s -p ok, kexec_crash_loaded=$(cat /sys/kernel/kexec_crash_loaded)"
	kexec -p -u && log "kexec -p -u ok, kexec_crash_loaded=$(cat /sys/kernel/kexec_crash_loaded)"
else
	cat /tmp/kexec.err
	fail "kexec -s -p"
fi

log "patched: kexec -s -l $image"
if kexec -d -s -l "$image" --initrd=/stage2.cpio --append="$append" 2>/tmp/kexec.err; then
	grep 'unknown file type' /tmp/kexec.err
	log "kexec -s -l ok, kexec_loaded=$(cat /sys/kernel/kexec_loaded); kexec -e"
	kexec -e
fi
cat /tmp/kexec.err
fail "kexec -s -l / kexec -e"
