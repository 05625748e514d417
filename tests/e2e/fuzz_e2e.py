# SPDX-License-Identifier: GPL-2.0
"""The kernel fuzzer (tests/guest/scenarios/fuzz.sh, `zbt fuzz`).

    fuzz   the hardened kernel (KASAN incl. vmalloc, kmemleak) with
           panic_on_warn=1: mutated zboot images of every compression method
           and signed ones through kexec_file_load(2) for FUZZ_KERNEL_SECONDS
           (150) from run seed FUZZ_KERNEL_SEED (1), a kmemleak scan, then a
           clean kexec

`make fuzz-kernel FUZZ_SECONDS=N [FUZZ_SEED=S]` runs only this, for N seconds
(with a random run seed unless S is given). When the boot fails, report()
rebuilds the last case the guest logged before the failure with zbt-case
(tests/fuzz/kernel/zbt_case.rs: the guest's own mutate.rs, built for the
host) and keeps it under build/fuzz/kernel/ with the seed and the log tail.
"""

import os
import re
import subprocess

import qemu
from kernels import SECOND_KERNEL
from qemu import Scenario

SECONDS = int(os.environ.get("FUZZ_KERNEL_SECONDS", "150"))
SEED = os.environ.get("FUZZ_KERNEL_SEED", "1")
OUT = os.path.join(qemu.BUILD, "fuzz", "kernel")
CASE_TOOL = os.path.join(OUT, "zbt-case")
CASE_SOURCE = os.path.join(qemu.TOP, "tests", "fuzz", "kernel", "zbt_case.rs")
# Guest paths of the bases, and where their host copies are.
HOST_PATHS = {"/fuzz/": os.path.join(qemu.BUILD, "guest", "fuzz"),
              "/corpus/base/": os.path.join(qemu.BUILD, "corpus", "base")}
# Every errno a refused case may get: the loaders' (ENOEXEC, EINVAL, EFBIG,
# EBADMSG, EOPNOTSUPP, ENOMEM), none other; a successful load is "ok".
OUTCOME = r"(?:ok|ENOEXEC|EINVAL|EFBIG|EBADMSG|EOPNOTSUPP|ENOMEM) \d+"


def fuzz_scenarios(kernel):
    image = kernel.artifact("hardened")
    if not image:
        return []
    return [Scenario(
        "fuzz",
        "panic_on_warn=1 printk.devkmsg=on zbt.test=fuzz "
        f"zbt.fuzz.seconds={SECONDS} zbt.fuzz.seed={SEED} zbt.image=vmlinuz-zstd.efi",
        [r"Linux version \S+-zboot-hardened",
         r"ZBT: kmemleak baseline cleared",
         r"zbt: fuzz: [1-9]\d* cases in \d+ ms \(\d+ per s\), run seed \S+, "
         r"slowest case \d+ \(\d+ ms\); anomalies 0$",
         rf"zbt: fuzz base small-xzkern\.efi: cases [1-9]\d*; outcomes(?: {OUTCOME})+$",
         rf"zbt: fuzz base small-zstd\.signed\.efi: cases [1-9]\d*; outcomes(?: {OUTCOME})+$",
         r"ZBT: fuzz done",
         r"ZBT: kmemleak: 0 new unreferenced objects",
         r"zbt: load /images/vmlinuz-zstd\.efi: ok",
         rf"Linux version {SECOND_KERNEL}",
         rf"ZBT: second kernel reached init: {SECOND_KERNEL}"],
        forbid=[r"^unreferenced object 0x", r"Kernel panic"],
        kernel=image,
        timeout=SECONDS + 600,
        description=f"KASAN+kmemleak, panic_on_warn: {SECONDS} s of mutated images "
                    f"(run seed {SEED}), leak scan, clean kexec")]


GROUPS = {"fuzz": fuzz_scenarios}


def host_path(guest_path):
    for prefix, directory in HOST_PATHS.items():
        if guest_path.startswith(prefix):
            return os.path.join(directory, guest_path[len(prefix):])
    return None


def keep_failing_case(result, log):
    """Rebuilds the last case the guest logged and keeps it with its seed."""
    cases = re.findall(r"zbt: fuzz case (\d+) (\S+) (0x[0-9a-f]+)", log)
    if not cases:
        print("  no case was logged before the failure")
        return
    n, base, seed = cases[-1]
    source = host_path(base)
    if not source:
        print(f"  case {n}: no host copy of {base}")
        return
    os.makedirs(OUT, exist_ok=True)
    subprocess.run(["rustc", "--edition", "2021", "-O", "-o", CASE_TOOL, CASE_SOURCE],
                   check=True)
    name = f"{result.scenario.group}-case{n}-{os.path.basename(base)}-{seed}"
    out = os.path.join(OUT, name + ".efi")
    subprocess.run([CASE_TOOL, source, seed, out], check=True)
    tail = log[log.rfind(f"zbt: fuzz case {n} "):]
    with open(os.path.join(OUT, name + ".txt"), "w") as f:
        f.write(f"base {base} (host {source}), case seed {seed}, case {n} of run seed "
                f"{SEED}\nrebuild: {CASE_TOOL} {source} {seed} OUT\n\n{tail[:20000]}")
    print(f"  failing case {n} (base {base}, case seed {seed}) kept as {out}")


def report(results):
    for result in results:
        if result.scenario.name != "fuzz":
            continue
        with open(result.log, errors="replace") as f:
            log = f.read()
        print(f"\nKernel fuzzer on the hardened kernel, {result.scenario.group} "
              f"({result.seconds:.0f} s, run seed {SEED})")
        total = re.search(r"zbt: fuzz: (\d+) cases in (\d+) ms \((\d+) per s\).*"
                          r"slowest case (\d+) \((\d+) ms\); anomalies (\d+)", log)
        if total:
            print(f"  {total.group(1)} cases in {int(total.group(2)) / 1000:.0f} s "
                  f"({total.group(3)} per s), slowest case {total.group(4)} "
                  f"({total.group(5)} ms), anomalies {total.group(6)}")
        for m in re.finditer(r"^zbt: fuzz base (\S+): cases (\d+); outcomes (.*)$", log, re.M):
            print(f"  {m.group(1):<22} {m.group(2):>6} cases: {m.group(3)}")
        kinds = re.search(r"^zbt: fuzz mutations: (.*)$", log, re.M)
        if kinds:
            print(f"  cases per mutation kind: {kinds.group(1)}")
        leaks = re.search(r"ZBT: kmemleak: (\d+) new", log)
        print(f"  kmemleak leaks: {leaks.group(1) if leaks else 'not scanned'}; "
              f"KASAN reports: {len(re.findall(r'BUG: KASAN', log))}; "
              f"WARNING/BUG/Oops lines: {len(re.findall(r'WARNING:|BUG:|Oops', log))}")
        if not result.ok:
            keep_failing_case(result, log)
