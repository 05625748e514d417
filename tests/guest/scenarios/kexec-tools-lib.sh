# Sourced by the kexec-tools-*.sh scenarios: runs the real kexec command lines
# and reports, for the host (tests/e2e/kexec_tools_e2e.py), what happened.
#
# kt LABEL COMMAND...   runs COMMAND (a kexec command line with -d) and logs
#   ZBT: kt LABEL: exit N; kexec_loaded=V; route: R; zboot loader lines: N; error: E
# (kexec_crash_loaded for -p; E: kexec's last error line when N != 0), where
# the route is read from kexec's -d output:
#   as it is (UKI)               our series: the UKI went to the kernel
#   as it is                     our series: the zboot file went to the kernel
#   unwrapped after the kernel refused it (ERRNO)
#                                our series: the kernel said it does not know
#                                the format, kexec-tools decompressed it
#   unwrapped in user space      kexec-tools >= 2.0.27 as it is: decompressed,
#                                the inner Image went to the kernel
#   as it is (unknown type)      2.0.25 + tests/kexec-tools/2.0.25
#   none (unknown file type)     2.0.25 as bookworm ships it
# "zboot loader lines" counts the kernel's kexec_file(zboot) lines during the
# command: a refusal's, a failed signature check's, or a successful load's
# debug lines, which kexec -d of 2.0.32 asks for (KEXEC_FILE_DEBUG) and 2.0.25
# cannot. The kexec -d lines
# that tell the route follow as "ZBT: kt LABEL | ...".

kt() {
	kt_label=$1
	shift
	case " $* " in
	*" -p "*) kt_flag=kexec_crash_loaded ;;
	*) kt_flag=kexec_loaded ;;
	esac
	dmesg -c >/dev/null
	"$@" >/tmp/kt.out 2>&1
	kt_status=$?
	kt_zboot=$(dmesg | grep -c 'kexec_file(zboot)')
	if grep -q 'kexec_file_load_unwrapped: kernel does not know' /tmp/kt.out; then
		kt_errno=$(sed -n 's/.*kernel does not know the .* format (\([A-Z]*\)).*/\1/p' /tmp/kt.out |
			head -n 1)
		kt_route="unwrapped after the kernel refused it ($kt_errno)"
	elif grep -q 'uki_image_load: passing the UKI' /tmp/kt.out; then
		kt_route="as it is (UKI)"
	elif grep -q 'pez_arm64_load: passing the zboot image' /tmp/kt.out; then
		kt_route="as it is"
	elif grep -q 'pez_prepare: done' /tmp/kt.out; then
		kt_route="unwrapped in user space"
	elif grep -q 'unknown file type, passing' /tmp/kt.out; then
		kt_route="as it is (unknown type)"
	elif grep -q 'Cannot determine the file type' /tmp/kt.out; then
		kt_route="none (unknown file type)"
	else
		kt_route=unknown
	fi
	kt_error=
	[ $kt_status -eq 0 ] ||
		kt_error=$(grep -E '^(kexec_file_load failed|Cannot (determine|load|unwrap)|syscall kexec_file_load)' \
			/tmp/kt.out | tail -n 1)
	grep -E 'uki_image_load: passing|pez_arm64_load: passing|kexec_file_load_unwrapped|pez_prepare: (decompressed|done)|unknown file type|^kexec_file_load failed|^Cannot (determine|load|unwrap)|^syscall kexec_file_load' \
		/tmp/kt.out | sed "s/^/ZBT: kt $kt_label | /"
	log "kt $kt_label: exit $kt_status; $kt_flag=$(cat /sys/kernel/$kt_flag);" \
		"route: $kt_route; zboot loader lines: $kt_zboot; error: ${kt_error:-none}"
	return $kt_status
}

# The lockdown state, for scenarios booted with lockdown=integrity.
kt_lockdown() {
	mount -t securityfs securityfs /sys/kernel/security 2>/dev/null
	log "lockdown: $(cat /sys/kernel/security/lockdown)"
}
