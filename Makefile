# zboot-kexec-rs: the front door. Everything generated lands in build/.
#
#   make run      set up, build, and show a zboot kexec under QEMU
#   make run-secureboot  the same under UEFI Secure Boot (firmware -> signed zboot -> kexec)
#   make test     set up, build, and run every test (host, KUnit, QEMU)
#   make kernel   build the kernels; artifacts in build/artifacts/
#   make bench    load latency and memory: zboot vs raw Image vs userspace
#   make fuzz     a long fuzzing run of the pure parser (FUZZ_SECONDS=600)
#   make fuzz-decompress  the C decompressors under libFuzzer/ASan on the host
#                 (FUZZ_SECONDS=600, KTREE=6.12 or 7.N); failing inputs in
#                 build/fuzz/decompress/crashes/
#   make fuzz-kernel  mutated images through kexec_file_load on the KASAN kernel
#                 (FUZZ_SECONDS=600, FUZZ_SEED=random); failing cases in build/fuzz/kernel/
#   make patches  the kernel changes as a patch series in build/patches/
#   make clean    remove build outputs (keeps downloads, tools, kernel tree)

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
PYTHON ?= python3
FUZZ_SECONDS ?= 600

.PHONY: all help deps kernel guest run run-secureboot test host-test e2e kunit bench fuzz fuzz-decompress fuzz-kernel \
	patches check clean distclean

all: help

help:
	@sed -n 's/^#   //p' $(firstword $(MAKEFILE_LIST))

deps:
	@scripts/setup-deps.sh

kernel: deps
	@scripts/make-kernel.sh

guest: kernel
	@scripts/make-guest.sh

run: guest
	@scripts/demo.sh

run-secureboot: guest
	@scripts/demo-secureboot.sh

host-test: kernel
	@scripts/host-test.sh

e2e: guest
	@cd tests/e2e && $(PYTHON) e2e.py

test: guest
	@scripts/test.sh

bench: guest
	@cd tests/e2e && $(PYTHON) bench.py

fuzz: deps
	@scripts/fuzz.sh $(FUZZ_SECONDS)

fuzz-decompress: kernel
	@scripts/fuzz-decompress.sh $(FUZZ_SECONDS)

fuzz-kernel: guest
	@seed=$${FUZZ_SEED:-$$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}; \
	cd tests/e2e && FUZZ_KERNEL_SECONDS=$(FUZZ_SECONDS) FUZZ_KERNEL_SEED=$$seed $(PYTHON) e2e.py fuzz

patches: deps
	@scripts/make-patches.sh

check: kernel
	@scripts/check.sh

clean:
	rm -rf build/obj build/artifacts build/guest build/logs build/patches build/cargo build/fuzz/target build/uki build/uki-firmware \
		build/fuzz/decompress/{6,7}.*/

distclean:
	rm -rf build
