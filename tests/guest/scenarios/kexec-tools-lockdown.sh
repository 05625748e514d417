# zbt.test=kexec-tools-lockdown (boot with lockdown=integrity): the signed zstd
# zboot image, with the kexec-tools users run. kexec-tools 2.0.32 as released
# decompresses it and hands the kernel the unsigned Image inside: EPERM. With
# tests/kexec-tools/2.0.32 the file goes to the kernel as it is, its PE
# signature is verified, it loads, and kexec -e boots it.
. /scenarios/kexec-tools-lib.sh
image=/images/vmlinuz-zstd.signed.efi
append="console=ttyAMA0 panic=-1 zbt.stage=2 zbt.from=kexec-tools-lockdown"
kt_lockdown

kt "unpatched -s -l signed zstd" \
	kexec-unpatched -d -s -l "$image" --initrd=/stage2.cpio --append="$append"
# The rest of the README's table ("with the tools you have"), under lockdown:
# unsigned with each, and bookworm's 2.0.25 with the signed image.
kt "unpatched -s -l unsigned zstd" \
	kexec-unpatched -d -s -l /images/vmlinuz-zstd.efi --initrd=/stage2.cpio --append="$append"
kt "patched -s -l unsigned zstd" \
	kexec -d -s -l /images/vmlinuz-zstd.efi --initrd=/stage2.cpio --append="$append"
kt "2.0.25 unpatched -s -l unsigned zstd" \
	kexec-2.0.25-unpatched -d -s -l /images/vmlinuz-zstd.efi --initrd=/stage2.cpio \
	--append="$append"
kt "2.0.25 unpatched -s -l signed zstd" \
	kexec-2.0.25-unpatched -d -s -l "$image" --initrd=/stage2.cpio --append="$append"
kt "2.0.25 -s -l unsigned zstd" \
	kexec-2.0.25 -d -s -l /images/vmlinuz-zstd.efi --initrd=/stage2.cpio --append="$append"
kt "2.0.25 -s -l signed zstd" \
	kexec-2.0.25 -d -s -l "$image" --initrd=/stage2.cpio --append="$append" &&
	kexec-2.0.25 -s -u
if kt "patched -s -l signed zstd" \
	kexec -d -s -l "$image" --initrd=/stage2.cpio --append="$append"; then
	log "kexec -e"
	kexec -e
fi
fail "kexec -s -l / kexec -e of $image under lockdown"
