# SPDX-License-Identifier: GPL-2.0
"""Enforcement and faults (tests/guest/scenarios/{sigforce,faults,soak}*.sh).

    sigforce  the KEXEC_SIG_FORCE kernel (Image-sigforce), no lockdown=: the
              accept/reject matrix with the verifier's errno, nothing
              decompressed for a refused image, a signed kexec and a signed
              crash kernel with a panic and a capture kernel
    faults    the hardened kernel with fault injection: fail-nth sweeps over
              every allocation of a load, random failslab/fail_page_alloc
              faults, kmemleak, then a clean kexec
    soak      the hardened kernel: 1000 load / load again / unload cycles,
              memory before and after, kmemleak, then a clean kexec
"""

import re
from collections import Counter

from kernels import SECOND_KERNEL
from qemu import Scenario


def kexec_expect(image):
    return [rf"zbt: load /images/{re.escape(image)}: ok",
            r"Starting new kernel",
            rf"Linux version {SECOND_KERNEL}",
            rf"ZBT: second kernel reached init: {SECOND_KERNEL}",
            rf"ZBT: second kernel command line: .*zbt\.from={re.escape(image)}"]


# The KEXEC_SIG_FORCE matrix: row, the errno kexec_file_load(2) returns (the
# PE verifier's; 0: loads), what the loader logs for the verifier ("-" when
# the raw-Image loader, not ours, handles the file).
SIGFORCE_ROWS = [
    ("signed-gzip", "0", "verified"),
    ("signed-zstd", "0", "verified"),
    ("second-signature", "0", "verified"),
    ("unsigned-gzip", "ENODATA", "not verified: ENODATA"),
    ("unsigned-zstd", "ENODATA", "not verified: ENODATA"),
    ("wrong-key", "ENOKEY", "not verified: ENOKEY"),
    ("signature-stripped", "ENODATA", "not verified: ENODATA"),
    ("header-byte-flipped", "EKEYREJECTED", "not verified: EKEYREJECTED"),
    ("payload-byte-flipped", "EKEYREJECTED", "not verified: EKEYREJECTED"),
    ("signature-byte-flipped", "EINVAL", "not verified: EINVAL"),
    ("signature-appended-twice", "EKEYREJECTED", "not verified: EKEYREJECTED"),
    ("raw-image-unsigned", "ENODATA", "-"),
]


def sigforce_scenarios(kernel):
    image = kernel.artifact("sigforce")
    if not image:
        return []
    expect = [r"Linux version \S+-zboot-sigforce",
              r"ZBT: lockdown: \[none\] integrity confidentiality"]
    for name, errno, verdict in SIGFORCE_ROWS:
        if errno == "0":
            expect.append(rf"ZBT: sigforce {name}: PASS \S+: got 0 \(ok\); verifier: {verdict}; "
                          r"core: silent; decompressed 1; loader refusals 0; kexec_loaded 1$")
        else:
            verdict = "not called" if verdict == "-" else verdict
            expect.append(rf"ZBT: sigforce {name}: PASS \S+: got -\d+ \((?:{errno})\); "
                          rf"verifier: {verdict}; core: -\d+; decompressed 0; "
                          r"loader refusals 0; kexec_loaded 0$")
    expect += [r"ZBT: sigforce matrix done", *kexec_expect("vmlinuz-gzip.signed.efi")]
    signed_crash = "vmlinuz-zstd.signed.efi"
    return [
        Scenario("sigforce", "zbt.test=sigforce zbt.image=vmlinuz-gzip.signed.efi", expect,
                 forbid=[r"Lockdown:"], kernel=image,
                 description="KEXEC_SIG_FORCE, no lockdown: verifier's errno, nothing "
                             "decompressed; signed gzip kexecs"),
        Scenario(
            "sigforce-kdump",
            f"crashkernel=256M zbt.test=sigforce-kdump zbt.image={signed_crash}",
            [r"Linux version \S+-zboot-sigforce",
             r"zbt: PASS /images/vmlinuz-zstd\.efi: got -61 \(ENODATA\)",
             r"ZBT: unsigned crash kernel: kexec_crash_loaded=0, 0 decompressed",
             r"kexec_file\(zboot\): PE signature verified",
             r"kexec_file\(zboot\): zstd payload of \d+ bytes decompressed",
             rf"zbt: load /images/{re.escape(signed_crash)}: ok",
             r"ZBT: kexec_crash_loaded=1; triggering a panic",
             r"Kernel panic - not syncing: sysrq triggered crash",
             r"Starting crashdump kernel",
             rf"Linux version {SECOND_KERNEL}",
             r"ZBT: vmcore is a valid ELF core dump"],
            allow=[r"Kernel panic", r"Call trace:"], kernel=image,
            description="KEXEC_SIG_FORCE: unsigned crash kernel refused; signed zstd crash "
                        "kernel, panic, capture kernel"),
    ]


SWEEPS = ["small-gzip.efi", "small-zstd.efi", "crash small-gzip.efi", "crash small-zstd.efi",
          "crash vmlinuz-zstd.efi"]
RANDOM = [("", 240), (" crash", 60), ("", 40)]
# Allocation failures, one (sweeps) or several (random runs) per load, may only
# ever end a load with ENOMEM.
OUTCOMES = r"outcomes by errno(?: (?:ENOMEM|ok) \d+)+;"


def faults_scenarios(kernel):
    image = kernel.artifact("hardened")
    if not image:
        return []
    expect = [r"Linux version \S+-zboot-hardened", r"ZBT: kmemleak baseline cleared"]
    for sweep in SWEEPS:
        crash, file = sweep.split() if " " in sweep else ("", sweep)
        expect.append(rf"zbt: sweep{' ' + crash if crash else ''} /images/{re.escape(file)}: "
                      r"allocation points "
                      rf"\d+, {OUTCOMES} .*; anomalies 0$")
    expect.append(r"ZBT: fail-nth sweeps done")
    for crash, loads in RANDOM:
        expect.append(rf"zbt: fault-loads{crash}: loads {loads}, faults injected [1-9]\d*, "
                      rf"{OUTCOMES} .*; anomalies 0$")
    expect += [r"ZBT: random faults done",
               r"ZBT: kmemleak: 0 new unreferenced objects",
               *kexec_expect("vmlinuz-zstd.efi")]
    return [Scenario(
        "faults", "crashkernel=256M zbt.test=faults zbt.image=vmlinuz-zstd.efi", expect,
        forbid=[r"^unreferenced object 0x", r"Out of memory", r"oom-kill"],
        # The kexec core's own vmalloc()s report a failure with a stack dump
        # (warn_alloc); report() fails the result for any other stack dump.
        allow=[r"Call trace:"],
        kernel=image, timeout=900,
        description="fail-nth sweeps (gzip, zstd, crash), random slab/page faults, "
                    "kmemleak, then a clean kexec")]


SOAK_CYCLES = 1000


def soak_scenarios(kernel):
    image = kernel.artifact("hardened")
    if not image:
        return []
    n = SOAK_CYCLES
    return [Scenario(
        "soak", f"zbt.test=soak zbt.cycles={n} zbt.image=vmlinuz-zstd.efi",
        [r"Linux version \S+-zboot-hardened",
         r"ZBT: soak memory before: VmallocUsed \d+ kB",
         rf"zbt: soak: {n} cycles, {2 * n} loads, {n} unloads, 0 errors in \d+ ms",
         r"ZBT: soak memory after: VmallocUsed \d+ kB",
         r"ZBT: soak memory within tolerance",
         r"ZBT: kmemleak: 0 new unreferenced objects",
         *kexec_expect("vmlinuz-zstd.efi")],
        forbid=[r"^unreferenced object 0x"],
        kernel=image, timeout=900,
        description=f"{n} x (load, load again, unload) of the small images: memory back "
                    "to baseline, kmemleak clean")]


GROUPS = {"sigforce": sigforce_scenarios, "faults": faults_scenarios, "soak": soak_scenarios}


# Frames of the allocator itself in a warn_alloc stack dump: the caller is the
# first frame after them.
ALLOCATOR_FRAME = re.compile(r"^(dump_|__dump|show_stack|warn_alloc|.*vmalloc|.*kvmalloc|"
                             r".*vzalloc|kasan_|__kasan|alloc_pages|__alloc_pages)")


def alloc_failure_reports(log):
    """Every stack dump of a fault scenario must be an allocation-failure report
    (warn_alloc) of the loading task: returns (Counter of callers, lines of the
    stack dumps that are not)."""
    lines = log.splitlines()
    callers, unexplained = Counter(), []
    for i, line in enumerate(lines):
        if "Call trace:" not in line:
            continue
        head = "\n".join(lines[max(0, i - 5):i])
        if not (re.search(r"(?:vmalloc error|page allocation failure)", head)
                and re.search(r"Comm: zbt\b", head)):
            unexplained.append(f"line {i + 1}: {line.strip()}")
            continue
        caller = "?"
        for frame in lines[i + 1:i + 40]:
            m = re.match(r"^\s*(?:\[[\s\d.]+\]\s*)?\s*([A-Za-z_][\w.]*)\+0x", frame)
            if not m:
                break
            if not ALLOCATOR_FRAME.match(m.group(1)):
                caller = m.group(1)
                break
        callers[caller] += 1
    return callers, unexplained


def read(result):
    with open(result.log, errors="replace") as f:
        return f.read()


def report_sigforce(result, log):
    print(f"\nKEXEC_SIG_FORCE matrix on {result.scenario.group} (no lockdown; kexec_file_load "
          "result, verifier verdict logged by the loader, the core's errno)")
    print(f"  {'image':<26} {'result':<22} {'verifier':<28} {'core':<6} decompressed")
    for name, _, _ in SIGFORCE_ROWS:
        m = re.search(rf"ZBT: sigforce {name}: (PASS|FAIL) \S+: got (\S+ \(\S+\)); verifier: "
                      r"([^;]*); core: (\S+); decompressed (\d+)", log)
        if m:
            print(f"  {name:<26} {m.group(2) + ' ' + m.group(1):<22} {m.group(3):<28} "
                  f"{m.group(4):<6} {m.group(5)}")
        else:
            print(f"  {name:<26} missing")


def report_faults(result, log):
    print(f"\nFault injection on the hardened kernel, {result.scenario.group} "
          f"({result.seconds:.0f} s)")
    for m in re.finditer(r"^zbt: sweep( crash)? (\S+): allocation points (\S+), outcomes by "
                         r"errno ([^;]*); failed in ([^;]*); ok with a fault absorbed (\d+), "
                         r"ok without a fault \d+; allocation-failure reports (\d+) .*; "
                         r"anomalies (\d+)", log, re.M):
        kind = "crash load" if m.group(1) else "load"
        print(f"  fail-nth sweep, {kind} of {m.group(2)}: {m.group(3)} allocation points")
        print(f"      outcomes by errno: {m.group(4)}; absorbed (load still succeeded): "
              f"{m.group(6)}; anomalies {m.group(8)}")
        print(f"      failed in: {m.group(5)}")
    loads = faults = 0
    outcomes = Counter()
    for m in re.finditer(r"^zbt: fault-loads( crash)?: loads (\d+), faults injected (\d+), "
                         r"outcomes by errno ([^;]*);.*ok with a fault absorbed (\d+), ok without "
                         r"a fault (\d+);.*anomalies (\d+)", log, re.M):
        loads += int(m.group(2))
        faults += int(m.group(3))
        for name, n in re.findall(r"(\S+) (\d+)", m.group(4)):
            outcomes[name] += int(n)
        print(f"  random faults, {'crash ' if m.group(1) else ''}loads: {m.group(2)} loads, "
              f"{m.group(3)} faults injected, outcomes {m.group(4)} (absorbed "
              f"{m.group(5)}, no fault {m.group(6)}), anomalies {m.group(7)}")
    print(f"  random faults in total: {loads} loads, {faults} faults injected, outcomes "
          + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))
    leaks = re.search(r"ZBT: kmemleak: (\d+) new", log)
    print(f"  kmemleak leaks: {leaks.group(1) if leaks else 'not scanned'}")


def report_soak(result, log):
    print(f"\nSoak on the hardened kernel, {result.scenario.group} ({result.seconds:.0f} s)")
    soak = re.search(rf"zbt: soak: ({SOAK_CYCLES}) cycles, (\d+) loads, (\d+) unloads, (\d+) errors in "
                     r"(\d+) ms", log)
    if soak:
        print(f"  {soak.group(1)} cycles: {soak.group(2)} loads, {soak.group(3)} unloads, "
              f"{soak.group(4)} errors, {int(soak.group(5)) / 1000:.1f} s "
              f"({int(soak.group(5)) / max(1, int(soak.group(2))):.1f} ms per load)")
    for what in ("before", "after", "delta"):
        m = re.search(rf"ZBT: soak memory {what}: (.*)", log)
        print(f"  memory {what:<6} {m.group(1) if m else 'missing'}")
    tol = re.search(r"ZBT: (?:FAIL: )?soak memory ((?:within|over) tolerance.*)", log)
    print(f"  {tol.group(1) if tol else 'tolerance not checked'}")
    leaks = re.search(r"ZBT: kmemleak: (\d+) new", log)
    print(f"  kmemleak leaks: {leaks.group(1) if leaks else 'not scanned'}")


def report(results):
    for result in results:
        name = result.scenario.name
        if name not in ("sigforce", "sigforce-kdump", "faults", "soak"):
            continue
        log = read(result)
        if name == "sigforce":
            report_sigforce(result, log)
        elif name == "faults":
            report_faults(result, log)
            callers, unexplained = alloc_failure_reports(log)
            print("  allocation-failure reports (warn_alloc, rate-limited to one per 10 s) "
                  "by caller: " + (", ".join(f"{c} {n}" for c, n in callers.most_common())
                                   or "none"))
            if unexplained and result.ok:
                result.ok = False
                result.reason = f"stack dump that is not an allocation-failure report: " \
                                f"{unexplained[0]}"
            for line in unexplained:
                print(f"  UNEXPLAINED stack dump at {line}")
        elif name == "soak":
            report_soak(result, log)
    times = [(r.scenario.label, r.seconds) for r in results
             if r.scenario.name in ("sigforce", "sigforce-kdump", "faults", "soak")]
    if times:
        print("\nEnforcement and fault scenarios: " +
              ", ".join(f"{label} {s:.0f} s" for label, s in times) +
              f"; total {sum(s for _, s in times):.0f} s")
