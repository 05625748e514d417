# zbt.test=sigforce, on the KEXEC_SIG_FORCE kernel booted without lockdown=:
# kexec_file_load(2) refuses every image the PE verifier does not accept, with
# the verifier's own errno (the kexec core returns it when sig_enforce is set),
# and nothing is decompressed first; images signed with the built-in key load.
# Then the signed gzip image (zbt.image) is kexec'd.
# Each row: name, the errno the load must give (0: it loads), the file.
mount -t securityfs securityfs /sys/kernel/security
log "lockdown: $(cat /sys/kernel/security/lockdown)"
row() {
	dmesg -c >/dev/null
	result=$(zbt expect "$2" "$3")
	status=$?
	loaded=$(cat /sys/kernel/kexec_loaded)
	log=$(dmesg)
	verdict=$(echo "$log" | sed -n 's/.*kexec_file(zboot): PE signature //p' | tail -n 1)
	core=$(echo "$log" | sed -n 's/.*Enforced kernel signature verification failed (\(-[0-9]*\)).*/\1/p')
	decompressed=$(echo "$log" | grep -c 'kexec_file(zboot): .* decompressed to')
	refusals=$(echo "$log" | grep 'kexec_file(zboot): ' | grep -vc 'PE signature\| decompressed to')
	[ $status -eq 0 ] && [ "$2" = 0 ] && zbt unload >/dev/null
	log "sigforce $1: ${result#zbt: }; verifier: ${verdict:-not called}; core: ${core:-silent}; decompressed $decompressed; loader refusals $refusals; kexec_loaded $loaded"
	[ $status -eq 0 ] || fail "sigforce $1"
	if [ "$2" = 0 ]; then
		[ "$decompressed" = 1 ] && [ "$loaded" = 1 ] || fail "sigforce $1: not loaded"
		return
	fi
	# Refused before load(): the loader neither decompressed nor refused.
	[ "$decompressed" = 0 ] && [ "$refusals" = 0 ] && [ "$loaded" = 0 ] ||
		fail "sigforce $1: the loader ran on a refused image"
	# The syscall's errno is the one the kexec core reports, and (for zboot
	# files) the verdict the loader logged.
	got=${result##*got -}
	got=${got%% *}
	[ "$core" = "-$got" ] || fail "sigforce $1: errno -$got, core says ${core:-nothing}"
	if [ -n "$verdict" ]; then
		name=${result##*(}
		[ "${verdict##*: }" = "${name%)}" ] || fail "sigforce $1: errno $name, verifier $verdict"
	fi
}
row signed-gzip 0 /images/vmlinuz-gzip.signed.efi
row signed-zstd 0 /images/vmlinuz-zstd.signed.efi
row second-signature 0 /sig/second-signature.efi
row unsigned-gzip ENODATA /images/vmlinuz-gzip.efi
row unsigned-zstd ENODATA /images/vmlinuz-zstd.efi
row wrong-key ENOKEY /images/vmlinuz-gzip.wrongkey.efi
row signature-stripped ENODATA /sig/stripped.efi
row header-byte-flipped EKEYREJECTED /sig/header-flipped.efi
row payload-byte-flipped EKEYREJECTED /sig/payload-flipped.efi
# A flipped byte in the RSA signature value: RSA then yields no valid padding
# and the verifier says EINVAL.
row signature-byte-flipped EINVAL /sig/signature-flipped.efi
row signature-appended-twice EKEYREJECTED /sig/signature-appended-twice.efi
# The raw-Image loader (kexec_image_ops) is held to the same rule.
row raw-image-unsigned ENODATA /images/payload-Image
log "sigforce matrix done; now the signed image must boot"
. /scenarios/kexec.sh
