# zbt.test=systemd zbt.image=FILE zbt.want=loaded|refused (boot with
# initramfs-systemd.cpio, scripts/make-guest-systemd.sh): Debian's own, unmodified
# `systemctl kexec` (systemd >= 261) on a Boot Loader Spec type #1 entry whose
# `linux` is /images/FILE. No systemd runs as PID 1: systemctl finds the entry
# under /run/boot-loader-entries/ (which then serves as the ESP), calls
# kexec_file_load(2) itself, then cannot reach a service manager ("System has
# not been booted with systemd as init system") and exits 1, the image still
# loaded; `--force` twice does not kexec either. reboot(LINUX_REBOOT_CMD_KEXEC)
# is then ours (`zbt exec`), as it would be systemd-shutdown's.
# When the kernel refuses the file, systemd 262 decompresses it in user space
# only for ENOEXEC/EINVAL; for any other errno (lockdown's EPERM) it falls back
# to /usr/sbin/kexec, which this guest does not have.
. /scenarios/systemd-lib.sh
image=$(arg zbt.image)
systemd_setup

esp=/run/boot-loader-entries
# zbt.also=FILE: first an entry for FILE alone, loaded and unloaded again (the
# README's table: a signed image without lockdown).
if also=$(arg zbt.also); then
	mkdir -p $esp/loader/entries
	ln "/images/$also" "$esp/$also" && ln /stage2.cpio $esp/stage2.cpio
	printf 'title %s\nlinux /%s\ninitrd /stage2.cpio\noptions zbt.from=systemd\n' \
		"$also" "$also" >$esp/loader/entries/zbt-also.conf
	SYSTEMD_COLORS=0 /usr/bin/systemctl kexec >/tmp/systemctl.out 2>&1
	log "systemctl kexec of $also: exit $?; kexec_loaded=$(cat /sys/kernel/kexec_loaded)"
	zbt unload >/dev/null
	rm -rf $esp
fi

# The entry: paths relative to /run/boot-loader-entries. Hard links, so the
# files are not copied (the initramfs is one tmpfs).
mkdir -p $esp/loader/entries
ln "/images/$image" "$esp/$image" || cp "/images/$image" "$esp/$image"
ln /stage2.cpio $esp/stage2.cpio || cp /stage2.cpio $esp/stage2.cpio
cat >$esp/loader/entries/zbt-systemd.conf <<EOF
title zboot-kexec-rs: $image
linux /$image
initrd /stage2.cpio
options console=ttyAMA0 panic=-1 zbt.stage=2 zbt.from=systemd
EOF
while IFS= read -r line; do
	log "entry: $line"
done <$esp/loader/entries/zbt-systemd.conf

systemctl_kexec "$image"
