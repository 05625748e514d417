# SPDX-License-Identifier: GPL-2.0
"""Boot a kernel under QEMU and check its console log.

A Scenario names a kernel command line, the lines the log must show (regular
expressions, in order) and the lines it must never show. run() boots, waits
for QEMU to exit (the guest powers off; -no-reboot turns a panic or reset
into an exit too), and returns a Result with the log kept under build/logs/.
"""

import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("BUILD", os.path.join(TOP, "build"))
ARTIFACTS = os.path.join(BUILD, "artifacts")
LOGS = os.path.join(BUILD, "logs")

# UEFI firmware for the boots a Scenario.firmware asks for: Debian's
# qemu-efi-aarch64 (AAVMF). CODE is read-only; each boot gets its own copy of
# the variable store template under build/ (the firmware writes to it).
AAVMF = "/usr/share/AAVMF"
FIRMWARE_CODE = os.path.join(AAVMF, "AAVMF_CODE.fd")
VARS_SECURE_BOOT = os.path.join(AAVMF, "AAVMF_VARS.snakeoil.fd")  # on; PK/KEK/db: snakeoil
VARS_NO_SECURE_BOOT = os.path.join(AAVMF, "AAVMF_VARS.fd")         # Secure Boot off
FIRMWARE_VARS = os.path.join(BUILD, "firmware-vars")

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
    group: str = ""     # the kernel tree it runs on ("6.12", "7.3"): its log folder
    smp: int = 2
    # UEFI boot: a variable store template (VARS_SECURE_BOOT, ...). QEMU then
    # runs AAVMF, which starts `kernel` (an EFI image: a zboot vmlinuz.efi) and
    # passes -append/-initrd to its EFI stub; "" boots `kernel` directly.
    firmware: str = ""
    # Stop QEMU as soon as the console shows this regular expression (the
    # boot's expected end, e.g. firmware that gave up); "" waits for power-off.
    stop_at: str = ""

    @property
    def label(self):
        return f"{self.group}/{self.name}" if self.group else self.name


@dataclass
class Result:
    scenario: Scenario
    ok: bool
    reason: str
    seconds: float
    log: str


def qemu_command(scn, vars_copy=None):
    """The QEMU command line; `vars_copy` is this boot's copy of scn.firmware."""
    machine, firmware = "virt", []
    if scn.firmware:
        if not vars_copy:
            raise ValueError(f"{scn.name}: a firmware boot needs its own copy of {scn.firmware}")
        # acpi=off: else AAVMF hands over ACPI tables only, and the kernels
        # (no CONFIG_ACPI) find no devices; this way they get the device tree.
        machine = "virt,acpi=off"
        firmware = ["-drive", f"if=pflash,format=raw,readonly=on,file={FIRMWARE_CODE}",
                    "-drive", f"if=pflash,format=raw,file={vars_copy}"]
    return [
        "qemu-system-aarch64", "-M", machine, "-cpu", "max,pauth-impdef=on",
        "-smp", str(scn.smp), "-m", scn.mem, "-nographic", "-no-reboot", "-nic", "none",
        *firmware,
        "-kernel", scn.kernel, "-initrd", scn.initrd,
        "-append", f"console=ttyAMA0 panic=-1 {scn.cmdline}",
    ]


def firmware_vars_copy(scn):
    """A fresh copy of scn.firmware's variable store for one boot, under
    build/firmware-vars/ with a unique name (boots run side by side)."""
    os.makedirs(FIRMWARE_VARS, exist_ok=True)
    prefix = f"{scn.label.replace('/', '-')}-"
    fd, path = tempfile.mkstemp(prefix=prefix, suffix=".fd", dir=FIRMWARE_VARS)
    os.close(fd)
    shutil.copyfile(scn.firmware, path)
    return path


def wait(proc, scn, log_path):
    """Waits for QEMU to exit, or until the log shows scn.stop_at (then stops
    it); returns True if scn.timeout ran out first."""
    if not scn.stop_at:
        try:
            proc.wait(timeout=scn.timeout)
            return False
        except subprocess.TimeoutExpired:
            return True
    stop = re.compile(scn.stop_at, re.M)
    deadline = time.monotonic() + scn.timeout
    while proc.poll() is None:
        with open(log_path, "rb") as log:
            if stop.search(log.read().decode("utf-8", "replace")):
                proc.terminate()
                proc.wait()
                return False
        if time.monotonic() > deadline:
            return True
        time.sleep(0.5)
    return False


def boot(scn, log_path):
    """Boots once; returns (console text, seconds, timed out)."""
    start = time.monotonic()
    vars_copy = firmware_vars_copy(scn) if scn.firmware else None
    try:
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(qemu_command(scn, vars_copy), stdin=subprocess.DEVNULL,
                                    stdout=log, stderr=subprocess.STDOUT)
            timed_out = wait(proc, scn, log_path)
            if timed_out:
                proc.kill()
                proc.wait()
    finally:
        if vars_copy:
            os.unlink(vars_copy)
    with open(log_path, "rb") as log:
        text = log.read().decode("utf-8", "replace").replace("\r\n", "\n")
    return text, time.monotonic() - start, timed_out


# Lines the guest's user space writes (the scenarios' and zbt's) start with
# "ZBT: " or "zbt: "; every other line is the kernel's, or a tool's. Newer
# kernels may print through a console thread, so a kernel line can reach the
# console after user-space lines written later than it. Expected user lines
# are matched in order; an expected kernel line anywhere from a little before
# the previous expected user line on (KERNEL_LAG characters), without moving
# on the cursor for the user lines after it.
KERNEL_LAG = 4096
USER_LINE = re.compile(r"\^?(ZBT|zbt): ")


def check(scn, text, timed_out):
    """(ok, reason) for a console log."""
    pos = 0       # where the next expected user line is looked for
    anchor = 0    # where the last expected user line starts
    for pattern in scn.expect:
        regex = re.compile(pattern, re.M)
        if USER_LINE.match(pattern):
            match = regex.search(text, pos)
        else:
            match = regex.search(text, max(0, anchor - KERNEL_LAG))
        if not match:
            return False, f"missing /{pattern}/" + (" (timed out)" if timed_out else "")
        if USER_LINE.match(pattern):
            anchor, pos = match.start(), match.end()
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
    log_dir = os.path.join(LOGS, scn.group) if scn.group else LOGS
    os.makedirs(log_dir, exist_ok=True)
    log_path = os.path.join(log_dir, f"{scn.name}.log")
    text, seconds, timed_out = boot(scn, log_path)
    ok, reason = check(scn, text, timed_out)
    return Result(scn, ok, reason, seconds, log_path)


def run_all(scenarios, jobs, after=None):
    """Runs the scenarios, `jobs` QEMUs at a time, and returns their results in
    order. A guest is mostly one busy vCPU, so on a 2-core host two boots side by
    side take about as long as one. Each result is printed as it arrives;
    `after(result)` may fail a result that booted fine (e.g. a TAP check)."""
    lock = threading.Lock()

    def one(scn):
        with lock:
            print(f"==> QEMU: {scn.label}: {scn.description}", flush=True)
        result = run(scn)
        if result.ok and after:
            after(result)
        with lock:
            verdict = "PASS" if result.ok else "FAIL"
            detail = "" if result.ok else f": {result.reason} (log: {result.log})"
            print(f"    {verdict} {scn.label} in {result.seconds:.1f}s{detail}", flush=True)
        return result

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return list(pool.map(one, scenarios))


def print_table(results, title):
    width = max(len(r.scenario.label) for r in results)
    print(f"\n{title}")
    print(f"  {'scenario':<{width}}  result  seconds  detail")
    for r in results:
        verdict = "PASS" if r.ok else "FAIL"
        detail = r.scenario.description if r.ok else f"{r.reason}  (log: {r.log})"
        print(f"  {r.scenario.label:<{width}}  {verdict:<6}  {r.seconds:7.1f}  {detail}")
