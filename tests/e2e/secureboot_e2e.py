# SPDX-License-Identifier: GPL-2.0
"""UEFI Secure Boot as a distribution runs it (tests/guest/scenarios/secureboot*.sh).

The firmware is Debian's AAVMF with the snakeoil variable store: Secure Boot
on, PK/KEK/db = the snakeoil certificate. scripts/sign-secureboot.sh signs
each test kernel's own zboot image and the payload zboot images with that key
(*.db-signed.efi). Three boots per kernel:

  secureboot        firmware -> db-signed zboot of the test kernel (no lockdown=
                    on the command line): Secure Boot seen, lockdown on, db in the
                    .platform keyring; db-signed zboot images and a db-signed UKI
                    load (also as a crash kernel), unsigned and wrong-key ones get
                    EPERM with the verifier's verdict logged; then a db-signed
                    zstd zboot kexecs
  secureboot-nodb   QEMU's own -kernel Image (no firmware, no db): no lockdown,
                    .platform empty, the db-signed image is not trusted (ENOKEY)
                    and lockdown refuses it
  secureboot-unsigned-kernel
                    firmware -> the same zboot unsigned: the firmware refuses
                    it and Linux never starts
"""

import os
import re

import qemu
from kernels import SECOND_KERNEL
from qemu import Scenario

# A firmware boot to Linux's init takes 15-25 s under TCG; the refusal much less.
FIRMWARE_TIMEOUT = 300
REFUSAL_TIMEOUT = 120

# Rows of the guest's loads: name, kexec_file_load(2) result, PE verifier verdict.
ACCEPT_ROWS = [
    ("db-signed-zstd", "0", "verified"),
    ("db-signed-gzip", "0", "verified"),
    ("unsigned", "EPERM", "not verified: ENODATA"),
    ("wrong-key", "EPERM", "not verified: ENOKEY"),
    ("builtin-key", "0", "verified"),
    ("crash-db-signed", "0", "verified"),
    ("crash-unsigned", "EPERM", "not verified: ENODATA"),
    ("db-signed-uki", "0", "verified"),
    ("crash-db-signed-uki", "0", "verified"),
    ("unsigned-uki", "EPERM", "not verified: ENODATA"),
]
NODB_ROWS = [
    ("db-signed-unlocked", "0", "not verified: ENOKEY"),
    ("db-signed-locked", "EPERM", "not verified: ENOKEY"),
    ("builtin-key-locked", "0", "verified"),
]

# The clients users run, in the same boot (secureboot.sh): patched kexec-tools
# (kexec-tools-lib.sh's summary lines) and systemctl kexec.
CLIENT_EXPECT = [
    r"ZBT: kt patched -s -l db-signed zstd: exit 0; kexec_loaded=1; route: as it is; "
    r"zboot loader lines: [1-9]\d*; error: none$",
    r"ZBT: kt patched -s -p db-signed zstd: exit 0; kexec_crash_loaded=1; route: as it is; "
    r"zboot loader lines: [1-9]\d*; error: none$",
    r"ZBT: kt patched -s -l unsigned gzip: exit 255; kexec_loaded=0; route: as it is; "
    r"zboot loader lines: [1-9]\d*; error: kexec_file_load failed: Operation not permitted$",
    r"ZBT: kt patched -s -l db-signed uki: exit 0; kexec_loaded=1; route: as it is \(UKI\); "
    r"zboot loader lines: [1-9]\d*; error: none$",
    r"ZBT: systemctl kexec vmlinuz-zstd\.db-signed\.efi: exit 1; kexec_loaded=1; "
    r"verifier: no line$",
    r"ZBT: systemctl kexec vmlinuz-gzip\.efi: exit 1; kexec_loaded=0; "
    r"verifier: not verified: ENODATA$",
]


def db_signed(zboot):
    """The db-signed copy scripts/sign-secureboot.sh makes of a zboot image."""
    return os.path.splitext(zboot)[0] + ".db-signed.efi"


def row_patterns(rows, loaded=True):
    out = []
    for name, want, verdict in rows:
        got = r"got 0 \(ok\)" if want == "0" else rf"got -\d+ \({want}\)"
        tail = r"; kexec_(?:crash_)?loaded=1" if want == "0" and loaded else ""
        out.append(rf"ZBT: secureboot {name}: PASS \S+: {got}; verifier: {verdict}{tail}$")
    return out


def accept_scenario(kernel):
    image = "vmlinuz-zstd.db-signed.efi"
    return Scenario(
        "secureboot", "crashkernel=256M zbt.test=secureboot",
        # (6.12's EFI stub also says "UEFI Secure Boot is enabled"; 7.x's is quiet)
        [rf"Linux version {kernel.release_re}",
         r"Kernel is locked down from EFI Secure Boot",
         r"secureboot: Secure boot enabled",
         r"integrity: Platform Keyring initialized",
         r"integrity: Loading X\.509 certificate: UEFI:db",
         r"integrity: Loaded X\.509 cert 'SnakeOil: [0-9a-f]+'",
         r"ZBT: command line: (?!.*lockdown=).*zbt\.test=secureboot",
         r"ZBT: lockdown: none \[integrity\] confidentiality",
         r"ZBT: firmware: secureboot: Secure boot enabled",
         # /proc/keys, sorted; it cuts the type name to 9 characters
         r"ZBT: key: asymmetri SnakeOil: [0-9a-f]+: X509",
         r"ZBT: key: keyring \.platform: 1$",
         *row_patterns(ACCEPT_ROWS),
         *CLIENT_EXPECT,
         rf"ZBT: kexec into {re.escape(image)}",
         r"Starting new kernel",
         rf"Linux version {SECOND_KERNEL}",
         rf"ZBT: second kernel reached init: {SECOND_KERNEL}",
         rf"ZBT: second kernel command line: .*zbt\.from={re.escape(image)}"],
        kernel=db_signed(kernel.zboot),
        initrd=os.path.join(qemu.BUILD, "guest", "initramfs-systemd.cpio"),
        firmware=qemu.VARS_SECURE_BOOT,
        timeout=FIRMWARE_TIMEOUT,
        description="UEFI Secure Boot -> db-signed zboot; lockdown from Secure Boot; "
                    "db-signed loads via .platform (zbt, kexec -s -l/-p, systemctl "
                    "kexec), crash too; others EPERM; kexec")


def nodb_scenario(kernel):
    return Scenario(
        "secureboot-nodb", "zbt.test=secureboot-nodb",
        [r"ZBT: command line: (?!.*lockdown=)",
         r"ZBT: lockdown: \[none\] integrity confidentiality",
         r"ZBT: firmware: no Secure Boot state",
         r"ZBT: key: keyring \.platform: empty",
         *row_patterns(NODB_ROWS[:1], loaded=False),
         r"ZBT: lockdown raised: none \[integrity\] confidentiality",
         *row_patterns(NODB_ROWS[1:], loaded=False),
         r"ZBT: end of scenario secureboot-nodb"],
        forbid=[r"secureboot: Secure boot enabled", r"Kernel is locked down from EFI",
                r"ZBT: key: asymmetri SnakeOil", r"integrity: Loaded X\.509"],
        description="no firmware (-kernel Image): no lockdown, .platform empty; "
                    "db-signed image untrusted (ENOKEY), EPERM under lockdown")


def unsigned_kernel_scenario(kernel):
    return Scenario(
        "secureboot-unsigned-kernel", "zbt.test=none",
        [r"UEFI firmware",
         r"BdsDxe: failed to load Boot0001 .*: Not Found",
         r"BdsDxe: failed to start Boot0002 .*: Security Violation",
         r"BdsDxe: No bootable option or device was found"],
        forbid=[r"EFI stub", r"Linux version", r"ZBT:"],
        kernel=kernel.zboot,
        firmware=qemu.VARS_SECURE_BOOT,
        stop_at=r"Press any key to enter the Boot Manager Menu",
        timeout=REFUSAL_TIMEOUT,
        description="UEFI Secure Boot refuses the unsigned zboot: Linux never starts")


def uki_firmware_scenario(kernel):
    """Firmware -> a db-signed UKI of the test kernel (systemd-stub): its .cmdline, not QEMU's
    -append, and its .initrd ahead of QEMU's; then db-signed UKIs kexec through the .platform
    keyring, an unsigned one gets EPERM."""
    stem = os.path.splitext(os.path.basename(kernel.zboot))[0]
    image = "uki-zstd.db-signed.efi"
    return Scenario(
        "secureboot-uki", "zbt.test=none",
        [rf"Linux version {kernel.release_re}",
         r"Kernel is locked down from EFI Secure Boot",
         # The UKI's own .cmdline: nothing of the -append QEMU passes (zbt.test=none ...).
         r"Kernel command line: console=ttyAMA0 panic=-1 crashkernel=256M "
         r"zbt\.test=secureboot-uki$",
         r"ZBT: lockdown: none \[integrity\] confidentiality",
         r"ZBT: firmware: secureboot: Secure boot enabled",
         r"ZBT: the booting UKI's initrd: zboot-kexec-rs UKI initrd",
         rf"zbt: PASS /images/{re.escape(image)}: got 0 \(ok\)",
         rf"zbt: PASS /images/{re.escape(image)}: got 0 \(ok\)",
         r"zbt: PASS /images/uki-zstd\.efi: got -1 \(EPERM\)",
         r"ZBT: kt patched -s -l db-signed uki: exit 0; kexec_loaded=1; route: as it is "
         r"\(UKI\); zboot loader lines: [1-9]\d*; error: none$",
         r"Starting new kernel",
         rf"Linux version {SECOND_KERNEL}",
         rf"ZBT: second kernel reached init: {SECOND_KERNEL}",
         r"ZBT: second kernel command line: console=ttyAMA0 panic=-1 zbt\.stage=2 "
         r"zbt\.from=uki-cmdline$",
         r"ZBT: second kernel has the UKI's initrd: zboot-kexec-rs UKI initrd"],
        forbid=[r"zbt\.test=none"],
        kernel=os.path.join(qemu.ARTIFACTS, f"uki-{stem}.db-signed.efi"),
        firmware=qemu.VARS_SECURE_BOOT,
        timeout=FIRMWARE_TIMEOUT,
        description="UEFI Secure Boot -> db-signed UKI (systemd-stub: its .cmdline and "
                    ".initrd); db-signed UKIs kexec via .platform (zbt, crash, kexec -s -l), "
                    "unsigned EPERM; kexec")


def secureboot_scenarios(kernel):
    return [accept_scenario(kernel), nodb_scenario(kernel), unsigned_kernel_scenario(kernel),
            uki_firmware_scenario(kernel)]


def report(results):
    for r in results:
        if r.scenario.name != "secureboot":
            continue
        with open(r.log, errors="replace") as f:
            log = f.read()
        print(f"\nSecure Boot on {r.scenario.group} (firmware boot, {r.seconds:.1f}s; "
              "kexec_file_load result; PE verifier verdict from the loader)")
        for name, _, verdict in ACCEPT_ROWS:
            m = re.search(rf"ZBT: secureboot {name}: (PASS|FAIL) \S+: got (\S+ \(\S+\))", log)
            cell = f"{m.group(2)} {m.group(1)}" if m else "missing"
            print(f"  {name:<20} {cell:<22} {verdict}")


GROUPS = {"secureboot": secureboot_scenarios}
