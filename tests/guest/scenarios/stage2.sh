# The kernel we kexec'd into: say so, with its command line, then power off.
log "second kernel reached init: $(uname -r)"
log "second kernel command line: $(cat /proc/cmdline)"
# A UKI's initrd (scripts/make-uki.sh) comes ahead of the caller's.
if [ -f /uki-initrd ]; then
	log "second kernel has the UKI's initrd: $(cat /uki-initrd)"
fi
if [ -e /proc/vmcore ]; then
	. /scenarios/capture.sh
fi
# --- hook (kexec-tools-fallback.sh): zbt.stage2=NAME goes on in this kernel
# with /scenarios/NAME.sh, e.g. with files its initramfs brought along. ---
if next=$(arg zbt.stage2); then
	. "/scenarios/$next.sh"
fi
# --- end of hook ---
