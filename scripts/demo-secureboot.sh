#!/usr/bin/env bash
# make run-secureboot: the boot chain of a distribution under UEFI Secure Boot.
# QEMU runs UEFI firmware (Debian's AAVMF; Secure Boot on, db = the snakeoil
# key), which verifies and starts the test kernel's db-signed zboot image; the
# kernel locks itself down, loads db into its .platform keyring, and its init
# kexecs a db-signed zboot image with `kexec -s -l` (an unsigned one is refused).
# KERNEL=7.3 starts from the 7.x test kernel instead.
set -euo pipefail
. "$(dirname "$0")/env.sh"
log=$build/logs/demo-secureboot.log
mkdir -p "$build/logs" "$build/firmware-vars"
"$top/scripts/sign-secureboot.sh"
# KERNEL=6.12 (default) or the 7.x tree make kernel built (e.g. KERNEL=7.3):
# the firmware boots that tree's own zboot image, db-signed.
zboot=$(python3 - "$artifacts/kernels.json" "${KERNEL:-6.12}" <<'PY'
import json, sys
kernels = json.load(open(sys.argv[1]))
want = sys.argv[2]
match = [k for k in kernels if k["name"] == want or (want == "7" and k["name"].startswith("7."))]
if not match:
    sys.exit(f"make run-secureboot: no kernel {want!r}; built: "
             f"{', '.join(k['name'] for k in kernels)}")
print(match[0]["zboot"])
PY
)
kernel=$artifacts/${zboot%.efi}.db-signed.efi
image=vmlinuz-zstd.db-signed.efi
vars=$(mktemp "$build/firmware-vars/demo-XXXXXX.fd")
trap 'rm -f "$vars"' EXIT
cp /usr/share/AAVMF/AAVMF_VARS.snakeoil.fd "$vars"
say "booting UEFI firmware (Secure Boot on, db: snakeoil) -> $(basename "$kernel") under QEMU"
say "its init will kexec -s -l $image (console follows; a copy goes to $log)"
qemu-system-aarch64 -M virt,acpi=off -cpu max,pauth-impdef=on -smp 2 -m 1G -nographic \
	-no-reboot -nic none \
	-drive if=pflash,format=raw,readonly=on,file=/usr/share/AAVMF/AAVMF_CODE.fd \
	-drive if=pflash,format=raw,file="$vars" \
	-kernel "$kernel" -initrd "$build/guest/initramfs.cpio" \
	-append "console=ttyAMA0 panic=-1 zbt.test=secureboot-demo zbt.image=$image" \
	</dev/null 2>&1 | tee "$log"
echo
line() { grep -m1 -o "$1" "$log" | tr -d '\r' || true; }
first=$(grep -m1 -o 'Linux version [^ ]*' "$log" || true)
second=$(grep -o 'Linux version [^ ]*' "$log" | sed -n 2p || true)
if [ -n "$second" ] && grep -q 'ZBT: second kernel reached init' "$log" &&
	grep -q 'kexec_file(zboot): PE signature verified' "$log"; then
	say "firmware:      $(line 'UEFI Secure Boot is enabled') (stub), $(line 'secureboot: .*')"
	say "first kernel:  ${first#Linux version } (db-signed zboot, started by the firmware)"
	say "lockdown:      $(line 'Kernel is locked down from [^;]*')"
	say "platform key:  $(line "integrity: Loaded X.509 cert '[^']*'")"
	say "unsigned:      $(line 'ZBT: refused: .*' | sed 's/^ZBT: refused: //')"
	say "loader:        $(line 'kexec_file(zboot): PE signature verified')"
	say "second kernel: ${second#Linux version } (booted from $image, reached its init)"
else
	die "the Secure Boot chain did not complete; see $log"
fi
