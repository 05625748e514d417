// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "kexec_zboot" for kernels without Rust KUnit suites outside the
 * kernel crate (before 6.15): every vector through the loader's probe() and
 * load() path (decompression and checks, without placement), by way of the
 * test entry points of the loader's tests.rs. Newer kernels run the same
 * checks as a Rust #[kunit_tests] suite.
 */

#include <kunit/test.h>
#include <linux/kexec.h>

#include "kexec_zboot_bridge.h"
#include "kexec_zboot_test.h"

/* probe() and load()'s checks give each vector's expected result. */
static void vectors_test(struct kunit *test)
{
	struct zboot_vector vec;
	unsigned int tried = 0;
	const u8 *at;

	for (at = NULL; (at = zboot_next_vector(at, &vec));) {
		size_t image_len = 0;
		int ret;

		tried++;
		ret = kexec_zboot_ops.probe((const char *)vec.data, vec.data_len);
		KUNIT_EXPECT_EQ_MSG(test, ret, vec.probe, "probe of %s", vec.name);
		if (ret)
			continue;
		ret = kexec_zboot_unpack_test(vec.data, vec.data_len, &image_len);
		if (vec.alt && ret == vec.alt)
			continue;
		KUNIT_EXPECT_EQ_MSG(test, ret, zboot_vector_expected_load(&vec),
				    "load of %s", vec.name);
		if (!ret)
			KUNIT_EXPECT_EQ_MSG(test, image_len, (size_t)vec.image_len,
					    "image of %s", vec.name);
	}
	kunit_info(test, "%u vectors tried", tried);
	KUNIT_EXPECT_EQ(test, tried, zboot_vectors_count());
}

#ifdef CONFIG_KEXEC_IMAGE_UKI
/* Every UKI vector through the UKI loader's probe, parsing and unpacking. */
static void uki_vectors_test(struct kunit *test)
{
	int tried = kexec_uki_vectors_test(kexec_uki_vectors,
					   kexec_uki_vectors_end - kexec_uki_vectors);

	KUNIT_EXPECT_GT_MSG(test, tried, 0, "UKI vectors: %d wrong (see the log)", -tried);
	kunit_info(test, "%d UKI vectors tried", tried);
}
#endif

static struct kunit_case kexec_zboot_test_cases[] = {
	KUNIT_CASE(vectors_test),
#ifdef CONFIG_KEXEC_IMAGE_UKI
	KUNIT_CASE(uki_vectors_test),
#endif
	{}
};

static struct kunit_suite kexec_zboot_test_suite = {
	.name = "kexec_zboot",
	.test_cases = kexec_zboot_test_cases,
};

kunit_test_suite(kexec_zboot_test_suite);

MODULE_DESCRIPTION("KUnit tests for the arm64 zboot kexec_file loader");
MODULE_LICENSE("GPL");
