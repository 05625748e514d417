// SPDX-License-Identifier: GPL-2.0

#ifdef CONFIG_ARM64
#include <linux/cpufeature.h>

__rust_helper bool rust_helper_system_supports_4kb_granule(void)
{
	return system_supports_4kb_granule();
}

__rust_helper bool rust_helper_system_supports_16kb_granule(void)
{
	return system_supports_16kb_granule();
}

__rust_helper bool rust_helper_system_supports_64kb_granule(void)
{
	return system_supports_64kb_granule();
}

__rust_helper bool rust_helper_system_supports_mixed_endian(void)
{
	return system_supports_mixed_endian();
}
#endif /* CONFIG_ARM64 */
