# SPDX-License-Identifier: GPL-2.0
"""QEMU scenarios of systemd as a client (tests/guest/scenarios/systemd.sh).

Debian sid's unmodified `systemctl kexec` (systemd >= 261 calls
kexec_file_load(2) itself on the default Boot Loader Spec entry) runs in the
guest without systemd as PID 1: only systemctl, libsystemd-shared and glibc
(scripts/make-guest-systemd.sh), from build/guest/initramfs-systemd.cpio (the
test initramfs with those files appended as a second cpio archive). The entry
lives under /run/boot-loader-entries/; systemctl loads it, then cannot reach a
service manager, so the guest does reboot(LINUX_REBOOT_CMD_KEXEC) itself.
"""

import os
import re

import qemu
from kernels import SECOND_KERNEL
from qemu import Scenario

INITRD = os.path.join(qemu.BUILD, "guest", "initramfs-systemd.cpio")
FILES = os.path.join(qemu.BUILD, "guest", "systemd-root.txt")

LOCKED = r"ZBT: lockdown: none \[integrity\] confidentiality"
UNLOCKED = r"ZBT: lockdown: \[none\] integrity confidentiality"
# systemd >= 261: systemctl kexec calls kexec_file_load(2) itself.
VERSIONS = [r"ZBT: systemd: systemd (26[1-9]|2[7-9]\d|[3-9]\d\d)\b", r"ZBT: glibc: .*GLIBC"]
OPTIONS = "console=ttyAMA0 panic=-1 zbt.stage=2 zbt.from=systemd"
# What systemctl says (at SYSTEMD_LOG_LEVEL=debug), replayed by the guest after
# it exits: after the kernel's lines of the same load.
CHOSE = (r'ZBT: systemctl: Found default boot loader entry in file '
         r'"/run/boot-loader-entries/loader/entries/zbt-systemd\.conf"')
SYSTEMCTL_LOADS = (r'ZBT: systemctl: Calling kexec_file_load\(\) '
                   r'kernel="/run/boot-loader-entries/+{image}" '
                   r'cmdline="{options}" initrd="/run/boot-loader-entries/+stage2\.cpio"')
NO_PID1 = (r"ZBT: systemctl: System has not been booted with systemd as init system "
           r"\(PID 1\)\. Can't operate\.")
# systemd decompresses in user space when the kernel refuses the file with
# ENOEXEC/EINVAL, and runs /usr/sbin/kexec when kexec_file_load(2) fails
# otherwise: either means the in-kernel loader did not take the file.
USERSPACE_FALLBACK = [r"Kernel rejected image, trying decompression",
                      r"falling back to /usr/sbin/kexec"]


def entry(image):
    return [rf"ZBT: entry: linux /{re.escape(image)}$",
            r"ZBT: entry: initrd /stage2\.cpio$",
            rf"ZBT: entry: options {re.escape(OPTIONS)}$"]


def loads(image):
    return SYSTEMCTL_LOADS.format(image=re.escape(image), options=re.escape(OPTIONS))


def kexec_expect(image):
    """systemctl loaded `image` with kexec_file_load(2) (no user-space fallback:
    the zboot loader took it), then failed to reach the service manager; the
    guest kexecs; the second kernel boots."""
    return [
        CHOSE,
        loads(image),
        NO_PID1,
        r"ZBT: systemctl kexec exit status 1 kexec_loaded=1",
        rf"ZBT: systemctl loaded {re.escape(image)}; reboot\(LINUX_REBOOT_CMD_KEXEC\)",
        r"Starting new kernel",
        rf"Linux version {SECOND_KERNEL}",
        rf"ZBT: second kernel reached init: {SECOND_KERNEL}",
        rf"ZBT: second kernel command line: .*{re.escape(OPTIONS)}",
    ]


def systemd_scenarios(kernel):
    signed = "vmlinuz-zstd.signed.efi"
    unsigned = "vmlinuz-zstd.efi"
    return [
        Scenario(
            "systemd-signed",
            f"lockdown=integrity zbt.test=systemd zbt.image={signed} zbt.want=loaded",
            # Loaded under lockdown: the PE signature was verified.
            [LOCKED, *VERSIONS, *entry(signed), *kexec_expect(signed)],
            # systemd does not ask for KEXEC_FILE_DEBUG: a load says nothing.
            forbid=[*USERSPACE_FALLBACK, r"kexec_file\(zboot\): "],
            initrd=INITRD,
            description="lockdown=integrity: systemctl kexec loads a signed zstd zboot "
                        "BLS entry; kexec"),
        Scenario(
            "systemd-unsigned-locked",
            f"lockdown=integrity zbt.test=systemd zbt.image={unsigned} zbt.want=refused",
            [LOCKED, *VERSIONS, *entry(unsigned),
             r"kexec_file\(zboot\): PE signature not verified: ENODATA",
             r"Lockdown: systemctl: kexec of unsigned images is restricted",
             CHOSE,
             loads(unsigned),
             r"ZBT: systemctl: kexec_file_load\(\) failed, falling back to /usr/sbin/kexec "
             r"binary: Operation not permitted",
             r"ZBT: systemctl: /usr/sbin/kexec is not available: No such file or directory",
             r"ZBT: systemctl kexec exit status 1 kexec_loaded=0",
             rf"ZBT: systemctl kexec of {re.escape(unsigned)} refused"],
            # EPERM: no decompression, neither in the kernel nor in user space.
            forbid=[r"kexec_file\(zboot\): zstd payload of", r"Starting new kernel",
                    USERSPACE_FALLBACK[0]],
            initrd=INITRD,
            description="lockdown=integrity: an unsigned zboot entry is refused (EPERM), "
                        "no user-space fallback"),
        Scenario(
            "systemd-unlocked",
            f"zbt.test=systemd zbt.image={unsigned} zbt.want=loaded zbt.also={signed}",
            [UNLOCKED, *VERSIONS,
             rf"ZBT: systemctl kexec of {re.escape(signed)}: exit 1; kexec_loaded=1",
             *entry(unsigned),
             r"kexec_file\(zboot\): PE signature not verified: ENODATA",
             *kexec_expect(unsigned)],
            forbid=USERSPACE_FALLBACK,
            initrd=INITRD,
            description="no lockdown: systemctl kexec loads a signed, then an unsigned "
                        "zstd zboot entry through the in-kernel loader; kexec"),
    ]


# systemctl kexec on a type #2 entry (tests/guest/scenarios/systemd-uki.sh): the UKI
# itself goes to kexec_file_load(2), with its .cmdline and no initrd.
UKI_OPTIONS = "console=ttyAMA0 panic=-1 zbt.stage=2 zbt.from=uki-cmdline"
UKI_CHOSE = r'ZBT: systemctl: Found default boot loader entry in file "/efi/EFI/Linux/zbt\.efi"'
UKI_LOADS = (r'ZBT: systemctl: Calling kexec_file_load\(\) kernel="/efi/EFI/Linux/zbt\.efi" '
             rf'cmdline="{re.escape(UKI_OPTIONS)}"$')


def uki_kexec_expect(signed, locked):
    """systemctl kexec of the type #2 entry `signed` loaded it (no user-space unwrap), and
    the second kernel got the UKI's .cmdline and initrd."""
    return [LOCKED if locked else UNLOCKED, VERSIONS[0],
            rf"ZBT: entry: type #2 /efi/EFI/Linux/zbt\.efi \({re.escape(signed)}\)",
            UKI_CHOSE, UKI_LOADS, NO_PID1,
            r"ZBT: systemctl kexec exit status 1 kexec_loaded=1",
            rf"ZBT: systemctl loaded {re.escape(signed)}; reboot\(LINUX_REBOOT_CMD_KEXEC\)",
            r"Starting new kernel",
            rf"Linux version {SECOND_KERNEL}",
            rf"ZBT: second kernel reached init: {SECOND_KERNEL}",
            rf"ZBT: second kernel command line: {re.escape(UKI_OPTIONS)}$",
            r"ZBT: second kernel has the UKI's initrd: zboot-kexec-rs UKI initrd"]


def systemd_uki_scenarios():
    signed = "uki-stage2.signed.efi"
    unsigned = "uki-zstd.efi"
    return [
        Scenario(
            "systemd-uki-signed",
            f"lockdown=integrity zbt.test=systemd-uki zbt.image={signed} zbt.want=loaded",
            uki_kexec_expect(signed, True),
            forbid=[*USERSPACE_FALLBACK, r"kexec_file\(zboot\): "],
            initrd=INITRD,
            description="lockdown=integrity: systemctl kexec hands a signed UKI (type #2 "
                        "entry) to the kernel as it is; it loads with its .initrd and "
                        ".cmdline; kexec"),
        Scenario(
            "systemd-uki-unlocked",
            f"zbt.test=systemd-uki zbt.image={signed} zbt.want=loaded",
            uki_kexec_expect(signed, False),
            forbid=[*USERSPACE_FALLBACK, r"kexec_file\(zboot\): "],
            initrd=INITRD,
            description="no lockdown: the same type #2 entry loads through the UKI loader "
                        "as it is; kexec"),
        Scenario(
            "systemd-uki-unsigned-locked",
            f"lockdown=integrity zbt.test=systemd-uki zbt.image={unsigned} zbt.want=refused",
            [LOCKED, VERSIONS[0],
             r"kexec_file\(zboot\): PE signature not verified: ENODATA",
             UKI_CHOSE,
             r'ZBT: systemctl: Calling kexec_file_load\(\) kernel="/efi/EFI/Linux/zbt\.efi"',
             r"ZBT: systemctl: kexec_file_load\(\) failed, falling back to /usr/sbin/kexec "
             r"binary: Operation not permitted",
             r"ZBT: systemctl kexec exit status 1 kexec_loaded=0",
             rf"ZBT: systemctl kexec of {re.escape(unsigned)} refused"],
            forbid=[r"Starting new kernel", USERSPACE_FALLBACK[0]],
            initrd=INITRD,
            description="lockdown=integrity: an unsigned UKI type #2 entry is refused (EPERM), "
                        "no user-space unwrap"),
    ]


def report(results):
    """The systemd and glibc the guest ran, and systemctl's own words."""
    ours = [r for r in results if r.scenario.name.startswith("systemd-")]
    if not ours:
        return
    print("\nsystemctl kexec (Debian's systemd, no systemd as PID 1)")
    if os.path.exists(FILES):
        with open(FILES) as f:
            for line in f:
                if not line.startswith("#"):
                    print(f"  {line.rstrip()}")
    key = re.compile(r"^ZBT: (systemd: .*|systemctl: (?:Calling|.*failed|.*not available"
                     r"|.*Can't operate).*|systemctl kexec exit status .*)$", re.M)
    for r in ours:
        with open(r.log, errors="replace") as f:
            said = key.findall(f.read())
        print(f"  {r.scenario.label}:")
        for i, line in enumerate(said):
            if line not in said[:i]:
                print(f"    {line}")


def systemd_group(kernel):
    return systemd_scenarios(kernel) + systemd_uki_scenarios()


GROUPS = {"systemd": systemd_group}
