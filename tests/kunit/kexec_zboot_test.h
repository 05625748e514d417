/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The KUnit vectors of the zboot loader and its decompressors: zboot files
 * made at build time by mkvectors.py from a synthetic arm64 Image (a good one
 * per compression method and many hostile ones), linked in by
 * kexec_zboot_vectors.S and walked by kexec_zboot_vectors.c.
 */
#ifndef _KEXEC_ZBOOT_TEST_H
#define _KEXEC_ZBOOT_TEST_H

#include <linux/types.h>

extern const u8 kexec_zboot_vectors[];
extern const u8 kexec_zboot_vectors_end[];

#define VECTOR_FLAG_LEGACY	BIT(0)	/* needs CONFIG_KEXEC_IMAGE_ZBOOT_LEGACY */

/* One test vector, decoded from the blob. */
struct zboot_vector {
	const char *name;
	int probe;		/* what probe() must return */
	int load;		/* what load() must return when probe() accepts */
	int alt;		/* another result load() may give, or 0 */
	u32 flags;
	u32 image_len;		/* decompressed length of a good file */
	const u8 *data;
	u32 data_len;
	const u8 *next;		/* where the next vector starts */
};

u32 zboot_vectors_count(void);
bool zboot_vector_at(const u8 *at, struct zboot_vector *vec);
const u8 *zboot_next_vector(const u8 *prev, struct zboot_vector *vec);
bool zboot_vector_is_good(const struct zboot_vector *vec);
int zboot_vector_expected_load(const struct zboot_vector *vec);

/* Every vector in turn: for (at = NULL; (at = zboot_next_vector(at, &vec));) */

#endif /* _KEXEC_ZBOOT_TEST_H */
