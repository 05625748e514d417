# SPDX-License-Identifier: GPL-2.0
"""The test kernels `make kernel` built, as the QEMU tests see them.

scripts/make-kernel.sh writes build/artifacts/kernels.json: one entry per
kernel tree (6.12 LTS, and the current 7.x Debian carries), each naming its
test kernel, the test kernel's own zboot image and its release string. Every
scenario runs once per kernel; the second kernel of every kexec is the 6.12
payload kernel (vmlinuz-{gzip,zstd}.efi), whatever the first one is.
"""

import json
import os
import re
from dataclasses import dataclass

import qemu

MANIFEST = os.path.join(qemu.ARTIFACTS, "kernels.json")

# The kernel every kexec boots into: 6.12's small payload kernel.
SECOND_KERNEL = r"6\.12\.\d+-zboot-payload"


@dataclass(frozen=True)
class Kernel:
    name: str          # "6.12", "7.3": the tree it was built from
    image: str         # the test kernel (raw Image), booted by QEMU
    zboot: str         # the test kernel's own zboot image (gzip)
    release: str       # `uname -r` of the test kernel
    extra: dict        # other artifacts of this tree, by role ("hardened", ...)

    @property
    def release_re(self):
        return re.escape(self.release)

    def artifact(self, role):
        """Path of another artifact of this tree, or None."""
        name = self.extra.get(role)
        return os.path.join(qemu.ARTIFACTS, name) if name else None


def load():
    """The kernels of the last `make kernel`, oldest first."""
    if not os.path.exists(MANIFEST):
        raise SystemExit(f"{MANIFEST} missing: run `make kernel` first")
    with open(MANIFEST) as f:
        entries = json.load(f)
    kernels = []
    for e in entries:
        kernels.append(Kernel(
            name=e["name"],
            image=os.path.join(qemu.ARTIFACTS, e["image"]),
            zboot=os.path.join(qemu.ARTIFACTS, e["zboot"]),
            release=e["release"],
            extra=e.get("extra", {})))
    return kernels
