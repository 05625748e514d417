#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""QEMU end-to-end tests of the zboot kexec_file loader.

    e2e.py [--kernel NAME]... [--jobs N] [SCENARIO|GROUP]...
                                         (default: every scenario, every kernel)

Boots each test kernel of build/artifacts/kernels.json (6.12 LTS and the
current 7.x) once per scenario with the test initramfs (scripts/make-guest.sh)
and a command line naming the scenario; prints a table and exits non-zero if
any scenario failed. Scenario groups live here and in the *_e2e.py modules
beside this file (each exports GROUPS and, optionally, report(results)).
"""

import argparse
import importlib
import os
import re
import subprocess
import sys

import kernels
import qemu
from kernels import SECOND_KERNEL
from qemu import Scenario

# The KUnit suites, on every kernel: the decompressors and the ops table in C;
# the loader's own tests ("kexec_zboot") are Rust #[kunit_tests] on 7.x and, on
# 6.12 (no #[kunit_tests] yet), a C suite through the loader's test bridge; the
# kernel crate's doctests, kernel::kexec's and kernel::decompress's among them.
KUNIT_SUITES = ["decompress_bounded", "kexec_zboot_ops", "kexec_zboot", "rust_doctests_kernel"]


def on(kernel, scn):
    """`scn` as it runs on `kernel`."""
    scn.group = kernel.name
    if scn.kernel == os.path.join(qemu.ARTIFACTS, "Image"):
        scn.kernel = kernel.image
    scn.cmdline = f"{scn.cmdline} zbt.kernel={kernel.name}"
    return scn


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


def kunit_scenario(kernel):
    # The suites' order is link order, which differs between the trees: each
    # suite's summary is checked on its own afterwards (kunit_tap_ok).
    return Scenario("kunit", "kunit.enable=1 zbt.test=none",
                    [r"# Totals: pass:\d+ fail:0 skip:0 total:\d+", r"ZBT: end of scenario none"],
                    forbid=[r"not ok \d+"],
                    description=f"KUnit suites {', '.join(KUNIT_SUITES)}, TAP parsed by kunit.py")


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
                logs[(r.scenario.group, r.scenario.name)] = f.read()
    for group in sorted({g for g, _ in logs}):
        if (group, "sig-lockdown") not in logs or (group, "sig-unlocked") not in logs:
            continue
        print(f"\nSignature matrix on {group} (kexec_file_load result; PE verifier verdict "
              "from the loader)")
        print(f"  {'image':<26} {'lockdown=integrity':<24} {'no lockdown':<24} verifier")
        for row in SIG_ROWS:
            cells = []
            for name in ("sig-lockdown", "sig-unlocked"):
                m = re.search(rf"ZBT: sig {row[0]}: (PASS|FAIL) \S+: got (\S+ \(\S+\))",
                              logs[(group, name)])
                cells.append(f"{m.group(2)} {m.group(1)}" if m else "missing")
            print(f"  {row[0]:<26} {cells[0]:<24} {cells[1]:<24} {row[3]}")


def kdump_expect(image, loaded, captured=()):
    """kdump.sh with `image`: the loader's lines `loaded`, the load, unload, load again,
    panic; the capture kernel, its lines `captured`, and /proc/vmcore checked."""
    return [r"ZBT: crash reservation: .*: Crash kernel",
            *loaded,
            rf"zbt: load /images/{re.escape(image)}: ok",
            r"ZBT: kexec_crash_loaded=1",
            r"zbt: unload: ok",
            r"ZBT: after unload kexec_crash_loaded=0",
            r"ZBT: kexec_crash_loaded=1; triggering a panic",
            r"Kernel panic - not syncing: sysrq triggered crash",
            r"Starting crashdump kernel",
            rf"Linux version {SECOND_KERNEL}",
            rf"ZBT: second kernel reached init: {SECOND_KERNEL}",
            *captured,
            r"zbt: vmcore /proc/vmcore: ok phnum \d+ load \d+ note \d+",
            r"ZBT: vmcore is a valid ELF core dump"]


def kdump_scenario(image, method):
    return Scenario(
        f"kdump-{method}", f"crashkernel=256M zbt.test=kdump zbt.image={image}",
        kdump_expect(image, [rf"kexec_file\(zboot\): {method} payload of \d+ bytes decompressed"]),
        allow=[r"Kernel panic", r"Call trace:"],
        description=f"crash kernel from {image}; panic; capture kernel reads /proc/vmcore")


def kdump_uki_scenario():
    """A signed UKI as the crash kernel under lockdown: its .cmdline wins over kdump.sh's, and
    the capture kernel gets the UKI's initrd ahead of stage2.cpio."""
    image = "uki-zstd.signed.efi"
    return Scenario(
        "kdump-uki-lockdown",
        f"lockdown=integrity crashkernel=256M zbt.test=kdump zbt.image={image}",
        kdump_expect(
            image,
            [r"kexec_file\(zboot\): PE signature verified",
             r"kexec_file\(zboot\): UKI: signatures are enforced: its \.cmdline is used, "
             r"the caller's is ignored",
             r"kexec_file\(zboot\): UKI: \.linux \(zboot, \d+ bytes\), initrd 512 \+ \d+ bytes, "
             r"command line from \.cmdline, 0 profiles"],
            [r"ZBT: second kernel command line: console=ttyAMA0 panic=-1 zbt\.stage=2 "
             r"zbt\.from=uki-cmdline$",
             r"ZBT: second kernel has the UKI's initrd: zboot-kexec-rs UKI initrd"]),
        allow=[r"Kernel panic", r"Call trace:"],
        description="lockdown: crash kernel from a signed UKI (its .cmdline and initrd); "
                    "panic; capture kernel reads /proc/vmcore")


def kdump_small_scenario():
    return Scenario(
        "kdump-too-small", "crashkernel=4M zbt.test=kdump-small zbt.image=vmlinuz-zstd.efi",
        [r"kexec_file\(zboot\): crash kernel needs at least \d+ bytes, "
         r"crashkernel= reserved 4194304",
         r"zbt: PASS /images/vmlinuz-zstd\.efi: got -\d+ \(EADDRNOTAVAIL\)",
         r"ZBT: kexec_crash_loaded=0"],
        forbid=[r"kexec_file\(zboot\): zstd payload of"],
        description="crashkernel=4M: refused before decompressing, both sizes named")


def refuse_scenario(kernel):
    own = os.path.basename(kernel.zboot)
    return Scenario("refuse", f"zbt.test=refuse zbt.own={own}",
                    [r"zbt: PASS /images/garbage\.bin: got -22 \(EINVAL\)",
                     r"zbt: PASS /images/empty: got -22 \(EINVAL\)",
                     rf"zbt: PASS /images/{re.escape(own)}: got 0",
                     r"zbt: unload: ok",
                     r"zbt: PASS /images/vmlinuz-gzip\.efi: got 0",
                     r"ZBT: end of scenario refuse"],
                    description=f"garbage refused, no oops; its own {own} loads")


def enomem_scenario():
    return Scenario(
        "enomem", "zbt.test=enomem",
        [r"kexec_file\(zboot\): cannot allocate 419430400 bytes",
         r"zbt: PASS /images/declares-400m\.efi: got -12 \(ENOMEM\)",
         r"ZBT: memory given back",
         r"zbt: PASS /images/vmlinuz-zstd\.efi: got 0"],
        forbid=[r"Out of memory", r"oom-kill", r"page allocation failure",
                r"vmalloc error"],
        description="RAM full: a 400 MiB image gets ENOMEM quietly, no OOM kill")


def hardened_scenario(kernel):
    image = kernel.artifact("hardened")
    if not image:
        return []
    n = corpus_size()
    cycles = 100
    return [Scenario(
        "hardened", f"zbt.test=hardened zbt.cycles={cycles} zbt.image=vmlinuz-zstd.efi",
        [r"Linux version \S+-zboot-hardened",
         r"ZBT: kmemleak baseline cleared",
         rf"ZBT: corpus: {n} cases tried, {n} as expected",
         rf"ZBT: cycles: {cycles} rounds, {2 * cycles} good loads, {cycles} unloads",
         r"zbt: race /images/vmlinuz-gzip\.efi ok \d+ ebusy \d+ other 0",
         r"ZBT: kmemleak: 0 new unreferenced objects",
         r"zbt: load /images/vmlinuz-zstd\.efi: ok",
         rf"Linux version {SECOND_KERNEL}",
         rf"ZBT: second kernel reached init: {SECOND_KERNEL}"],
        forbid=[r"^unreferenced object 0x"],
        kernel=image,
        timeout=2400,
        description=f"KASAN+kmemleak: {n}-case corpus, {2 * cycles} loads, race, leak scan")]


def hardened_figures(result):
    with open(result.log, errors="replace") as f:
        log = f.read()
    corpus = re.search(r"ZBT: corpus: (\d+) cases tried, (\d+) as expected \((\d+) good "
                       r"loaded, (\d+) refused", log)
    race = re.search(r"zbt: race \S+ ok (\d+) ebusy (\d+) other (\d+)", log)
    leaks = re.search(r"ZBT: kmemleak: (\d+) new", log)
    cycles = re.search(r"ZBT: cycles: \d+ rounds, (\d+) good loads, (\d+) unloads", log)
    print(f"\nHardened boot (KASAN + kmemleak) figures, {result.scenario.group}")
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


def report(results):
    print_sig_matrix(results)
    for result in results:
        if result.scenario.name == "hardened":
            hardened_figures(result)


# group -> function(kernel) -> scenarios, in running order.
GROUPS = {
    "core": lambda k: [
        kunit_scenario(k),
        kexec_scenario("kexec-gzip", "vmlinuz-gzip.efi", "gzip",
                       "kexec_file_load(vmlinuz-gzip.efi) + reboot(KEXEC)"),
        kexec_scenario("kexec-zstd", "vmlinuz-zstd.efi", "zstd",
                       "kexec_file_load(vmlinuz-zstd.efi) + reboot(KEXEC)"),
        kexec_scenario("kexec-raw", "payload-Image", None,
                       "raw Image still goes to kexec_image_ops"),
        refuse_scenario(k),
    ],
    "corpus": lambda k: [corpus_scenario(), enomem_scenario()],
    "sig": lambda k: [sig_scenario(True), sig_scenario(False)],
    "kdump": lambda k: [kdump_scenario("vmlinuz-zstd.efi", "zstd"),
                        kdump_scenario("vmlinuz-gzip.efi", "gzip"),
                        kdump_uki_scenario(),
                        kdump_small_scenario()],
    "hardened": hardened_scenario,
}

# Other scenario groups, one module each (tests/e2e/<name>_e2e.py).
MODULES = [importlib.import_module(name[:-3]) for name in
           sorted(os.listdir(os.path.dirname(os.path.abspath(__file__))))
           if name.endswith("_e2e.py")]


def all_groups():
    groups = dict(GROUPS)
    for module in MODULES:
        groups.update(module.GROUPS)
    return groups


def suite_passed(text, suite):
    """Cases of `suite` that passed, or why it did not pass. KUnit prints a
    suite's "pass:N fail:N" line only for suites of more than one case; for
    others the suite's own result and its cases' lines tell."""
    m = re.search(rf"# {suite}: pass:(\d+) fail:(\d+) skip:(\d+) total:(\d+)", text)
    if m:
        if m.group(2) != "0" or m.group(3) != "0" or m.group(1) == "0":
            return m.group(0)
        return int(m.group(1))
    block = re.search(rf"^\s*# Subtest: {suite}\n(.*?)^(not ok|ok) \d+ {suite}\b(.*)$", text,
                      re.M | re.S)
    if not block:
        return "did not run"
    cases = re.findall(r"^\s+(not ok|ok) \d+ \S+(.*)$", block.group(1), re.M)
    if block.group(2) != "ok" or not cases or any(
            r != "ok" or "SKIP" in rest for r, rest in cases):
        return f"{block.group(2)} with {len(cases)} cases"
    return len(cases)


def kunit_tap_ok(result):
    """Checks that every suite ran and passed, and feeds the KUnit scenario's log
    to the kernel's own TAP parser."""
    with open(result.log, errors="replace") as log:
        text = log.read()
    cases = 0
    for suite in KUNIT_SUITES:
        passed = suite_passed(text, suite)
        if isinstance(passed, str):
            result.ok = False
            result.reason = f"KUnit suite {suite}: {passed}"
            return
        cases += passed
    print(f"    KUnit ({result.scenario.label}): suites {', '.join(KUNIT_SUITES)} passed, "
          f"{cases} cases", flush=True)
    tool = os.path.join(qemu.BUILD, "linux", "tools", "testing", "kunit", "kunit.py")
    with open(result.log, "rb") as log:
        parsed = subprocess.run([sys.executable, tool, "parse"], stdin=log,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = parsed.stdout.decode(errors="replace")
    summary = [line for line in out.splitlines()
               if "Testing complete" in line or "FAILED" in line]
    print(f"    kunit.py parse ({result.scenario.label}): " + "; ".join(summary), flush=True)
    if parsed.returncode != 0:
        result.ok, result.reason = False, "kunit.py parse reported failures"


def select(args, kernel_list):
    groups = all_groups()
    wanted = args or list(groups)
    chosen = []
    for kernel in kernel_list:
        for name in wanted:
            if name in groups:
                chosen += [on(kernel, s) for s in groups[name](kernel)]
                continue
            matches = [on(kernel, s) for group in groups.values() for s in group(kernel)
                       if s.name == name]
            if not matches and not any(s.name == name for k in kernel_list
                                       for g in groups.values() for s in g(k)):
                sys.exit(f"e2e.py: no scenario or group '{name}'")
            chosen += matches
    return chosen


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--kernel", action="append", default=[],
                        help="only this kernel tree (6.12, 7.3, ...); repeatable")
    parser.add_argument("--jobs", type=int, default=int(os.environ.get("E2E_JOBS",
                                                                       os.cpu_count() or 1)),
                        help="QEMU boots at a time (default: CPUs, or $E2E_JOBS)")
    parser.add_argument("names", nargs="*", help="scenarios or groups (default: all)")
    args = parser.parse_args()
    kernel_list = [k for k in kernels.load() if not args.kernel or k.name in args.kernel]
    if not kernel_list:
        sys.exit(f"e2e.py: no kernel named {args.kernel} in {kernels.MANIFEST}")
    print(f"==> kernels: " + ", ".join(f"{k.name} ({k.release})" for k in kernel_list))

    def after(result):
        if result.scenario.name == "kunit":
            kunit_tap_ok(result)

    results = qemu.run_all(select(args.names, kernel_list), args.jobs, after)
    report(results)
    for module in MODULES:
        if hasattr(module, "report"):
            module.report(results)
    qemu.print_table(results, "QEMU end-to-end results")
    failed = [r for r in results if not r.ok]
    per_kernel = ", ".join(
        f"{k.name}: {sum(1 for r in results if r.scenario.group == k.name and r.ok)}/"
        f"{sum(1 for r in results if r.scenario.group == k.name)}" for k in kernel_list)
    print(f"\n{len(results) - len(failed)}/{len(results)} scenarios passed ({per_kernel})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
