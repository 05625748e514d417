# zbt.test=uki (booted with and without lockdown=integrity): the kernel's UKI
# loader (issue 19) takes build/artifacts/uki-zstd{,.signed}.efi (ukify's, around
# the payload zboot, .initrd = uki.initrd, .cmdline = uki.cmdline) as it is,
# through the raw syscall, with a command line and an initrd of the caller's:
#   - without lockdown: the unsigned and the signed UKI load; the caller's
#     command line wins over .cmdline;
#   - under lockdown: the unsigned one gets EPERM, the signed one loads and
#     its .cmdline wins (the loader says it ignored the caller's); so do one
#     signed with a key the kernel does not trust and copies of the signed
#     one with a byte changed in .linux, .initrd, .cmdline or the section
#     table (build/artifacts/uki-zstd.tamper), which load without lockdown.
# Then the signed UKI is kexec'd: the second kernel shows whose command line
# it got and whether the UKI's initrd (/uki-initrd) came along with the
# caller's (stage2.cpio).
. /scenarios/kexec-tools-lib.sh
kt_lockdown
caller="console=ttyAMA0 panic=-1 zbt.stage=2 zbt.from=uki-caller"
if [ "$(arg lockdown)" = integrity ]; then
	refused=EPERM
else
	refused=0
fi
# expect_refused FILE [UNLOCKED]: EPERM under lockdown; otherwise loaded (and
# unloaded), or the errno UNLOCKED.
expect_refused() {
	local want=$refused
	[ $refused = 0 ] && [ -n "${2:-}" ] && want=$2
	zbt expect $want --initrd /stage2.cpio --append "$caller" "$1" &&
		[ $want = 0 ] && zbt unload
}
expect_refused /images/uki-zstd.efi
expect_refused /images/uki-zstd.wrongkey.efi
while read -r where offset byte; do
	zbt mutate /images/uki-zstd.signed.efi "/tmp/tampered-$where.efi" --set "$offset:$byte" &&
		log "tampered $where: byte $offset = $byte" &&
		case $where in
		# Without lockdown the changed byte reaches the zstd payload of .linux,
		# whose checksum the decompressor checks (or it decodes to too much).
		.linux) expect_refused "/tmp/tampered-$where.efi" "EBADMSG|EFBIG" ;;
		*) expect_refused "/tmp/tampered-$where.efi" ;;
		esac
	rm -f "/tmp/tampered-$where.efi"
done </images/uki-zstd.tamper
# Without a command line of the caller's, .cmdline is the one.
zbt expect 0 --initrd /stage2.cpio /images/uki-zstd.signed.efi && zbt unload
# A UKI whose inner zboot is signed on its own: the outer signature is what counts.
zbt expect 0 --initrd /stage2.cpio --append "$caller" \
	/images/uki-zstd-inner-signed.signed.efi && zbt unload
if zbt load --initrd /stage2.cpio --append "$caller" /images/uki-zstd.signed.efi; then
	log "kexec into uki-zstd.signed.efi"
	zbt exec
fi
fail "kexec into uki-zstd.signed.efi"
