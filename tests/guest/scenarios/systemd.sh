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
image=$(arg zbt.image)
want=$(arg zbt.want || echo loaded)
systemctl=/usr/bin/systemctl

mount -t securityfs securityfs /sys/kernel/security
log "lockdown: $(cat /sys/kernel/security/lockdown)"
[ -x $systemctl ] || fail "no $systemctl: boot with build/guest/initramfs-systemd.cpio"
log "systemd: $($systemctl --version | head -n 1)"
log "glibc: $(/lib/ld-linux-aarch64.so.1 --version | head -n 1)"

esp=/run/boot-loader-entries
# zbt.also=FILE: first an entry for FILE alone, loaded and unloaded again (the
# README's table: a signed image without lockdown).
if also=$(arg zbt.also); then
	mkdir -p $esp/loader/entries
	ln "/images/$also" "$esp/$also" && ln /stage2.cpio $esp/stage2.cpio
	printf 'title %s\nlinux /%s\ninitrd /stage2.cpio\noptions zbt.from=systemd\n' \
		"$also" "$also" >$esp/loader/entries/zbt-also.conf
	SYSTEMD_COLORS=0 $systemctl kexec >/tmp/systemctl.out 2>&1
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

log "kexec_loaded before: $(cat /sys/kernel/kexec_loaded)"
# At debug level systemctl names the entry it chose and the errno of a refused
# kexec_file_load(2). Its output is replayed after it exits, so the kernel's
# lines of the load come first in the console log.
log "running: SYSTEMD_LOG_LEVEL=debug systemctl kexec"
SYSTEMD_LOG_LEVEL=debug SYSTEMD_COLORS=0 $systemctl kexec >/tmp/systemctl.out 2>&1
status=$?
while IFS= read -r line; do
	log "systemctl: $line"
done </tmp/systemctl.out
loaded=$(cat /sys/kernel/kexec_loaded)
log "systemctl kexec exit status $status kexec_loaded=$loaded"

case $want in
loaded)
	if [ "$loaded" = 1 ]; then
		log "systemctl loaded $image; reboot(LINUX_REBOOT_CMD_KEXEC)"
		zbt exec
	fi
	fail "systemctl kexec of $image"
	;;
refused)
	if [ "$loaded" = 0 ] && [ $status -ne 0 ]; then
		log "systemctl kexec of $image refused"
	else
		fail "systemctl kexec of $image was not refused"
	fi
	;;
*)
	fail "zbt.want=$want"
	;;
esac
