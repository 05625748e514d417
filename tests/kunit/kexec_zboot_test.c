// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the arm64 zboot kexec_file loader (kexec_zboot.rs) and the
 * bounded decompressors behind it (lib/decompress_bounded.c).
 *
 * The vectors are zboot files made at build time by mkvectors.py from a
 * small synthetic arm64 Image: a good one per compression method and many
 * hostile ones, each with the errno probe() and load() must give.
 */

#include <kunit/test.h>
#include <linux/decompress/bounded.h>
#include <linux/errno.h>
#include <linux/kexec.h>
#include <linux/string.h>
#include <linux/unaligned.h>
#include <linux/vmalloc.h>

#include "kexec_zboot_test.h"

#define VECTORS_MAGIC		"ZBVECT01"
#define VECTORS_HEADER_LEN	16
#define VECTOR_NAME_LEN		64
#define VECTOR_HEADER_LEN	(VECTOR_NAME_LEN + 6 * 4)
#define VECTOR_FLAG_LEGACY	BIT(0)
#define MIN_GOOD_VECTORS	2	/* gzip and zstd at least */
#define CANARY_LEN		64
#define CANARY_BYTE		0xa5

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

static size_t vectors_len(void)
{
	return kexec_zboot_vectors_end - kexec_zboot_vectors;
}

static u32 vectors_count(void)
{
	if (vectors_len() < VECTORS_HEADER_LEN ||
	    memcmp(kexec_zboot_vectors, VECTORS_MAGIC, 8))
		return 0;
	return get_unaligned_le32(kexec_zboot_vectors + 8);
}

/* Decodes the vector at @at; false if it does not fit in the blob. */
static bool zboot_vector_at(const u8 *at, struct zboot_vector *vec)
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
static const u8 *next_vector(const u8 *prev, struct zboot_vector *vec)
{
	const u8 *at;

	if (!prev)
		at = vectors_count() ? kexec_zboot_vectors + VECTORS_HEADER_LEN : NULL;
	else if (zboot_vector_at(prev, vec) && vec->next < kexec_zboot_vectors_end)
		at = vec->next;
	else
		at = NULL;
	return at && zboot_vector_at(at, vec) ? at : NULL;
}

/* The parameter generator: walks the blob, one vector per test run. */
static const void *zboot_vector_gen(const void *prev, char *desc)
{
	struct zboot_vector vec;
	const u8 *at = next_vector(prev, &vec);

	if (at)
		strscpy(desc, vec.name, KUNIT_PARAM_DESC_SIZE);
	return at;
}

static bool is_good(const struct zboot_vector *vec)
{
	return !vec->probe && !vec->load && vec->image_len;
}

/* Like zboot_vector_gen(), but only the files that must load. */
static const void *good_vector_gen(const void *prev, char *desc)
{
	struct zboot_vector vec;
	const u8 *at = prev;

	while ((at = next_vector(at, &vec)) && !is_good(&vec))
		;
	if (at)
		strscpy(desc, vec.name, KUNIT_PARAM_DESC_SIZE);
	return at;
}

/* What load() must return for @vec on this kernel. */
static int expected_load(const struct zboot_vector *vec)
{
	if ((vec->flags & VECTOR_FLAG_LEGACY) &&
	    !IS_ENABLED(CONFIG_KEXEC_IMAGE_ZBOOT_LEGACY))
		return -EOPNOTSUPP;
	return vec->load;
}

/* The blob is well-formed, complete and holds the good gzip and zstd files. */
static void zboot_vectors_test(struct kunit *test)
{
	struct zboot_vector vec;
	unsigned int seen = 0, good = 0;
	const u8 *at;

	KUNIT_ASSERT_GT(test, vectors_count(), 0);
	for (at = next_vector(NULL, &vec); at; at = next_vector(at, &vec)) {
		seen++;
		if (!strcmp(vec.name, "good-gzip") || !strcmp(vec.name, "good-zstd"))
			good++;
	}
	KUNIT_EXPECT_EQ(test, seen, vectors_count());
	KUNIT_EXPECT_EQ(test, good, MIN_GOOD_VECTORS);
}

/* probe() and load()'s checks give each vector's expected result. */
static void zboot_vector_test(struct kunit *test)
{
	struct zboot_vector vec;
	size_t image_len = 0;
	int ret;

	KUNIT_ASSERT_TRUE(test, zboot_vector_at(test->param_value, &vec));
	ret = kexec_zboot_ops.probe((const char *)vec.data, vec.data_len);
	KUNIT_ASSERT_EQ_MSG(test, ret, vec.probe, "probe of %s", vec.name);
	if (ret)
		return;
	ret = kexec_zboot_unpack_test(vec.data, vec.data_len, &image_len);
	if (vec.alt && ret == vec.alt)
		return;
	KUNIT_EXPECT_EQ_MSG(test, ret, expected_load(&vec), "load of %s", vec.name);
	if (!ret)
		KUNIT_EXPECT_EQ(test, image_len, (size_t)vec.image_len);
}

static const char *const bounded_names[] = {
	"gzip", "zstd", "zstd22",
};

static const char *const legacy_names[] = {
	"xzkern", "lzma", "lz4", "lzo",
};

static const char *const unknown_names[] = {
	"", "GZIP", "gzip ", "bzip2", "brotli", "zstd22x",
};

static void bounded_lookup_test(struct kunit *test)
{
	bool legacy = IS_ENABLED(CONFIG_KEXEC_IMAGE_ZBOOT_LEGACY);
	int i;

	for (i = 0; i < ARRAY_SIZE(bounded_names); i++)
		KUNIT_EXPECT_NOT_NULL_MSG(test, decompress_method_by_name(bounded_names[i]),
					  "%s", bounded_names[i]);
	for (i = 0; i < ARRAY_SIZE(legacy_names); i++)
		KUNIT_EXPECT_EQ_MSG(test, !!decompress_method_by_name(legacy_names[i]),
				    legacy, "%s", legacy_names[i]);
	for (i = 0; i < ARRAY_SIZE(unknown_names); i++)
		KUNIT_EXPECT_NULL_MSG(test, decompress_method_by_name(unknown_names[i]),
				      "\"%s\"", unknown_names[i]);
}

/* The compressed stream of a good zboot vector: [offset, offset + size). */
static void zboot_payload(const struct zboot_vector *vec, const u8 **payload,
			  size_t *len)
{
	*payload = vec->data + get_unaligned_le32(vec->data + 8);
	*len = get_unaligned_le32(vec->data + 12);
}

static bool canary_intact(const u8 *canary)
{
	return !memchr_inv(canary, CANARY_BYTE, CANARY_LEN);
}

/*
 * Decompresses the payload of @vec into a buffer of @out_size bytes followed
 * by a canary; returns the decompressor's result, and fails the test if it
 * wrote past @out_size.
 */
static int decompress_into(struct kunit *test, const struct zboot_vector *vec,
			   size_t out_size, size_t *out_len)
{
	char name[32] = {};
	decompress_bounded_fn decompress;
	const u8 *payload;
	size_t payload_len;
	u8 *out;
	int ret;

	strscpy(name, (const char *)vec->data + 0x18, sizeof(name));
	decompress = decompress_method_by_name(name);
	KUNIT_ASSERT_NOT_NULL(test, decompress);
	out = vmalloc(out_size + CANARY_LEN);
	KUNIT_ASSERT_NOT_NULL(test, out);
	memset(out + out_size, CANARY_BYTE, CANARY_LEN);
	zboot_payload(vec, &payload, &payload_len);
	ret = decompress(payload, payload_len, out, out_size, out_len);
	KUNIT_EXPECT_TRUE_MSG(test, canary_intact(out + out_size),
			      "%s wrote past %zu bytes", name, out_size);
	vfree(out);
	return ret;
}

/* Good payloads decompress exactly into their size and fail cleanly below. */
static void bounded_output_test(struct kunit *test)
{
	struct zboot_vector vec;
	size_t out_len = 0;

	KUNIT_ASSERT_TRUE(test, zboot_vector_at(test->param_value, &vec));
	if (expected_load(&vec) == -EOPNOTSUPP)
		kunit_skip(test, "method not built in");

	KUNIT_EXPECT_EQ(test, decompress_into(test, &vec, vec.image_len, &out_len), 0);
	KUNIT_EXPECT_EQ(test, out_len, (size_t)vec.image_len);
	/* lzma cannot tell a byte too many; see unlzma_bounded() */
	if (strcmp((const char *)vec.data + 0x18, "lzma"))
		KUNIT_EXPECT_EQ(test, decompress_into(test, &vec, vec.image_len - 1,
						      &out_len), -EFBIG);
	KUNIT_EXPECT_EQ(test, decompress_into(test, &vec, vec.image_len / 2, &out_len),
			-EFBIG);
	KUNIT_EXPECT_EQ(test, decompress_into(test, &vec, 64, &out_len), -EFBIG);
	KUNIT_EXPECT_EQ(test, decompress_into(test, &vec, 0, &out_len), -EFBIG);
}

/* A raw arm64 Image is left to kexec_image_ops. */
static void probe_leaves_raw_image_test(struct kunit *test)
{
	u8 image[64] = {};

	memcpy(image + 0x38, "ARM\x64", 4);
	put_unaligned_le64(sizeof(image), image + 0x10);
	KUNIT_EXPECT_EQ(test, kexec_zboot_ops.probe((const char *)image, sizeof(image)),
			-ENOEXEC);
	KUNIT_EXPECT_EQ(test, kexec_image_ops.probe((const char *)image, sizeof(image)), 0);
	KUNIT_EXPECT_EQ(test, kexec_zboot_ops.probe(NULL, 0), -ENOEXEC);
}

static void cleanup_null_test(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, kexec_zboot_ops.cleanup(NULL), 0);
}

static struct kunit_case kexec_zboot_test_cases[] = {
	KUNIT_CASE(zboot_vectors_test),
	KUNIT_CASE_PARAM(zboot_vector_test, zboot_vector_gen),
	KUNIT_CASE(bounded_lookup_test),
	KUNIT_CASE_PARAM(bounded_output_test, good_vector_gen),
	KUNIT_CASE(probe_leaves_raw_image_test),
	KUNIT_CASE(cleanup_null_test),
	{}
};

static struct kunit_suite kexec_zboot_test_suite = {
	.name = "kexec_zboot",
	.test_cases = kexec_zboot_test_cases,
};

kunit_test_suite(kexec_zboot_test_suite);

MODULE_DESCRIPTION("KUnit tests for the arm64 zboot kexec_file loader");
MODULE_LICENSE("GPL");
