# zbt.test=kexec zbt.image=FILE: kexec_file_load /images/FILE with a small
# initramfs and a command line that names it, then reboot(LINUX_REBOOT_CMD_KEXEC).
image=$(arg zbt.image)
append="console=ttyAMA0 panic=-1 zbt.stage=2 zbt.from=$image"
if zbt load --initrd /stage2.cpio --append "$append" "/images/$image"; then
	log "kexec into $image"
	zbt exec
fi
fail "kexec into $image"
