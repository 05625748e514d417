# In the payload kernel (no zboot or UKI loader), by stage2.sh's zbt.stage2=
# hook for kexec-tools-fallback.sh: our kexec-tools must still load a zboot
# image, by unwrapping it once the kernel has refused it as an unknown format,
# and a UKI, by taking off its two layers (UKI, then the zboot in .linux).
. /scenarios/kexec-tools-lib.sh
kt "patched -s -l gzip on $(uname -r)" \
	kexec -d -s -l /images/vmlinuz-gzip.efi --append="console=ttyAMA0 panic=-1" ||
	fail "kexec -s -l /images/vmlinuz-gzip.efi on a kernel without a zboot loader"
kexec -s -u
kt "patched -s -l signed uki on $(uname -r)" \
	kexec -d -s -l /images/uki-zstd.signed.efi --append="console=ttyAMA0 panic=-1" ||
	fail "kexec -s -l /images/uki-zstd.signed.efi on a kernel without a UKI loader"
