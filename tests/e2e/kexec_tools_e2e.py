# SPDX-License-Identifier: GPL-2.0
"""QEMU scenarios of the kexec-tools users run (tests/guest/scenarios/kexec-tools-*.sh).

The real `kexec` command lines, with the static arm64 builds of
scripts/build-kexec-tools.sh: kexec-tools 2.0.32 with our series
(tests/kexec-tools/2.0.32, /bin/kexec), the same 2.0.32 as released
(/bin/kexec-unpatched), and bookworm's 2.0.25 with and without
tests/kexec-tools/2.0.25. Each load is summed up by the guest in one line
(tests/guest/scenarios/kexec-tools-lib.sh):

  ZBT: kt LABEL: exit N; kexec_loaded=V; route: R; zboot loader lines: N; error: E

where the route comes from kexec -d and "zboot loader lines" counts the
in-kernel loader's kexec_file(zboot) messages during that command: a
refusal's line, or, when the load succeeds, its debug line, which only
kexec-tools 2.0.32 asks for (-d sets KEXEC_FILE_DEBUG; 2.0.25 predates the
flag, so its successful loads show 0 lines).
"""

import re

from kernels import SECOND_KERNEL
from qemu import Scenario

LOCKDOWN = r"ZBT: lockdown: none \[integrity\] confidentiality"
EPERM = r"kexec_file_load failed: Operation not permitted"


def kt(label, status, loaded, route, zboot, error="none", crash=False):
    """The summary line of one kexec command (kexec-tools-lib.sh)."""
    flag = "kexec_crash_loaded" if crash else "kexec_loaded"
    return (rf"ZBT: kt {re.escape(label)}: exit {status}; {flag}={loaded}; "
            rf"route: {route}; zboot loader lines: {zboot}; error: {error}$")


def zboot_loaded(method):
    """The in-kernel loader's debug lines for a signed image it verified and loaded
    (kexec -d of 2.0.32 asks for them)."""
    return [r"kexec_file\(zboot\): PE signature verified",
            rf"kexec_file\(zboot\): {method} payload of \d+ bytes decompressed to \d+ "
            r"bytes in \d+ us"]


def second_kernel(scenario):
    return [rf"Linux version {SECOND_KERNEL}",
            rf"ZBT: second kernel reached init: {SECOND_KERNEL}",
            rf"ZBT: second kernel command line: .*zbt\.from={scenario}"]


def lockdown_scenario():
    return Scenario(
        "kexec-tools-lockdown", "lockdown=integrity zbt.test=kexec-tools-lockdown",
        [LOCKDOWN,
         kt("unpatched -s -l signed zstd", 255, 0, "unwrapped in user space", 0, EPERM),
         kt("unpatched -s -l unsigned zstd", 255, 0, "unwrapped in user space", 0, EPERM),
         r"kexec_file\(zboot\): PE signature not verified: ENODATA",
         kt("patched -s -l unsigned zstd", 255, 0, "as it is", r"[1-9]\d*", EPERM),
         kt("2.0.25 unpatched -s -l unsigned zstd", 255, 0, r"none \(unknown file type\)", 0,
            r"Cannot determine the file type of /images/vmlinuz-zstd\.efi"),
         kt("2.0.25 unpatched -s -l signed zstd", 255, 0, r"none \(unknown file type\)", 0,
            r"Cannot determine the file type of /images/vmlinuz-zstd\.signed\.efi"),
         kt("2.0.25 -s -l unsigned zstd", 255, 0, r"as it is \(unknown type\)", r"[1-9]\d*",
            EPERM),
         kt("2.0.25 -s -l signed zstd", 0, 1, r"as it is \(unknown type\)", 0),
         *zboot_loaded("zstd"),
         kt("patched -s -l signed zstd", 0, 1, "as it is", r"[1-9]\d*"),
         r"ZBT: kexec -e",
         r"Starting new kernel",
         *second_kernel("kexec-tools-lockdown")],
        description="lockdown: signed zstd zboot, 2.0.32 EPERM (unwraps), ours loads it "
                    "as it is, kexec -e")


def kdump_scenario():
    return Scenario(
        "kexec-tools-kdump",
        "lockdown=integrity crashkernel=256M zbt.test=kexec-tools-kdump",
        [LOCKDOWN,
         r"ZBT: crash reservation: .*: Crash kernel",
         kt("unpatched -s -p signed zstd", 255, 0, "unwrapped in user space", 0, EPERM,
            crash=True),
         *zboot_loaded("zstd"),
         kt("patched -s -p signed zstd", 0, 1, "as it is", r"[1-9]\d*", crash=True),
         r"ZBT: kexec -s -p -u: kexec_crash_loaded=0",
         *zboot_loaded("zstd"),
         kt("patched -s -p signed zstd again", 0, 1, "as it is", r"[1-9]\d*", crash=True),
         r"ZBT: triggering a panic",
         r"Kernel panic - not syncing: sysrq triggered crash",
         r"Starting crashdump kernel",
         *second_kernel("kexec-tools-kdump"),
         r"zbt: vmcore /proc/vmcore: ok phnum \d+ load \d+ note \d+",
         r"ZBT: vmcore is a valid ELF core dump"],
        allow=[r"Kernel panic", r"Call trace:"],
        description="lockdown: kexec -s -p of a signed zstd zboot (2.0.32 EPERM, ours "
                    "loads), panic, vmcore")


def fallback_scenario():
    return Scenario(
        "kexec-tools-fallback", "zbt.test=kexec-tools-fallback",
        [kt("unpatched -s -l zstd", 0, 1, "unwrapped in user space", 0),
         r"ZBT: after kexec -s -u: kexec_loaded=0",
         kt("unpatched -s -l signed zstd", 0, 1, "unwrapped in user space", 0),
         r"kexec_file\(zboot\): PE signature verified",
         kt("patched -s -l signed zstd", 0, 1, "as it is", r"[1-9]\d*"),
         r"kexec_file\(zboot\): gzip payload of \d+ bytes decompressed",
         kt("patched -s -l gzip", 0, 1, "as it is", r"[1-9]\d*"),
         r"ZBT: kexec -e",
         r"Starting new kernel",
         *second_kernel("kexec-tools-fallback"),
         r"ZBT: kt patched -s -l gzip on \S+ \| pez_arm64_load: passing the zboot image "
         r"to kexec_file_load\(\) as it is",
         r"ZBT: kt patched -s -l gzip on \S+ \| kexec_file_load_unwrapped: kernel does not "
         r"know the vmlinuz format \(EINVAL\), unwrapping /images/vmlinuz-gzip\.efi in user "
         r"space",
         r"ZBT: kt patched -s -l gzip on \S+ \| kexec_file_load_unwrapped: kexec_file_load "
         r"of the unwrapped kernel: ok",
         rf"ZBT: kt patched -s -l gzip on {SECOND_KERNEL}: exit 0; kexec_loaded=1; "
         r"route: unwrapped after the kernel refused it \(EINVAL\); zboot loader lines: 0; "
         r"error: none$",
         # A UKI: two layers come off (the UKI, then the zboot image in .linux).
         r"ZBT: kt patched -s -l signed uki on \S+ \| uki_image_load: passing the UKI to "
         r"kexec_file_load\(\) as it is",
         r"ZBT: kt patched -s -l signed uki on \S+ \| kexec_file_load_unwrapped: kernel does "
         r"not know the uki format \(EINVAL\), unwrapping /images/uki-zstd\.signed\.efi in "
         r"user space",
         r"ZBT: kt patched -s -l signed uki on \S+ \| kexec_file_load_unwrapped: "
         r"kexec_file_load of the unwrapped kernel: Invalid argument",
         r"ZBT: kt patched -s -l signed uki on \S+ \| kexec_file_load_unwrapped: kernel does "
         r"not know the unwrapped kernel's format \(EINVAL\)",
         r"ZBT: kt patched -s -l signed uki on \S+ \| kexec_file_load_unwrapped: "
         r"kexec_file_load of the unwrapped kernel: ok",
         rf"ZBT: kt patched -s -l signed uki on {SECOND_KERNEL}: exit 0; kexec_loaded=1; "
         r"route: unwrapped after the kernel refused it \(EINVAL\); zboot loader lines: 0; "
         r"error: none$"],
        description="2.0.32 unwraps zstd; ours passes gzip as it is, kexec -e; on the "
                    "payload kernel (no loader) ours unwraps after EINVAL")


def bookworm_scenario():
    return Scenario(
        "kexec-tools-2.0.25", "crashkernel=256M zbt.test=kexec-tools-2.0.25",
        [r"Cannot determine the file type of /images/vmlinuz-zstd\.efi",
         kt("2.0.25 unpatched -s -l zstd", 255, 0, r"none \(unknown file type\)", 0,
            r"Cannot determine the file type of /images/vmlinuz-zstd\.efi"),
         kt("2.0.25 unpatched -s -l signed zstd", 255, 0, r"none \(unknown file type\)", 0,
            r"Cannot determine the file type of /images/vmlinuz-zstd\.signed\.efi"),
         kt("2.0.25 -s -l signed zstd", 0, 1, r"as it is \(unknown type\)", 0),
         # An unsigned image loads without lockdown; its one line says why it is unverified.
         r"kexec_file\(zboot\): PE signature not verified: ENODATA",
         r"ZBT: kt 2\.0\.25 -s -p zstd \| do_kexec_file_load: unknown file type, "
         r"passing /images/vmlinuz-zstd\.efi",
         kt("2.0.25 -s -p zstd", 0, 1, r"as it is \(unknown type\)", 1, crash=True),
         r"ZBT: kexec -p -u ok, kexec_crash_loaded=0",
         r"kexec_file\(zboot\): PE signature not verified: ENODATA",
         kt("2.0.25 -s -l zstd", 0, 1, r"as it is \(unknown type\)", 1),
         r"ZBT: kexec -e",
         r"Starting new kernel",
         *second_kernel("kexec-tools-2.0.25")],
        # 2.0.25 cannot ask for KEXEC_FILE_DEBUG: a load logs no success line.
        forbid=[r"kexec_file\(zboot\): (?:PE signature verified|.* decompressed to)"],
        description="bookworm's 2.0.25 refuses; with tests/kexec-tools/2.0.25: -s -p, "
                    "-p -u, -s -l (silently), -e")


def uki_today_scenario(locked):
    """A signed UKI (ukify's, around the unsigned payload zboot) with kexec-tools 2.0.32 on a
    kernel with our UKI loader: the raw syscall loads it (uki_scenario has the details). The
    released 2.0.32 cuts .linux and .initrd out in user space and loses the UKI's signature,
    so under lockdown nothing loads; without lockdown it hands over the decompressed Image. A
    UKI whose inner zboot is signed on its own: the released kexec-uki.c appends the
    section's padding to it (EPERM under lockdown). With our series (0006) the UKI goes to the
    kernel as it is: the signed one loads, verified, lockdown or not; the unsigned one loads
    without lockdown and gets EPERM under it, without a user-space unwrap."""
    name = "uki-today-lockdown" if locked else "uki-today"
    cmdline = "zbt.test=uki-today" + (" lockdown=integrity" if locked else "")
    status, loaded, error = (255, 0, EPERM) if locked else (0, 1, "none")
    as_it_is = r"as it is \(UKI\)"
    return Scenario(
        name, cmdline,
        [LOCKDOWN if locked else r"ZBT: lockdown: \[none\] integrity confidentiality",
         r"zbt: PASS /images/uki-zstd\.signed\.efi: got 0",
         kt("unpatched -s -l signed uki", status, loaded, "unwrapped in user space", 0, error),
         *uki_verified_lines(locked),
         r"ZBT: kt patched -s -l signed uki \| uki_image_load: passing the UKI to "
         r"kexec_file_load\(\) as it is",
         kt("patched -s -l signed uki", 0, 1, as_it_is, r"[1-9]\d*"),
         kt("unpatched -s -l unsigned uki", status, loaded, "unwrapped in user space", 0,
            error),
         r"kexec_file\(zboot\): PE signature not verified: ENODATA",
         kt("patched -s -l unsigned uki", status, loaded, as_it_is, r"[1-9]\d*", error),
         # Released, kexec-uki.c cuts .linux at SizeOfRawData: the signed inner zboot gets
         # the section's padding appended (its digest breaks).
         kt("unpatched -s -l inner-signed uki", status, loaded, "unwrapped in user space", 0,
            error),
         *uki_verified_lines(locked),
         kt("patched -s -l inner-signed uki", 0, 1, as_it_is, r"[1-9]\d*"),
         r"ZBT: uki-today done"],
        # Ours never unwraps here: the kernel knows UKIs.
        forbid=[r"ZBT: kt patched .* \| kexec_file_load_unwrapped"],
        description=("lockdown: " if locked else "no lockdown: ") +
        "a signed UKI: released 2.0.32 unwraps it in user space" +
        (" (EPERM)" if locked else "") + "; ours hands it to the UKI loader, which verifies it")


def uki_verified_lines(locked):
    """The UKI loader's debug lines for a signed UKI it verified and loaded (kexec -d, with
    --append and no --initrd): under lockdown .cmdline wins over the caller's."""
    return [r"kexec_file\(zboot\): PE signature verified",
            *([r"kexec_file\(zboot\): UKI: signatures are enforced: its \.cmdline is used, "
               r"the caller's is ignored"] if locked else []),
            r"kexec_file\(zboot\): UKI: \.linux \(zboot, \d+ bytes\), initrd 512 \+ 0 bytes, "
            r"command line from " + (r"\.cmdline" if locked else "the caller") + ", 0 profiles"]


def uki_loaded(cmdline_from):
    """The UKI loader's debug line for a load of uki-zstd*.efi with stage2.cpio."""
    return (r"kexec_file\(zboot\): UKI: \.linux \(zboot, \d+ bytes\), initrd 512 \+ \d+ bytes, "
            rf"command line from {cmdline_from}, 0 profiles")


def uki_scenario(locked):
    """The kernel's UKI loader, through the raw syscall with a command line and an initrd of
    the caller's (tests/guest/scenarios/uki.sh): without lockdown an unsigned UKI loads and
    the caller's command line wins; under lockdown the unsigned, wrong-key and tampered
    (a byte in .linux, .initrd, .cmdline, the section table) UKIs get EPERM and the signed
    one's .cmdline wins. The signed UKI is kexec'd: the second kernel shows the winning
    command line and the UKI's initrd next to the caller's."""
    name = "uki-lockdown" if locked else "uki"
    cmdline = "zbt.test=uki" + (" lockdown=integrity" if locked else "")
    caller = r"the caller"
    refused = r"-1 \(EPERM\)" if locked else r"0 \(ok\)"
    return Scenario(
        name, cmdline,
        [LOCKDOWN if locked else r"ZBT: lockdown: \[none\] integrity confidentiality",
         r"kexec_file\(zboot\): PE signature not verified: ENODATA",
         r"zbt: PASS /images/uki-zstd\.efi: got " + refused,
         r"kexec_file\(zboot\): PE signature not verified: ENOKEY",
         r"zbt: PASS /images/uki-zstd\.wrongkey\.efi: got " + refused,
         *[line for where in (".linux", ".initrd", ".cmdline", "table") for line in (
             rf"ZBT: tampered {re.escape(where)}: byte 0x[0-9a-f]+ = [0-9a-f]{{2}}",
             r"kexec_file\(zboot\): PE signature not verified: EKEYREJECTED",
             rf"zbt: PASS /tmp/tampered-{re.escape(where)}\.efi: got " +
             (refused if locked or where != ".linux" else
              r"-(?:74 \(EBADMSG\)|27 \(EFBIG\))"))],
         r"kexec_file\(zboot\): PE signature verified",
         uki_loaded(r"\.cmdline"),
         r"zbt: PASS /images/uki-zstd\.signed\.efi: got 0 \(ok\)",
         uki_loaded(r"\.cmdline" if locked else caller),
         r"zbt: PASS /images/uki-zstd-inner-signed\.signed\.efi: got 0 \(ok\)",
         *([r"kexec_file\(zboot\): UKI: signatures are enforced: its \.cmdline is used, "
            r"the caller's is ignored"] if locked else []),
         uki_loaded(r"\.cmdline" if locked else caller),
         r"zbt: load /images/uki-zstd\.signed\.efi: ok",
         r"ZBT: kexec into uki-zstd\.signed\.efi",
         r"Starting new kernel",
         *second_kernel("uki-cmdline" if locked else "uki-caller"),
         r"ZBT: second kernel has the UKI's initrd: zboot-kexec-rs UKI initrd"],
        description=("lockdown: the signed UKI loads, its .cmdline wins; unsigned, wrong-key, "
                     "tampered EPERM"
                     if locked else
                     "no lockdown: UKIs load as they are, the caller's command line wins") +
        "; kexec: the UKI's initrd and the caller's")


def kexec_tools_scenarios(kernel):
    return [lockdown_scenario(), kdump_scenario(), fallback_scenario(),
            bookworm_scenario(), uki_today_scenario(False), uki_today_scenario(True),
            uki_scenario(False), uki_scenario(True)]


GROUPS = {"kexec-tools": kexec_tools_scenarios}


# The README's "with the tools you have" table: (client, row label in the
# kexec-tools-*.sh logs, or the systemd scenario), per image and lockdown.
TOOLS = [
    ("kexec-tools 2.0.25 (bookworm)", {
        ("unsigned", False): ("kexec-tools-2.0.25", "2.0.25 unpatched -s -l zstd"),
        ("signed", False): ("kexec-tools-2.0.25", "2.0.25 unpatched -s -l signed zstd"),
        ("unsigned", True): ("kexec-tools-lockdown", "2.0.25 unpatched -s -l unsigned zstd"),
        ("signed", True): ("kexec-tools-lockdown", "2.0.25 unpatched -s -l signed zstd")}),
    ("2.0.25 + tests/kexec-tools/2.0.25", {
        ("unsigned", False): ("kexec-tools-2.0.25", "2.0.25 -s -l zstd"),
        ("signed", False): ("kexec-tools-2.0.25", "2.0.25 -s -l signed zstd"),
        ("unsigned", True): ("kexec-tools-lockdown", "2.0.25 -s -l unsigned zstd"),
        ("signed", True): ("kexec-tools-lockdown", "2.0.25 -s -l signed zstd")}),
    ("kexec-tools 2.0.32 (newest)", {
        ("unsigned", False): ("kexec-tools-fallback", "unpatched -s -l zstd"),
        ("signed", False): ("kexec-tools-fallback", "unpatched -s -l signed zstd"),
        ("unsigned", True): ("kexec-tools-lockdown", "unpatched -s -l unsigned zstd"),
        ("signed", True): ("kexec-tools-lockdown", "unpatched -s -l signed zstd")}),
    ("2.0.32 + tests/kexec-tools/2.0.32", {
        ("unsigned", False): ("kexec-tools-fallback", "patched -s -l gzip"),
        ("signed", False): ("kexec-tools-fallback", "patched -s -l signed zstd"),
        ("unsigned", True): ("kexec-tools-lockdown", "patched -s -l unsigned zstd"),
        ("signed", True): ("kexec-tools-lockdown", "patched -s -l signed zstd")}),
]
KT_LINE = r"^ZBT: kt {label}: exit (\d+); \w+=(\d); route: ([^;]*); zboot loader lines: (\d+)"


def cell(log, label):
    m = re.search(KT_LINE.format(label=re.escape(label)), log, re.M)
    if not m:
        return "not run"
    status, loaded, route, lines = m.groups()
    if status == "0" and loaded == "1":
        how = "our loader" if route.startswith("as it is") else "unwrapped"
        return f"loads ({how})"
    if "unknown file type" in route and lines == "0":
        return "refused: unknown type"
    err = re.search(r"error: .*?(Operation not permitted)", m.string[m.start():m.string.find(
        "\n", m.start())])
    return "EPERM" if err else f"fails ({status})"


def report(results):
    by_kernel = {}
    for r in results:
        if r.scenario.name.startswith("kexec-tools-"):
            with open(r.log, errors="replace") as f:
                by_kernel.setdefault(r.scenario.group, {})[r.scenario.name] = f.read()
    for group, logs in sorted(by_kernel.items()):
        print(f"\nkexec-tools on {group}: `kexec -s -l` of a zboot image "
              "(measured in the kexec-tools-* scenarios)")
        cols = [("unsigned", False), ("signed", False), ("unsigned", True), ("signed", True)]
        print(f"  {'client':<36}" + "".join(
            f"{(img + (', lockdown' if locked else '')):<24}" for img, locked in cols))
        for client, cells in TOOLS:
            row = []
            for col in cols:
                where = cells.get(col)
                row.append(cell(logs.get(where[0], ""), where[1]) if where else "-")
            print(f"  {client:<36}" + "".join(f"{c:<24}" for c in row))
