// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the bounded decompressors (lib/decompress_bounded.c): the
 * lookup follows the libraries that are built in, every method decompresses
 * its vector exactly into its size and to the right bytes, fails cleanly with
 * -EFBIG below it, and never writes past the output buffer.
 *
 * The vectors (decompress_bounded_vectors.h) are made at build time by
 * decompress_bounded_vectors.py, in plain Python: the same on every host.
 */

#include <kunit/test.h>
#include <linux/decompress/bounded.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

struct bounded_vector {
	const char *name;
	const u8 *stream;
	size_t len;
};

#include "decompress_bounded_vectors.h"

#define CANARY_LEN	64
#define CANARY_BYTE	0xa5

/* Each name, and whether lib/decompress_bounded.c offers it in this kernel. */
static const struct {
	const char *name;
	bool built_in;
} methods[] = {
	{ "gzip", IS_BUILTIN(CONFIG_ZLIB_INFLATE) && IS_BUILTIN(CONFIG_CRC32) },
	{ "zstd", IS_BUILTIN(CONFIG_ZSTD_DECOMPRESS) },
	{ "zstd22", IS_BUILTIN(CONFIG_ZSTD_DECOMPRESS) },
	{ "xzkern", IS_BUILTIN(CONFIG_XZ_DEC) },
	{ "lzma", IS_BUILTIN(CONFIG_XZ_DEC) && IS_ENABLED(CONFIG_XZ_DEC_MICROLZMA) },
	{ "lz4", IS_BUILTIN(CONFIG_LZ4_DECOMPRESS) },
	{ "lzo", IS_BUILTIN(CONFIG_LZO_DECOMPRESS) && IS_BUILTIN(CONFIG_ZLIB_INFLATE) &&
		 IS_BUILTIN(CONFIG_CRC32) },
};

static const char *const unknown_names[] = {
	"", "GZIP", "gzip ", "bzip2", "brotli", "zstd22x",
};

static void lookup_test(struct kunit *test)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(methods); i++)
		KUNIT_EXPECT_EQ_MSG(test, !!decompress_method_by_name(methods[i].name),
				    methods[i].built_in, "%s", methods[i].name);
	for (i = 0; i < ARRAY_SIZE(unknown_names); i++)
		KUNIT_EXPECT_NULL_MSG(test, decompress_method_by_name(unknown_names[i]),
				      "\"%s\"", unknown_names[i]);
}

static bool canary_intact(const u8 *canary)
{
	return !memchr_inv(canary, CANARY_BYTE, CANARY_LEN);
}

/*
 * Decompresses @vec into a buffer of @out_size bytes followed by a canary;
 * returns the decompressor's result, and fails the test if it wrote past
 * @out_size or, on success, produced other bytes than plain[].
 */
static int decompress_into(struct kunit *test, decompress_bounded_fn decompress,
			   const struct bounded_vector *vec, size_t out_size)
{
	size_t out_len = 0;
	u8 *out;
	int ret;

	out = vmalloc(out_size + CANARY_LEN);
	KUNIT_ASSERT_NOT_NULL(test, out);
	memset(out + out_size, CANARY_BYTE, CANARY_LEN);
	ret = decompress(vec->stream, vec->len, out, out_size, &out_len);
	KUNIT_EXPECT_TRUE_MSG(test, canary_intact(out + out_size),
			      "%s wrote past %zu bytes", vec->name, out_size);
	if (!ret) {
		KUNIT_EXPECT_EQ_MSG(test, out_len, sizeof(plain), "%s", vec->name);
		KUNIT_EXPECT_TRUE_MSG(test, out_len == sizeof(plain) &&
				      !memcmp(out, plain, sizeof(plain)),
				      "%s: wrong output", vec->name);
	}
	vfree(out);
	return ret;
}

/* A stream decompresses exactly into its size and fails cleanly below. */
static void check_bounded_output(struct kunit *test, decompress_bounded_fn decompress,
				 const struct bounded_vector *vec)
{
	size_t len = sizeof(plain);

	KUNIT_EXPECT_EQ_MSG(test, decompress_into(test, decompress, vec, len), 0,
			    "%s", vec->name);
	/* lzma cannot tell a byte too many; see unlzma_bounded() */
	if (strcmp(vec->name, "lzma"))
		KUNIT_EXPECT_EQ_MSG(test, decompress_into(test, decompress, vec, len - 1),
				    -EFBIG, "%s", vec->name);
	KUNIT_EXPECT_EQ_MSG(test, decompress_into(test, decompress, vec, len / 2), -EFBIG,
			    "%s", vec->name);
	KUNIT_EXPECT_EQ_MSG(test, decompress_into(test, decompress, vec, 64), -EFBIG,
			    "%s", vec->name);
	KUNIT_EXPECT_EQ_MSG(test, decompress_into(test, decompress, vec, 0), -EFBIG,
			    "%s", vec->name);
}

/* Every vector whose method this kernel has, through its decompressor. */
static void bounded_output_test(struct kunit *test)
{
	unsigned int checked = 0, expected = 0;
	decompress_bounded_fn decompress;
	int i;

	for (i = 0; i < ARRAY_SIZE(methods); i++)
		expected += methods[i].built_in;
	for (i = 0; i < ARRAY_SIZE(bounded_vectors); i++) {
		decompress = decompress_method_by_name(bounded_vectors[i].name);
		if (!decompress)
			continue;
		check_bounded_output(test, decompress, &bounded_vectors[i]);
		checked++;
	}
	kunit_info(test, "%u methods checked", checked);
	KUNIT_EXPECT_EQ(test, checked, expected);
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

	for (i = 0; i < ARRAY_SIZE(methods); i++) {
		const char *name = methods[i].name;

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
		kunit_skip(test, "lz4 is not built in");
	KUNIT_EXPECT_EQ(test, decompress(empty_block, sizeof(empty_block), out, 0, &out_len), 0);
	KUNIT_EXPECT_EQ(test, out_len, 0);
	out_len = 1;
	KUNIT_EXPECT_EQ(test, decompress(empty_block, sizeof(empty_block), out, sizeof(out),
					 &out_len), 0);
	KUNIT_EXPECT_EQ(test, out_len, 0);
}

static struct kunit_case decompress_bounded_test_cases[] = {
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
