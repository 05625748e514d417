#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The userspace route to kexec a zboot image, the way kexec-tools >= 2.0.27
# takes it: cut the payload out of the zboot file (zbt payload: le32 offset at
# 0x08, le32 size at 0x0c), decompress it with the distribution's own gzip or
# zstd into tmpfs, hand the raw Image to kexec_file_load(2), remove the file.
#   userspace.sh load|decompress METHOD ZBOOT
# "decompress" stops after the decompression (the route's breakdown). Quiet
# on success: every byte written to the console would be timed too.
# Runs in the bench initramfs (scripts/bench-prepare.sh), timed end to end by
# zbt time-cmd from tests/guest/scenarios/bench.sh.
set -e -o pipefail
mode=$1 method=$2 file=$3
out=/tmp/bench-Image
case $method in
gzip) zbt payload "$file" | /bench/bin/gzip -dc >"$out" ;;
zstd) zbt payload "$file" | /bench/bin/zstd -dcq >"$out" ;;
*) echo "userspace.sh: unknown method $method" >&2; exit 2 ;;
esac
if [ "$mode" = load ]; then
	zbt load "$out" >/tmp/bench-load.out || { cat /tmp/bench-load.out; rm -f "$out"; exit 1; }
fi
rm -f "$out"
