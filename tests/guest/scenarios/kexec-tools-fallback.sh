# zbt.test=kexec-tools-fallback (no lockdown): kexec-tools 2.0.32 as released
# loads an unsigned zstd zboot image by decompressing it (the in-kernel loader
# never sees it); ours passes the gzip one to the kernel as it is, and kexec -e
# boots the payload kernel, which has no zboot loader. There, ours must still
# load a zboot image: the kernel refuses it with EINVAL, kexec-tools unwraps it
# (kexec-tools-fallback-stage2.sh). The second kernel's initramfs is
# /stage2.cpio with a second cpio archive appended (the kernel unpacks them in
# turn), made here from this initramfs: /bin/kexec and the gzip zboot image.
. /scenarios/kexec-tools-lib.sh
append="console=ttyAMA0 panic=-1 zbt.stage=2 zbt.from=kexec-tools-fallback"
append="$append zbt.stage2=kexec-tools-fallback-stage2"

kt "unpatched -s -l zstd" kexec-unpatched -d -s -l /images/vmlinuz-zstd.efi \
	--initrd=/stage2.cpio --append="$append"
kexec -s -u
log "after kexec -s -u: kexec_loaded=$(cat /sys/kernel/kexec_loaded)"
# The signed image without lockdown (the README's table): the released 2.0.32
# unwraps it (the signature is gone, nobody asks for it), ours hands it over.
kt "unpatched -s -l signed zstd" kexec-unpatched -d -s -l /images/vmlinuz-zstd.signed.efi \
	--initrd=/stage2.cpio --append="$append" && kexec -s -u
kt "patched -s -l signed zstd" kexec -d -s -l /images/vmlinuz-zstd.signed.efi \
	--initrd=/stage2.cpio --append="$append" && kexec -s -u

if ! (cd / && printf '%s\n' bin bin/kexec images images/vmlinuz-gzip.efi images/uki-zstd.signed.efi |
	cpio -o -H newc >/tmp/extra.cpio 2>/dev/null); then
	fail "cpio -o"
	return
fi
cat /stage2.cpio /tmp/extra.cpio >/tmp/stage2-kexec.cpio
log "second kernel initramfs: $(wc -c </stage2.cpio) + $(wc -c </tmp/extra.cpio) bytes"
if kt "patched -s -l gzip" kexec -d -s -l /images/vmlinuz-gzip.efi \
	--initrd=/tmp/stage2-kexec.cpio --append="$append"; then
	log "kexec -e"
	kexec -e
fi
fail "kexec -s -l / kexec -e of /images/vmlinuz-gzip.efi"
