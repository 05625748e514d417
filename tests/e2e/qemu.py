# SPDX-License-Identifier: GPL-2.0
"""Boot a kernel under QEMU and check its console log.

A Scenario names a kernel command line, the lines the log must show (regular
expressions, in order) and the lines it must never show. run() boots, waits
for QEMU to exit (the guest powers off; -no-reboot turns a panic or reset
into an exit too), and returns a Result with the log kept under build/logs/.
"""

import os
import re
import subprocess
import time
from dataclasses import dataclass, field

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("BUILD", os.path.join(TOP, "build"))
ARTIFACTS = os.path.join(BUILD, "artifacts")
LOGS = os.path.join(BUILD, "logs")

# Anything that means the kernel or a test went wrong, wherever it shows up.
FORBIDDEN = [
    r"Oops",
    r"BUG:",
    r"WARNING:",
    r"Unable to handle kernel",
    r"Kernel panic",
    r"Call trace:",
    r"ZBT: FAIL",
    r"zbt: FAIL",
    r"KASAN",
    r"UBSAN",
]


@dataclass
class Scenario:
    name: str
    cmdline: str
    expect: list
    forbid: list = field(default_factory=list)
    allow: list = field(default_factory=list)  # FORBIDDEN patterns this one expects
    kernel: str = os.path.join(ARTIFACTS, "Image")
    initrd: str = os.path.join(BUILD, "guest", "initramfs.cpio")
    mem: str = "1G"
    timeout: int = 300
    description: str = ""


@dataclass
class Result:
    scenario: Scenario
    ok: bool
    reason: str
    seconds: float
    log: str


def qemu_command(scn):
    return [
        "qemu-system-aarch64", "-M", "virt", "-cpu", "max,pauth-impdef=on",
        "-smp", "2", "-m", scn.mem, "-nographic", "-no-reboot", "-nic", "none",
        "-kernel", scn.kernel, "-initrd", scn.initrd,
        "-append", f"console=ttyAMA0 panic=-1 {scn.cmdline}",
    ]


def boot(scn, log_path):
    """Boots once; returns (console text, seconds, timed out)."""
    start = time.monotonic()
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(qemu_command(scn), stdin=subprocess.DEVNULL,
                                stdout=log, stderr=subprocess.STDOUT)
        try:
            proc.wait(timeout=scn.timeout)
            timed_out = False
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            timed_out = True
    with open(log_path, "rb") as log:
        text = log.read().decode("utf-8", "replace").replace("\r\n", "\n")
    return text, time.monotonic() - start, timed_out


def check(scn, text, timed_out):
    """(ok, reason) for a console log."""
    pos = 0
    for pattern in scn.expect:
        match = re.compile(pattern, re.M).search(text, pos)
        if not match:
            return False, f"missing /{pattern}/" + (" (timed out)" if timed_out else "")
        pos = match.end()
    for pattern in FORBIDDEN + scn.forbid:
        if pattern in scn.allow:
            continue
        match = re.search(pattern, text, re.M)
        if match:
            line = text[text.rfind("\n", 0, match.start()) + 1:].split("\n", 1)[0]
            return False, f"forbidden /{pattern}/: {line.strip()[:120]}"
    if timed_out:
        return False, f"timed out after {scn.timeout}s"
    return True, "ok"


def run(scn):
    os.makedirs(LOGS, exist_ok=True)
    log_path = os.path.join(LOGS, f"{scn.name}.log")
    text, seconds, timed_out = boot(scn, log_path)
    ok, reason = check(scn, text, timed_out)
    return Result(scn, ok, reason, seconds, log_path)


def print_table(results, title):
    width = max(len(r.scenario.name) for r in results)
    print(f"\n{title}")
    print(f"  {'scenario':<{width}}  result  seconds  detail")
    for r in results:
        verdict = "PASS" if r.ok else "FAIL"
        detail = r.scenario.description if r.ok else f"{r.reason}  (log: {r.log})"
        print(f"  {r.scenario.name:<{width}}  {verdict:<6}  {r.seconds:7.1f}  {detail}")
