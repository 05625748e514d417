/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The loader's test entry points (its tests.rs), for kernels whose loader
 * tests are a C suite (kexec_zboot_bridge_test.c).
 */
#ifndef _KEXEC_ZBOOT_BRIDGE_H
#define _KEXEC_ZBOOT_BRIDGE_H

#include <linux/types.h>

/*
 * Runs every check and the decompression that load() runs on a file, without
 * placing segments; frees what it allocated. Returns 0 or -errno, and on
 * success sets *image_len to the decompressed length.
 */
int kexec_zboot_unpack_test(const u8 *buf, size_t len, size_t *image_len);

/*
 * Runs every UKI vector of the blob @buf (mkvectors.py --uki) through the
 * UKI loader's probe(), parsing and unpacking. Returns how many were tried
 * if each gave its expected result, else minus how many did not (each one
 * logged).
 */
int kexec_uki_vectors_test(const u8 *buf, size_t len);

extern const u8 kexec_uki_vectors[];
extern const u8 kexec_uki_vectors_end[];

#endif /* _KEXEC_ZBOOT_BRIDGE_H */
