# zbt.test=sigforce-kdump zbt.image=SIGNED (KEXEC_SIG_FORCE kernel, booted with
# crashkernel=): an unsigned crash kernel is refused before it is decompressed
# and leaves nothing loaded; then kdump.sh loads the signed image with
# KEXEC_FILE_ON_CRASH, panics, and the capture kernel checks /proc/vmcore.
dmesg -c >/dev/null
zbt expect ENODATA --crash --initrd /stage2.cpio /images/vmlinuz-zstd.efi ||
	fail "unsigned crash kernel"
log "unsigned crash kernel: kexec_crash_loaded=$(cat /sys/kernel/kexec_crash_loaded), $(dmesg | grep -c 'decompressed to') decompressed"
. /scenarios/kdump.sh
