# zbt.test=secureboot-uki: UEFI firmware (AAVMF, Secure Boot on, db = the
# snakeoil key) verified and started a db-signed UKI of this test kernel
# (scripts/make-uki.sh --firmware, signed by scripts/sign-secureboot.sh):
# systemd-stub passed its .cmdline (this scenario's name; it ignores the
# firmware's command line under Secure Boot) and its .initrd ahead of the one
# QEMU's -initrd gives. From here, kexec of a db-signed UKI: the raw syscall
# (also as a crash kernel), kexec -s -l of our kexec-tools series, then
# kexec into it; an unsigned UKI gets EPERM.
mount -t securityfs securityfs /sys/kernel/security
log "command line: $(cat /proc/cmdline)"
log "lockdown: $(cat /sys/kernel/security/lockdown)"
log "firmware: $(dmesg | grep -m1 -o 'secureboot: .*')"
if [ -f /uki-initrd ]; then
	log "the booting UKI's initrd: $(cat /uki-initrd)"
fi
uki=/images/uki-zstd.db-signed.efi
zbt expect 0 --initrd /stage2.cpio "$uki" && zbt unload
zbt expect 0 --crash --initrd /stage2.cpio "$uki" && zbt unload --crash
zbt expect EPERM --initrd /stage2.cpio /images/uki-zstd.efi
. /scenarios/kexec-tools-lib.sh
if kt "patched -s -l db-signed uki" kexec -d -s -l "$uki" --initrd=/stage2.cpio \
	--append="console=ttyAMA0 zbt.from=secureboot-uki-caller"; then
	log "kexec -e"
	kexec -e
fi
fail "kexec -s -l / kexec -e of $uki"
