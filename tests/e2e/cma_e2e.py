# SPDX-License-Identifier: GPL-2.0
"""CMA placement on 7.x (tests/guest/scenarios/cma.sh): a kernel segment that
kexec_add_buffer() put in CMA and that a loader gives up in its retry loop
returns its block (kexec_buf_retry(), arch-arm64/7.x/patches/kexec.patch),
for this loader and for the C raw-Image loader; kmemleak-clean."""

import re

from qemu import Scenario


def cma_scenario(kernel):
    if kernel.name.startswith("6."):
        return []  # 6.12's kexec_add_buffer() never uses CMA
    return [Scenario(
        "cma-retry", "kmemleak=on cma=32M zbt.test=cma",
        [r"ZBT: cma: CmaTotal: 32768 kB",
         r"kexec_file: Loaded kernel at 0x[0-9a-f]+ bufsz=0x[0-9a-f]+ memsz=0x[0-9a-f]+$",
         r"ZBT: cma: small initrd loaded; CMA pages in use \d+",
         r"ZBT: cma: small initrd unloaded; CMA pages in use back to \d+",
         r"kexec_file: No room for the other segments next to 0x[0-9a-f]+$",
         r"kexec_file: Released the CMA block of segment \d+ \(\d+ pages\)",
         r"kexec_file: Loaded kernel at 0x[0-9a-f]+ bufsz=0x[0-9a-f]+ memsz=0x[0-9a-f]+$",
         r"ZBT: cma: big initrd loaded",
         r"ZBT: cma: big initrd unloaded; CMA pages in use back to \d+",
         r"kexec_file: Released the CMA block of segment \d+ \(\d+ pages\)",
         r"ZBT: cma: kexec_image_ops: big initrd loaded",
         r"ZBT: cma: kexec_image_ops: big initrd unloaded; CMA pages in use back to \d+",
         r"ZBT: cma: kmemleak: 0 new unreferenced objects",
         r"ZBT: end of scenario cma"],
        forbid=[r"^unreferenced object 0x"],
        description="kernel placed in CMA, retried outside it: block returned by both loaders, no leak")]


def report(results):
    for r in results:
        if r.scenario.name != "cma-retry":
            continue
        with open(r.log, errors="replace") as f:
            log = f.read()
        print(f"\nCMA placement on {r.scenario.group}")
        for line in re.findall(r"^ZBT: cma: (.*)$", log, re.M):
            print(f"  {line}")


GROUPS = {"cma": cma_scenario}
