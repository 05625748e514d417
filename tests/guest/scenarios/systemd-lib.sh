# Sourced by systemd.sh and systemd-uki.sh: run Debian's systemctl kexec on the
# entry the scenario made, then act on zbt.want.
#
# systemd_setup: logs the lockdown state and the systemd and glibc versions;
# fails without systemctl (a boot without initramfs-systemd.cpio).
systemd_setup() {
	mount -t securityfs securityfs /sys/kernel/security
	log "lockdown: $(cat /sys/kernel/security/lockdown)"
	[ -x /usr/bin/systemctl ] ||
		fail "no /usr/bin/systemctl: boot with build/guest/initramfs-systemd.cpio"
	log "systemd: $(/usr/bin/systemctl --version | head -n 1)"
	log "glibc: $(/lib/ld-linux-aarch64.so.1 --version | head -n 1)"
}
#
# systemctl_kexec IMAGE [VAR=VALUE...]: runs SYSTEMD_LOG_LEVEL=debug
# systemctl kexec with VAR=VALUE in its environment and replays its output
# (at debug level it names the entry it chose and the errno of a refused
# kexec_file_load(2); replayed after it exits, so the kernel's lines of the
# load come first in the console log). Then, as zbt.want says: "loaded"
# (the default): IMAGE must be loaded, and reboot(LINUX_REBOOT_CMD_KEXEC)
# follows; "refused": nothing may be loaded and systemctl must have failed.
systemctl_kexec() {
	local image=$1 want status loaded line
	shift
	want=$(arg zbt.want || echo loaded)
	log "kexec_loaded before: $(cat /sys/kernel/kexec_loaded)"
	log "running: ${*:+$* }SYSTEMD_LOG_LEVEL=debug systemctl kexec"
	env "$@" SYSTEMD_LOG_LEVEL=debug SYSTEMD_COLORS=0 /usr/bin/systemctl kexec \
		>/tmp/systemctl.out 2>&1
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
}
