#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""QEMU end-to-end tests of the zboot kexec_file loader.

    e2e.py [SCENARIO|GROUP]...     (default: every scenario)

Boots build/artifacts/Image (the test kernel) once per scenario with the
test initramfs (scripts/mkinitramfs.sh) and a command line naming the
scenario; prints a table and exits non-zero if any scenario failed.
"""

import os
import re
import subprocess
import sys

import qemu
from qemu import Scenario

SECOND_KERNEL = r"6\.12\.\d+-zboot-payload"


def kexec_scenario(name, image, zboot_method, description):
    expect = []
    forbid = []
    if zboot_method:
        expect.append(rf"kexec_file\(zboot\): {zboot_method} payload of \d+ bytes "
                      r"decompressed to \d+ bytes in \d+ us")
    else:
        forbid.append(r"kexec_file\(zboot\)")
    expect += [
        rf"zbt: load /images/{image}: ok",
        r"Starting new kernel",
        rf"Linux version {SECOND_KERNEL}",
        rf"ZBT: second kernel reached init: {SECOND_KERNEL}",
        rf"ZBT: second kernel command line: .*zbt\.from={image}",
    ]
    return Scenario(name, f"zbt.test=kexec zbt.image={image}", expect, forbid=forbid,
                    description=description)


def kunit_scenario():
    return Scenario("kunit", "kunit.enable=1 zbt.test=none",
                    [r"# kexec_zboot: pass:\d+ fail:0 skip:0 total:\d+",
                     r"# Totals: pass:\d+ fail:0 skip:0 total:\d+",
                     r"ZBT: end of scenario none"],
                    forbid=[r"not ok \d+"],
                    description="KUnit suite kexec_zboot, TAP parsed by kunit.py")


def corpus_size():
    with open(os.path.join(qemu.BUILD, "corpus", "manifest")) as manifest:
        return sum(1 for line in manifest if line.strip())


def corpus_scenario(name="corpus", kernel=None, extra="", expect_more=(), description=""):
    n = corpus_size()
    scn = Scenario(
        name, f"zbt.test=corpus zbt.after=kexec zbt.image=vmlinuz-zstd.efi {extra}".strip(),
        [rf"ZBT: corpus: {n} cases tried, {n} as expected", *expect_more,
         r"zbt: load /images/vmlinuz-zstd\.efi: ok",
         rf"Linux version {SECOND_KERNEL}",
         rf"ZBT: second kernel reached init: {SECOND_KERNEL}"],
        description=description or f"{n} hostile and good images, then a zstd kexec",
        timeout=900)
    if kernel:
        scn.kernel = kernel
    return scn


# The signature matrix: row, kexec_file_load(2) result with lockdown=integrity,
# without lockdown, and what the PE verifier says (logged by the loader).
SIG_ROWS = [
    ("signed-gzip", "0", "0", "verified"),
    ("signed-zstd", "0", "0", "verified"),
    ("unsigned", "EPERM", "0", "not verified: ENODATA"),
    ("wrong-key", "EPERM", "0", "not verified: ENOKEY"),
    ("signature-stripped", "EPERM", "0", "not verified: ENODATA"),
    ("header-byte-flipped", "EPERM", "0", "not verified: EKEYREJECTED"),
    ("signature-appended-twice", "EPERM", "0", "not verified: EKEYREJECTED"),
    ("second-signature", "0", "0", "verified"),
    ("payload-byte-flipped", "EPERM", "EBADMSG|EFBIG", "not verified: EKEYREJECTED"),
]


def sig_scenario(locked):
    column = 1 if locked else 2
    expect = [r"ZBT: lockdown: none \[integrity\] confidentiality"] if locked else []
    for row in SIG_ROWS:
        got = r"got 0 \(ok\)" if row[column] == "0" else \
            r"got -\d+ \((?:" + row[column] + r")\)"
        expect.append(rf"ZBT: sig {row[0]}: PASS \S+: {got}; verifier: {row[3]}$")
    if locked:
        expect += [r"ZBT: kexec -s -l: ok",
                   rf"Linux version {SECOND_KERNEL}",
                   rf"ZBT: second kernel reached init: {SECOND_KERNEL}"]
    name = "sig-lockdown" if locked else "sig-unlocked"
    cmdline = "zbt.test=sig" + (" lockdown=integrity" if locked else "")
    what = ("lockdown=integrity: only trusted signatures load; signed zstd kexecs" if locked
            else "no lockdown: unsigned and untrusted images still load")
    return Scenario(name, cmdline, expect, description=what)


def print_sig_matrix(results):
    logs = {}
    for r in results:
        if r.scenario.name.startswith("sig-"):
            with open(r.log, errors="replace") as f:
                logs[r.scenario.name] = f.read()
    if len(logs) != 2:
        return
    print("\nSignature matrix (kexec_file_load result; PE verifier verdict from the loader)")
    print(f"  {'image':<26} {'lockdown=integrity':<24} {'no lockdown':<24} verifier")
    for row in SIG_ROWS:
        cells = []
        for name in ("sig-lockdown", "sig-unlocked"):
            m = re.search(rf"ZBT: sig {row[0]}: (PASS|FAIL) \S+: got (\S+ \(\S+\))",
                          logs[name])
            cells.append(f"{m.group(2)} {m.group(1)}" if m else "missing")
        print(f"  {row[0]:<26} {cells[0]:<24} {cells[1]:<24} {row[3]}")


def kdump_scenario(image, method):
    return Scenario(
        f"kdump-{method}", f"crashkernel=256M zbt.test=kdump zbt.image={image}",
        [r"ZBT: crash reservation: .*: Crash kernel",
         rf"kexec_file\(zboot\): {method} payload of \d+ bytes decompressed",
         rf"zbt: load /images/{image}: ok",
         r"ZBT: kexec_crash_loaded=1",
         r"zbt: unload: ok",
         r"ZBT: after unload kexec_crash_loaded=0",
         r"ZBT: kexec_crash_loaded=1; triggering a panic",
         r"Kernel panic - not syncing: sysrq triggered crash",
         r"Starting crashdump kernel",
         rf"Linux version {SECOND_KERNEL}",
         rf"ZBT: second kernel reached init: {SECOND_KERNEL}",
         r"zbt: vmcore /proc/vmcore: ok phnum \d+ load \d+ note \d+",
         r"ZBT: vmcore is a valid ELF core dump"],
        allow=[r"Kernel panic", r"Call trace:"],
        description=f"crash kernel from {image}; panic; capture kernel reads /proc/vmcore")


def kdump_small_scenario():
    return Scenario(
        "kdump-too-small", "crashkernel=4M zbt.test=kdump-small zbt.image=vmlinuz-zstd.efi",
        [r"kexec_file\(zboot\): crash kernel needs at least \d+ bytes, "
         r"crashkernel= reserved 4194304",
         r"zbt: PASS /images/vmlinuz-zstd\.efi: got -\d+ \(EADDRNOTAVAIL\)",
         r"ZBT: kexec_crash_loaded=0"],
        forbid=[r"kexec_file\(zboot\): zstd payload of"],
        description="crashkernel=4M: refused before decompressing, both sizes named")


def kexec_tools_scenario():
    return Scenario(
        "kexec-tools", "crashkernel=256M zbt.test=kexec-tools",
        [r"Cannot determine the file type of /images/vmlinuz-zstd\.efi",
         r"ZBT: unpatched kexec exit status 255 kexec_loaded=0",
         r"do_kexec_file_load: unknown file type, passing /images/vmlinuz-zstd\.efi",
         r"ZBT: kexec -s -p ok, kexec_crash_loaded=1",
         r"ZBT: kexec -p -u ok, kexec_crash_loaded=0",
         r"kexec_file\(zboot\): zstd payload of \d+ bytes decompressed",
         r"do_kexec_file_load: unknown file type, passing /images/vmlinuz-zstd\.efi",
         r"ZBT: kexec -s -l ok, kexec_loaded=1; kexec -e",
         r"Starting new kernel",
         rf"Linux version {SECOND_KERNEL}",
         rf"ZBT: second kernel command line: .*zbt\.from=kexec-tools"],
        description="kexec -s -p, kexec -p -u, kexec -s -l, kexec -e (patched "
                    "kexec-tools); bookworm's refuses")


def hardened_scenario():
    n = corpus_size()
    cycles = 100
    scn = Scenario(
        "hardened", f"zbt.test=hardened zbt.cycles={cycles} zbt.image=vmlinuz-zstd.efi",
        [r"Linux version 6\.12\.\d+-zboot-hardened",
         r"ZBT: kmemleak baseline cleared",
         rf"ZBT: corpus: {n} cases tried, {n} as expected",
         rf"ZBT: cycles: {cycles} rounds, {2 * cycles} good loads, {cycles} unloads",
         r"zbt: race /images/vmlinuz-gzip\.efi ok \d+ ebusy \d+ other 0",
         r"ZBT: kmemleak: 0 new unreferenced objects",
         r"zbt: load /images/vmlinuz-zstd\.efi: ok",
         rf"Linux version {SECOND_KERNEL}",
         rf"ZBT: second kernel reached init: {SECOND_KERNEL}"],
        forbid=[r"^unreferenced object 0x"],
        kernel=os.path.join(qemu.ARTIFACTS, "Image-hardened"),
        timeout=2400,
        description=f"KASAN+kmemleak: {n}-case corpus, {2 * cycles} loads, race, leak scan")
    return scn


def hardened_figures(result):
    with open(result.log, errors="replace") as f:
        log = f.read()
    corpus = re.search(r"ZBT: corpus: (\d+) cases tried, (\d+) as expected \((\d+) good "
                       r"loaded, (\d+) refused", log)
    race = re.search(r"zbt: race \S+ ok (\d+) ebusy (\d+) other (\d+)", log)
    leaks = re.search(r"ZBT: kmemleak: (\d+) new", log)
    cycles = re.search(r"ZBT: cycles: \d+ rounds, (\d+) good loads, (\d+) unloads", log)
    print("\nHardened boot (KASAN + kmemleak) figures")
    if corpus:
        print(f"  corpus cases tried          {corpus.group(1)}")
        print(f"  refused with expected errno {corpus.group(4)}")
        print(f"  good images loaded          {corpus.group(3)}")
    if cycles:
        print(f"  load/replace/unload cycles  {cycles.group(1)} loads, {cycles.group(2)} unloads")
    if race:
        print(f"  two-process race            ok {race.group(1)}, EBUSY {race.group(2)}, "
              f"other {race.group(3)}")
    print(f"  kmemleak leaks              {leaks.group(1) if leaks else 'not scanned'}")
    print(f"  KASAN reports               {len(re.findall(r'BUG: KASAN', log))}")
    print(f"  WARNING/BUG/Oops lines      "
          f"{len(re.findall(r'WARNING:|BUG:|Oops', log))}")


GROUPS = {
    "core": [
        kunit_scenario,
        lambda: kexec_scenario("kexec-gzip", "vmlinuz-gzip.efi", "gzip",
                               "kexec_file_load(vmlinuz-gzip.efi) + reboot(KEXEC)"),
        lambda: kexec_scenario("kexec-zstd", "vmlinuz-zstd.efi", "zstd",
                               "kexec_file_load(vmlinuz-zstd.efi) + reboot(KEXEC)"),
        lambda: kexec_scenario("kexec-raw", "payload-Image", None,
                               "raw Image still goes to kexec_image_ops"),
        lambda: Scenario("refuse", "zbt.test=refuse",
                         [r"zbt: PASS /images/garbage\.bin: got -22 \(EINVAL\)",
                          r"zbt: PASS /images/empty: got -22 \(EINVAL\)",
                          r"zbt: PASS /images/vmlinuz-test\.efi: got 0",
                          r"zbt: unload: ok",
                          r"zbt: PASS /images/vmlinuz-gzip\.efi: got 0",
                          r"ZBT: end of scenario refuse"],
                         description="garbage refused, no oops; own vmlinuz.efi loads"),
    ],
    "corpus": [corpus_scenario,
               lambda: Scenario(
                   "enomem", "zbt.test=enomem",
                   [r"kexec_file\(zboot\): cannot allocate 419430400 bytes",
                    r"zbt: PASS /images/declares-400m\.efi: got -12 \(ENOMEM\)",
                    r"ZBT: memory given back",
                    r"zbt: PASS /images/vmlinuz-zstd\.efi: got 0"],
                   forbid=[r"Out of memory", r"oom-kill", r"page allocation failure",
                           r"vmalloc error"],
                   description="RAM full: a 400 MiB image gets ENOMEM quietly, no OOM kill")],
    "sig": [lambda: sig_scenario(True), lambda: sig_scenario(False)],
    "kdump": [lambda: kdump_scenario("vmlinuz-zstd.efi", "zstd"),
              lambda: kdump_scenario("vmlinuz-gzip.efi", "gzip"),
              kdump_small_scenario],
    "kexec-tools": [kexec_tools_scenario],
    "hardened": [hardened_scenario],
}


def kunit_tap_ok(result):
    """Feeds the KUnit scenario's log to the kernel's own TAP parser."""
    tool = os.path.join(qemu.BUILD, "linux", "tools", "testing", "kunit", "kunit.py")
    with open(result.log, "rb") as log:
        parsed = subprocess.run([sys.executable, tool, "parse"], stdin=log,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    summary = [line for line in parsed.stdout.decode(errors="replace").splitlines()
               if "Testing complete" in line or "FAILED" in line]
    print("\n".join(summary))
    return parsed.returncode == 0


def select(args):
    wanted = args or list(GROUPS)
    chosen = []
    for name in wanted:
        if name in GROUPS:
            chosen += [make() for make in GROUPS[name]]
            continue
        matches = [make() for group in GROUPS.values() for make in group
                   if make().name == name]
        if not matches:
            sys.exit(f"e2e.py: no scenario or group '{name}'")
        chosen += matches
    return chosen


def main():
    results = []
    for scn in select(sys.argv[1:]):
        print(f"==> QEMU: {scn.name}: {scn.description}", flush=True)
        result = qemu.run(scn)
        if result.ok and scn.name == "kunit" and not kunit_tap_ok(result):
            result.ok, result.reason = False, "kunit.py parse reported failures"
        results.append(result)
        print(f"    {'PASS' if result.ok else 'FAIL'} in {result.seconds:.1f}s"
              + ("" if result.ok else f": {result.reason} (log: {result.log})"), flush=True)
    print_sig_matrix(results)
    for result in results:
        if result.scenario.name == "hardened":
            hardened_figures(result)
    qemu.print_table(results, "QEMU end-to-end results")
    failed = [r for r in results if not r.ok]
    print(f"\n{len(results) - len(failed)}/{len(results)} scenarios passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
