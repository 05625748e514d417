#!/usr/bin/env bash
# make run: boot the test kernel under QEMU; from its initramfs load the zboot
# image vmlinuz-zstd.efi with kexec_file_load(2) and reboot into it. The
# console scrolls by live; the second kernel's banner is the proof.
set -euo pipefail
. "$(dirname "$0")/env.sh"
log=$build/logs/demo.log
mkdir -p "$build/logs"
image=vmlinuz-zstd.efi
# KERNEL=6.12 (default) or the 7.x tree make kernel built (e.g. KERNEL=7.3).
first=$(python3 - "$artifacts/kernels.json" "${KERNEL:-6.12}" <<'PY'
import json, sys
kernels = json.load(open(sys.argv[1]))
want = sys.argv[2]
match = [k for k in kernels if k["name"] == want or (want == "7" and k["name"].startswith("7."))]
if not match:
    sys.exit(f"make run: no kernel {want!r}; built: {', '.join(k['name'] for k in kernels)}")
print(match[0]["image"])
PY
)
say "booting build/artifacts/$first under QEMU; its init will kexec_file_load $image"
say "(console follows; a copy goes to $log)"
qemu-system-aarch64 -M virt -cpu max,pauth-impdef=on -smp 2 -m 1G -nographic \
	-no-reboot -nic none -kernel "$artifacts/$first" -initrd "$build/guest/initramfs.cpio" \
	-append "console=ttyAMA0 panic=-1 zbt.test=demo zbt.image=$image" \
	</dev/null 2>&1 | tee "$log"
echo
first_banner=$(grep -m1 -o 'Linux version [^ ]*' "$log" || true)
second=$(grep -o 'Linux version [^ ]*' "$log" | sed -n 2p || true)
loader=$(grep -m1 -o 'kexec_file(zboot): .* payload of .*' "$log" | tr -d '\r' || true)
if [ -n "$second" ] && grep -q 'ZBT: second kernel reached init' "$log"; then
	say "first kernel:  ${first_banner#Linux version }"
	say "loader:        $loader"
	say "second kernel: ${second#Linux version } (booted from $image, reached its init)"
	say "its banner:    $(grep 'Linux version' "$log" | sed -n 2p | tr -d '\r')"
else
	die "the second kernel did not come up; see $log"
fi
