# zbt.test=sig: the accept/reject matrix of signed zboot images. Run once with
# lockdown=integrity (only images signed by a trusted key may load) and once
# without (everything well-formed loads; the verifier's verdict is only logged).
# Each row: name, the result kexec_file_load(2) must give, the file.
mount -t securityfs securityfs /sys/kernel/security
if grep -q 'lockdown=integrity' /proc/cmdline; then
	locked=1
	log "lockdown: $(cat /sys/kernel/security/lockdown)"
else
	locked=
fi
row() {
	dmesg -c >/dev/null
	result=$(zbt expect "$2" "$3")
	status=$?
	verdict=$(dmesg | sed -n 's/.*kexec_file(zboot): PE signature //p' | tail -n 1)
	[ $status -eq 0 ] && [ "$2" = 0 ] && zbt unload >/dev/null
	log "sig $1: ${result#zbt: }; verifier: ${verdict:-not called}"
	[ $status -eq 0 ] || fail "sig $1"
}
if [ -n "$locked" ]; then
	refused=EPERM # lockdown turns every verification failure into EPERM
else
	refused=0
fi
row signed-gzip 0 /images/vmlinuz-gzip.signed.efi
row signed-zstd 0 /images/vmlinuz-zstd.signed.efi
row unsigned $refused /images/vmlinuz-gzip.efi
row wrong-key $refused /images/vmlinuz-gzip.wrongkey.efi
row signature-stripped $refused /sig/stripped.efi
row header-byte-flipped $refused /sig/header-flipped.efi
row signature-appended-twice $refused /sig/signature-appended-twice.efi
# A second valid signature in the certificate table is not tampering: the
# verifier checks the first one, as UEFI firmware accepts any trusted one.
row second-signature 0 /sig/second-signature.efi
if [ -n "$locked" ]; then
	row payload-byte-flipped EPERM /sig/payload-flipped.efi
else
	# Unverified but allowed: decompression is what catches this one.
	row payload-byte-flipped 'EBADMSG|EFBIG' /sig/payload-flipped.efi
fi
if [ -n "$locked" ]; then
	log "now kexec -s -l the signed zstd image under lockdown, and kexec -e"
	append="console=ttyAMA0 panic=-1 zbt.stage=2 zbt.from=vmlinuz-zstd.signed.efi"
	kexec -s -l /images/vmlinuz-zstd.signed.efi --initrd=/stage2.cpio --append="$append" &&
		log "kexec -s -l: ok" && kexec -e
	fail "kexec into the signed image"
fi
