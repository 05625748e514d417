// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the bounded decompressors (lib/decompress_bounded.c), with
 * the payloads of the zboot loader's vectors: every method decompresses its
 * good payload exactly into its size, fails cleanly with -EFBIG below it, and
 * never writes past the output buffer.
 */

#include <kunit/test.h>
#include <linux/decompress/bounded.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/unaligned.h>
#include <linux/vmalloc.h>

#include "kexec_zboot_test.h"

#define CANARY_LEN	64
#define CANARY_BYTE	0xa5
#define METHOD_FIELD	0x18

/* The blob is well-formed, complete and holds the good gzip and zstd files. */
static void vectors_well_formed_test(struct kunit *test)
{
	struct zboot_vector vec;
	unsigned int seen = 0, good = 0;
	const u8 *at;

	KUNIT_ASSERT_GT(test, zboot_vectors_count(), 0);
	for (at = NULL; (at = zboot_next_vector(at, &vec));) {
		seen++;
		if (!strcmp(vec.name, "good-gzip") || !strcmp(vec.name, "good-zstd"))
			good++;
	}
	KUNIT_EXPECT_EQ(test, seen, zboot_vectors_count());
	KUNIT_EXPECT_EQ(test, good, 2);
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

static void lookup_test(struct kunit *test)
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
	const char *name = (const char *)vec->data + METHOD_FIELD;
	const u8 *payload = vec->data + get_unaligned_le32(vec->data + 8);
	size_t payload_len = get_unaligned_le32(vec->data + 12);
	decompress_bounded_fn decompress;
	u8 *out;
	int ret;

	decompress = decompress_method_by_name(name);
	KUNIT_ASSERT_NOT_NULL_MSG(test, decompress, "%s: %s", vec->name, name);
	out = vmalloc(out_size + CANARY_LEN);
	KUNIT_ASSERT_NOT_NULL(test, out);
	memset(out + out_size, CANARY_BYTE, CANARY_LEN);
	ret = decompress(payload, payload_len, out, out_size, out_len);
	KUNIT_EXPECT_TRUE_MSG(test, canary_intact(out + out_size),
			      "%s: %s wrote past %zu bytes", vec->name, name, out_size);
	vfree(out);
	return ret;
}

/* A good payload decompresses exactly into its size and fails cleanly below. */
static void check_bounded_output(struct kunit *test, const struct zboot_vector *vec)
{
	const char *name = (const char *)vec->data + METHOD_FIELD;
	size_t out_len = 0;

	KUNIT_EXPECT_EQ_MSG(test, decompress_into(test, vec, vec->image_len, &out_len), 0,
			    "%s", vec->name);
	KUNIT_EXPECT_EQ_MSG(test, out_len, (size_t)vec->image_len, "%s", vec->name);
	/* lzma cannot tell a byte too many; see unlzma_bounded() */
	if (strcmp(name, "lzma"))
		KUNIT_EXPECT_EQ_MSG(test, decompress_into(test, vec, vec->image_len - 1,
							  &out_len), -EFBIG, "%s", vec->name);
	KUNIT_EXPECT_EQ_MSG(test, decompress_into(test, vec, vec->image_len / 2, &out_len),
			    -EFBIG, "%s", vec->name);
	KUNIT_EXPECT_EQ_MSG(test, decompress_into(test, vec, 64, &out_len), -EFBIG,
			    "%s", vec->name);
	KUNIT_EXPECT_EQ_MSG(test, decompress_into(test, vec, 0, &out_len), -EFBIG,
			    "%s", vec->name);
}

/* Every good vector whose method this kernel has, through its decompressor. */
static void bounded_output_test(struct kunit *test)
{
	struct zboot_vector vec;
	unsigned int checked = 0;
	const u8 *at;

	for (at = NULL; (at = zboot_next_vector(at, &vec));) {
		if (!zboot_vector_is_good(&vec) ||
		    zboot_vector_expected_load(&vec) == -EOPNOTSUPP)
			continue;
		check_bounded_output(test, &vec);
		checked++;
	}
	kunit_info(test, "%u good payloads checked", checked);
	KUNIT_EXPECT_GE(test, checked, 2);
}

/*
 * No format has an empty stream: each starts with a header. The zstd library
 * decodes zero frames to zero bytes, so this failed for zstd until the
 * host fuzzer (tests/fuzz/decompress) found it.
 */
static void empty_input_test(struct kunit *test)
{
	static const u8 nothing[1];
	decompress_bounded_fn decompress;
	size_t out_len = 0;
	u8 out[16];
	int i;

	for (i = 0; i < ARRAY_SIZE(bounded_names) + ARRAY_SIZE(legacy_names); i++) {
		const char *name = i < ARRAY_SIZE(bounded_names) ? bounded_names[i] :
				   legacy_names[i - ARRAY_SIZE(bounded_names)];

		decompress = decompress_method_by_name(name);
		if (!decompress)
			continue;
		KUNIT_EXPECT_EQ_MSG(test, decompress(nothing, 0, out, sizeof(out), &out_len),
				    -EBADMSG, "%s", name);
		KUNIT_EXPECT_EQ_MSG(test, decompress(nothing, 0, out, 0, &out_len),
				    -EBADMSG, "%s", name);
	}
}

/*
 * A legacy lz4 file whose one block is empty (a single zero token) decodes
 * to nothing, into any buffer, even an empty one: it was -EFBIG into an
 * empty buffer until the host fuzzer found it.
 */
static void lz4_empty_block_test(struct kunit *test)
{
	static const u8 empty_block[] = {
		0x02, 0x21, 0x4c, 0x18,	/* legacy magic */
		0x01, 0x00, 0x00, 0x00,	/* a block of one byte */
		0x00,			/* token: no literals, no match */
	};
	decompress_bounded_fn decompress = decompress_method_by_name("lz4");
	size_t out_len = 1;
	u8 out[16];

	if (!decompress)
		kunit_skip(test, "lz4 is not built in (KEXEC_IMAGE_ZBOOT_LEGACY=n)");
	KUNIT_EXPECT_EQ(test, decompress(empty_block, sizeof(empty_block), out, 0, &out_len), 0);
	KUNIT_EXPECT_EQ(test, out_len, 0);
	out_len = 1;
	KUNIT_EXPECT_EQ(test, decompress(empty_block, sizeof(empty_block), out, sizeof(out),
					 &out_len), 0);
	KUNIT_EXPECT_EQ(test, out_len, 0);
}

static struct kunit_case decompress_bounded_test_cases[] = {
	KUNIT_CASE(vectors_well_formed_test),
	KUNIT_CASE(lookup_test),
	KUNIT_CASE(bounded_output_test),
	KUNIT_CASE(empty_input_test),
	KUNIT_CASE(lz4_empty_block_test),
	{}
};

static struct kunit_suite decompress_bounded_test_suite = {
	.name = "decompress_bounded",
	.test_cases = decompress_bounded_test_cases,
};

kunit_test_suite(decompress_bounded_test_suite);

MODULE_DESCRIPTION("KUnit tests for the bounded whole-buffer decompressors");
MODULE_LICENSE("GPL");
