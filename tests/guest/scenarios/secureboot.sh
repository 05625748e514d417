# zbt.test=secureboot: the distribution's boot chain. UEFI firmware (AAVMF,
# Secure Boot on, db = the snakeoil key) verified and started the db-signed
# zboot image of this test kernel; nothing on the command line asks for
# lockdown: Secure Boot turned it on. Kexec must now accept what the db key
# signed (found through the .platform keyring) and refuse everything else.
# Boot with crashkernel= (the crash kernel rows).
mount -t securityfs securityfs /sys/kernel/security
log "command line: $(cat /proc/cmdline)"
log "lockdown: $(cat /sys/kernel/security/lockdown)"
log "firmware: $(dmesg | grep -m1 -o 'secureboot: .*')"

# The keyrings and the keys in them, as /proc/keys shows them: the firmware's
# db certificate is in .platform, the built-in test key in .builtin_trusted_keys.
keyrings() {
	awk '$8 == "keyring" && $9 ~ /^\./ { $1 = $2 = $3 = $4 = $5 = $6 = $7 = ""; print }
	     $8 == "asymmetri" { $1 = $2 = $3 = $4 = $5 = $6 = $7 = ""; print }' /proc/keys |
		sed 's/^ *//' | sort | while IFS= read -r line; do log "key: $line"; done
}
keyrings

# One kexec_file_load(2) and the PE verifier's verdict (logged by the loader);
# a load that must succeed is checked and unloaded again.
# row NAME WANT FILE [zbt load options]
row() {
	name=$1 want=$2 file=$3
	shift 3
	crash=
	case " $* " in *" --crash "*) crash=--crash ;; esac
	dmesg -c >/dev/null
	result=$(zbt expect "$want" "$@" "$file")
	status=$?
	verdict=$(dmesg | sed -n 's/.*kexec_file(zboot): PE signature //p' | tail -n 1)
	loaded=
	if [ $status -eq 0 ] && [ "$want" = 0 ]; then
		if [ -n "$crash" ]; then
			loaded="; kexec_crash_loaded=$(cat /sys/kernel/kexec_crash_loaded)"
		else
			loaded="; kexec_loaded=$(cat /sys/kernel/kexec_loaded)"
		fi
		zbt unload $crash >/dev/null
	fi
	log "secureboot $name: ${result#zbt: }; verifier: ${verdict:-not called}$loaded"
	[ $status -eq 0 ] || fail "secureboot $name"
}
row db-signed-zstd 0 /images/vmlinuz-zstd.db-signed.efi
row db-signed-gzip 0 /images/vmlinuz-gzip.db-signed.efi
row unsigned EPERM /images/vmlinuz-gzip.efi
row wrong-key EPERM /images/vmlinuz-gzip.wrongkey.efi
# The test kernel also trusts its built-in test key (.builtin_trusted_keys,
# searched before .platform), as a distribution kernel trusts its own built-in key.
row builtin-key 0 /images/vmlinuz-gzip.signed.efi
# Crash kernels: kexec_file_load(..., KEXEC_FILE_ON_CRASH) into crashkernel=.
crash="--crash --initrd /stage2.cpio --append console=ttyAMA0"
row crash-db-signed 0 /images/vmlinuz-zstd.db-signed.efi $crash
row crash-unsigned EPERM /images/vmlinuz-zstd.efi $crash
# A UKI signed with the db key (its outer signature; the zboot inside is
# unsigned), as a kernel and as a crash kernel; the same UKI unsigned.
row db-signed-uki 0 /images/uki-zstd.db-signed.efi
row crash-db-signed-uki 0 /images/uki-zstd.db-signed.efi $crash
row unsigned-uki EPERM /images/uki-zstd.efi

# ---- The clients users run, on the same path ---------------------------------
# kexec-tools 2.0.32 with tests/kexec-tools/2.0.32 and Debian sid's systemctl
# (this boot has initramfs-systemd.cpio): each loads the db-signed zstd zboot
# (then unloads it) and is refused the unsigned one.
. /scenarios/kexec-tools-lib.sh
append="console=ttyAMA0 panic=-1 zbt.stage=2 zbt.from=secureboot-client"
kt "patched -s -l db-signed zstd" kexec -d -s -l /images/vmlinuz-zstd.db-signed.efi \
	--initrd=/stage2.cpio --append="$append" && kexec -s -u
kt "patched -s -p db-signed zstd" kexec -d -s -p /images/vmlinuz-zstd.db-signed.efi \
	--initrd=/stage2.cpio --append="$append nr_cpus=1" && kexec -s -p -u
kt "patched -s -l unsigned gzip" kexec -d -s -l /images/vmlinuz-gzip.efi \
	--initrd=/stage2.cpio --append="$append"
# The db-signed UKI, offered to the kernel as it is (tests/kexec-tools/2.0.32/0006).
kt "patched -s -l db-signed uki" kexec -d -s -l /images/uki-zstd.db-signed.efi \
	--initrd=/stage2.cpio --append="$append" && kexec -s -u

# systemctl kexec of a Boot Loader Spec entry (see systemd.sh); it exits 1
# without a service manager, the image loaded or not.
systemctl_kexec() { # IMAGE
	esp=/run/boot-loader-entries
	rm -rf $esp && mkdir -p $esp/loader/entries
	ln "/images/$1" "$esp/$1" && ln /stage2.cpio $esp/stage2.cpio
	printf 'title %s\nlinux /%s\ninitrd /stage2.cpio\noptions %s\n' "$1" "$1" "$append" \
		>$esp/loader/entries/zbt.conf
	dmesg -c >/dev/null
	SYSTEMD_COLORS=0 /usr/bin/systemctl kexec >/tmp/systemctl.out 2>&1
	status=$?
	verdict=$(dmesg | sed -n 's/.*kexec_file(zboot): PE signature //p' | tail -n 1)
	# systemd does not ask for KEXEC_FILE_DEBUG: a verified load logs no verdict.
	log "systemctl kexec $1: exit $status; kexec_loaded=$(cat /sys/kernel/kexec_loaded);" \
		"verifier: ${verdict:-no line}"
	kexec -s -u 2>/dev/null
}
if [ -x /usr/bin/systemctl ]; then
	systemctl_kexec vmlinuz-zstd.db-signed.efi
	systemctl_kexec vmlinuz-gzip.efi
else
	fail "no systemctl: boot with initramfs-systemd.cpio"
fi

image=vmlinuz-zstd.db-signed.efi
append="console=ttyAMA0 panic=-1 zbt.stage=2 zbt.from=$image"
if zbt load --initrd /stage2.cpio --append "$append" "/images/$image"; then
	log "kexec into $image"
	zbt exec
fi
fail "kexec into $image"
