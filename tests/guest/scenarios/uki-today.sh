# zbt.test=uki-today (booted with and without lockdown=integrity): what the
# clients of today do with a signed UKI (build/artifacts/uki-zstd{,.signed}.efi,
# made by Debian's ukify around the unsigned vmlinuz-zstd.efi, and one around
# the signed vmlinuz-zstd.signed.efi), measured for the README's UKI table:
#   - the raw syscall: the kernel's UKI loader takes the file (uki.sh tests it);
#   - kexec-tools 2.0.32 as released cuts .linux and .initrd out in user
#     space, drops .cmdline and the signature, and hands the kernel the
#     unwrapped pieces; with our series (0006) the UKI goes to the kernel as it
#     is, and its UKI loader checks the UKI's signature (EPERM for the
#     unsigned one under lockdown, no unwrapping).
# Each load that succeeds is undone again (kexec -s -u); nothing is kexec'd.
. /scenarios/kexec-tools-lib.sh
kt_lockdown
append="console=ttyAMA0 panic=-1 zbt.from=uki-today-caller"
zbt expect 0 /images/uki-zstd.signed.efi && zbt unload
kt "unpatched -s -l signed uki" kexec-unpatched -d -s -l /images/uki-zstd.signed.efi \
	--append="$append" && kexec -s -u
kt "patched -s -l signed uki" kexec -d -s -l /images/uki-zstd.signed.efi \
	--append="$append" && kexec -s -u
kt "unpatched -s -l unsigned uki" kexec-unpatched -d -s -l /images/uki-zstd.efi \
	--append="$append" && kexec -s -u
kt "patched -s -l unsigned uki" kexec -d -s -l /images/uki-zstd.efi \
	--append="$append" && kexec -s -u
# The inner kernel signed on its own (ukify --sign-kernel): the released
# kexec-uki.c cuts .linux at SizeOfRawData, so the signed inner zboot would
# get the section's padding appended (its signature breaks); our
# tests/kexec-tools/2.0.32/0005 cuts it at VirtualSize (for kernels it has to
# unwrap the UKI for), and 0006 hands this kernel the UKI as it is.
kt "unpatched -s -l inner-signed uki" kexec-unpatched -d -s -l \
	/images/uki-zstd-inner-signed.signed.efi --append="$append" && kexec -s -u
kt "patched -s -l inner-signed uki" kexec -d -s -l \
	/images/uki-zstd-inner-signed.signed.efi --append="$append" && kexec -s -u
log "uki-today done"
