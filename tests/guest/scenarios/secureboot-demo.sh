# make run-secureboot: the distribution's boot chain, as a user sees it. The
# firmware verified and started this kernel's db-signed zboot image; Secure
# Boot locked the kernel down; kexec takes only what the db key signed.
# zbt.image=FILE: the db-signed zboot image to kexec into.
image=$(arg zbt.image)
append="console=ttyAMA0 panic=-1 zbt.stage=2 zbt.from=$image"
mount -t securityfs securityfs /sys/kernel/security
log "this is the first kernel: $(uname -r), started by UEFI firmware"
log "$(dmesg | grep -m1 -o 'secureboot: .*')"
log "lockdown (nothing on the command line asked for it): $(cat /sys/kernel/security/lockdown)"
log "the firmware's db key, in the .platform keyring:"
awk '$8 == "keyring" && $9 == ".platform:" || $8 == "asymmetri" && $9 == "SnakeOil:" {
	$1 = $2 = $3 = $4 = $5 = $6 = $7 = ""; print }' /proc/keys | sed 's/^ */ZBT:     /'
log "\$ kexec -s -l /images/vmlinuz-zstd.efi   (the same image, unsigned)"
kexec -s -l /images/vmlinuz-zstd.efi --initrd=/stage2.cpio --append="$append" &&
	fail "an unsigned image loaded under Secure Boot"
log "refused: $(dmesg | sed -n 's/.*kexec_file(zboot): PE signature //p' | tail -n 1)"
log "\$ kexec -s -l /images/$image --initrd=/stage2.cpio --append=\"$append\""
if kexec -s -l "/images/$image" --initrd=/stage2.cpio --append="$append"; then
	log "$(dmesg | grep -o 'kexec_file(zboot): PE signature .*' | tail -n 1)"
	log "\$ kexec -e"
	kexec -e
fi
fail "kexec of $image"
