# Sourced by stage2.sh in a kdump capture kernel: check the dump.
log "capture kernel: /proc/vmcore is $(ls -l /proc/vmcore | tr -s ' ' | cut -d' ' -f5) bytes"
if zbt vmcore-check /proc/vmcore; then
	log "vmcore is a valid ELF core dump"
else
	fail "vmcore check"
fi
