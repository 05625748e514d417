# zbt.test=secureboot-nodb: the control for zbt.test=secureboot. QEMU starts
# the raw Image itself: no firmware, so no Secure Boot and no db. The kernel
# must not lock itself down, its .platform keyring stays empty, and an image
# signed with the firmware's db key is not trusted (ENOKEY): it loads only
# while nothing enforces signatures, and lockdown (raised here at run time)
# refuses it, while the built-in test key still verifies.
mount -t securityfs securityfs /sys/kernel/security
log "command line: $(cat /proc/cmdline)"
log "lockdown: $(cat /sys/kernel/security/lockdown)"
log "firmware: $(dmesg | grep -m1 -o 'secureboot: .*' || echo 'no Secure Boot state (not booted by UEFI)')"
awk '$8 == "keyring" && $9 ~ /^\./ { $1 = $2 = $3 = $4 = $5 = $6 = $7 = ""; print }
     $8 == "asymmetri" { $1 = $2 = $3 = $4 = $5 = $6 = $7 = ""; print }' /proc/keys |
	sed 's/^ *//' | sort | while IFS= read -r line; do log "key: $line"; done

# row NAME WANT FILE: one kexec_file_load(2) and the PE verifier's verdict.
row() {
	dmesg -c >/dev/null
	result=$(zbt expect "$2" "$3")
	status=$?
	verdict=$(dmesg | sed -n 's/.*kexec_file(zboot): PE signature //p' | tail -n 1)
	[ $status -eq 0 ] && [ "$2" = 0 ] && zbt unload >/dev/null
	log "secureboot $1: ${result#zbt: }; verifier: ${verdict:-not called}"
	[ $status -eq 0 ] || fail "secureboot $1"
}
row db-signed-unlocked 0 /images/vmlinuz-zstd.db-signed.efi
echo integrity >/sys/kernel/security/lockdown
log "lockdown raised: $(cat /sys/kernel/security/lockdown)"
row db-signed-locked EPERM /images/vmlinuz-zstd.db-signed.efi
row builtin-key-locked 0 /images/vmlinuz-zstd.signed.efi
