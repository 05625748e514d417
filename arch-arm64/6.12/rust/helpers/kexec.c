// SPDX-License-Identifier: GPL-2.0

#include <linux/kexec.h>

/* kexec_add_buffer() places no segment in CMA before 6.17. */
bool rust_helper_kexec_segment_in_cma(const struct kimage *image, unsigned long index)
{
	return false;
}
