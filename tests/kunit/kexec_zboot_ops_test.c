// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for the zboot loader's struct kexec_file_ops as C sees it in
 * kexec_file_loaders[]: it claims zboot files and leaves the rest, raw arm64
 * Images included, to the loaders after it; and for the UKI loader's, which
 * comes first and leaves zboot files to it.
 */

#include <kunit/test.h>
#include <linux/kexec.h>
#include <linux/string.h>
#include <linux/unaligned.h>

#include "kexec_zboot_test.h"

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

/* Every vector's probe result, through the table. */
static void probe_vectors_test(struct kunit *test)
{
	struct zboot_vector vec;
	const u8 *at;

	for (at = NULL; (at = zboot_next_vector(at, &vec));)
		KUNIT_EXPECT_EQ_MSG(test, kexec_zboot_ops.probe((const char *)vec.data,
								vec.data_len),
				    vec.probe, "probe of %s", vec.name);
}

/* A table has the callbacks the core needs, and cleanup copes with NULL. */
static void expect_ops_table(struct kunit *test, const struct kexec_file_ops *ops)
{
	KUNIT_EXPECT_NOT_NULL(test, ops->probe);
	KUNIT_EXPECT_NOT_NULL(test, ops->load);
	KUNIT_ASSERT_NOT_NULL(test, ops->cleanup);
#ifdef CONFIG_KEXEC_SIG
	KUNIT_EXPECT_NOT_NULL(test, ops->verify_sig);
#endif
	KUNIT_EXPECT_EQ(test, ops->cleanup(NULL), 0);
}

static void ops_table_test(struct kunit *test)
{
	expect_ops_table(test, &kexec_zboot_ops);
}

#ifdef CONFIG_KEXEC_IMAGE_UKI
/* The UKI loader comes first and claims no zboot file, good or hostile. */
static void uki_probe_leaves_zboot_test(struct kunit *test)
{
	struct zboot_vector vec;
	const u8 *at;
	u8 image[64] = {};

	for (at = NULL; (at = zboot_next_vector(at, &vec));)
		KUNIT_EXPECT_EQ_MSG(test, kexec_uki_ops.probe((const char *)vec.data,
							      vec.data_len),
				    -ENOEXEC, "UKI probe of %s", vec.name);
	memcpy(image + 0x38, "ARM\x64", 4);
	KUNIT_EXPECT_EQ(test, kexec_uki_ops.probe((const char *)image, sizeof(image)),
			-ENOEXEC);
	KUNIT_EXPECT_EQ(test, kexec_uki_ops.probe(NULL, 0), -ENOEXEC);
}

/* kexec_file_loaders[]: the UKI loader, the zboot loader, then the raw Image one. */
static void loaders_order_test(struct kunit *test)
{
	KUNIT_EXPECT_PTR_EQ(test, kexec_file_loaders[0], &kexec_uki_ops);
	KUNIT_EXPECT_PTR_EQ(test, kexec_file_loaders[1], &kexec_zboot_ops);
	KUNIT_EXPECT_PTR_EQ(test, kexec_file_loaders[2], &kexec_image_ops);
}

static void uki_ops_table_test(struct kunit *test)
{
	expect_ops_table(test, &kexec_uki_ops);
}
#endif

static struct kunit_case kexec_zboot_ops_test_cases[] = {
	KUNIT_CASE(probe_leaves_raw_image_test),
	KUNIT_CASE(probe_vectors_test),
	KUNIT_CASE(ops_table_test),
#ifdef CONFIG_KEXEC_IMAGE_UKI
	KUNIT_CASE(uki_probe_leaves_zboot_test),
	KUNIT_CASE(loaders_order_test),
	KUNIT_CASE(uki_ops_table_test),
#endif
	{}
};

static struct kunit_suite kexec_zboot_ops_test_suite = {
	.name = "kexec_zboot_ops",
	.test_cases = kexec_zboot_ops_test_cases,
};

kunit_test_suite(kexec_zboot_ops_test_suite);

MODULE_DESCRIPTION("KUnit tests for the zboot kexec_file_ops table");
MODULE_LICENSE("GPL");
