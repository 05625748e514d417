// SPDX-License-Identifier: GPL-2.0
/*
 * Walks the KUnit vectors that mkvectors.py makes at build time. Layout
 * (little-endian): "ZBVECT01", u32 count, u32 0, then per vector: char
 * name[64], s32 probe, s32 load, u32 flags, u32 image_len, u32 data_len,
 * s32 alt, data padded to 8 bytes.
 */

#include <linux/align.h>
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/kconfig.h>
#include <linux/string.h>
#include <linux/unaligned.h>

#include "kexec_zboot_test.h"

#define VECTORS_MAGIC		"ZBVECT01"
#define VECTORS_HEADER_LEN	16
#define VECTOR_NAME_LEN		64
#define VECTOR_HEADER_LEN	(VECTOR_NAME_LEN + 6 * 4)

static size_t vectors_len(void)
{
	return kexec_zboot_vectors_end - kexec_zboot_vectors;
}

u32 zboot_vectors_count(void)
{
	if (vectors_len() < VECTORS_HEADER_LEN ||
	    memcmp(kexec_zboot_vectors, VECTORS_MAGIC, 8))
		return 0;
	return get_unaligned_le32(kexec_zboot_vectors + 8);
}

/* Decodes the vector at @at; false if it does not fit in the blob. */
bool zboot_vector_at(const u8 *at, struct zboot_vector *vec)
{
	const u8 *end = kexec_zboot_vectors_end;
	const u8 *fields = at + VECTOR_NAME_LEN;

	if (at < kexec_zboot_vectors + VECTORS_HEADER_LEN ||
	    end - at < VECTOR_HEADER_LEN || at[VECTOR_NAME_LEN - 1])
		return false;
	vec->name = (const char *)at;
	vec->probe = (s32)get_unaligned_le32(fields);
	vec->load = (s32)get_unaligned_le32(fields + 4);
	vec->flags = get_unaligned_le32(fields + 8);
	vec->image_len = get_unaligned_le32(fields + 12);
	vec->data_len = get_unaligned_le32(fields + 16);
	vec->alt = (s32)get_unaligned_le32(fields + 20);
	vec->data = at + VECTOR_HEADER_LEN;
	if (end - vec->data < vec->data_len)
		return false;
	vec->next = vec->data + ALIGN(vec->data_len, 8);
	return true;
}

/* The vector after @prev (the first one if @prev is NULL), or NULL. */
const u8 *zboot_next_vector(const u8 *prev, struct zboot_vector *vec)
{
	const u8 *at;

	if (!prev)
		at = zboot_vectors_count() ? kexec_zboot_vectors + VECTORS_HEADER_LEN : NULL;
	else if (zboot_vector_at(prev, vec) && vec->next < kexec_zboot_vectors_end)
		at = vec->next;
	else
		at = NULL;
	return at && zboot_vector_at(at, vec) ? at : NULL;
}

bool zboot_vector_is_good(const struct zboot_vector *vec)
{
	return !vec->probe && !vec->load && vec->image_len;
}

/* What load() must return for @vec on this kernel. */
int zboot_vector_expected_load(const struct zboot_vector *vec)
{
	if ((vec->flags & VECTOR_FLAG_LEGACY) &&
	    !IS_ENABLED(CONFIG_KEXEC_IMAGE_ZBOOT_LEGACY))
		return -EOPNOTSUPP;
	return vec->load;
}
