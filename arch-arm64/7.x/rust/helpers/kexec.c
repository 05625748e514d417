// SPDX-License-Identifier: GPL-2.0

#include <linux/kexec.h>

__rust_helper bool rust_helper_kexec_segment_in_cma(const struct kimage *image,
						    unsigned long index)
{
	return image->segment_cma[index];
}
