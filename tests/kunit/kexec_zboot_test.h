/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the zboot loader's KUnit suite uses besides kexec_zboot_ops: the
 * vectors linked in by kexec_zboot_vectors.S and the Rust loader's test
 * entry point.
 */
#ifndef _KEXEC_ZBOOT_TEST_H
#define _KEXEC_ZBOOT_TEST_H

#include <linux/types.h>

extern const u8 kexec_zboot_vectors[];
extern const u8 kexec_zboot_vectors_end[];

/*
 * Runs every check and the decompression that load() runs on a file, without
 * placing segments; frees what it allocated. Returns 0 or -errno, and on
 * success sets *image_len to the decompressed length.
 */
int kexec_zboot_unpack_test(const u8 *buf, size_t len, size_t *image_len);

#endif /* _KEXEC_ZBOOT_TEST_H */
