# The kernel we kexec'd into: say so, with its command line, then power off.
log "second kernel reached init: $(uname -r)"
log "second kernel command line: $(cat /proc/cmdline)"
if [ -e /proc/vmcore ]; then
	. /scenarios/capture.sh
fi
