// SPDX-License-Identifier: GPL-2.0

//! arm64 CPU features, as the sanitised ID registers give them.
//!
//! C header: [`arch/arm64/include/asm/cpufeature.h`](srctree/arch/arm64/include/asm/cpufeature.h).

use crate::bindings;

/// What every CPU of the system implements, and how the running kernel was built, among what
/// decides whether a kernel `Image` can boot here (`kexec_image.c` checks the same).
#[derive(Clone, Copy, Debug)]
pub struct SystemFeatures {
    /// The running kernel is big-endian.
    pub kernel_big_endian: bool,
    /// Every CPU can run a kernel of either endianness.
    pub mixed_endian: bool,
    /// Every CPU implements the 4K translation granule.
    pub granule_4k: bool,
    /// Every CPU implements the 16K translation granule.
    pub granule_16k: bool,
    /// Every CPU implements the 64K translation granule.
    pub granule_64k: bool,
}

impl SystemFeatures {
    /// The system-wide features.
    ///
    /// # Examples
    ///
    /// ```
    /// let cpu = kernel::cpufeature::SystemFeatures::current();
    /// // The CPUs run this kernel, so they implement its page size and endianness.
    /// assert_eq!(cpu.kernel_big_endian, cfg!(CONFIG_CPU_BIG_ENDIAN));
    /// assert!(cpu.granule_4k || !cfg!(CONFIG_ARM64_4K_PAGES));
    /// assert!(cpu.granule_16k || !cfg!(CONFIG_ARM64_16K_PAGES));
    /// assert!(cpu.granule_64k || !cfg!(CONFIG_ARM64_64K_PAGES));
    /// ```
    pub fn current() -> Self {
        // SAFETY: these helpers only read the sanitised ID registers.
        unsafe {
            Self {
                kernel_big_endian: cfg!(CONFIG_CPU_BIG_ENDIAN),
                mixed_endian: bindings::system_supports_mixed_endian(),
                granule_4k: bindings::system_supports_4kb_granule(),
                granule_16k: bindings::system_supports_16kb_granule(),
                granule_64k: bindings::system_supports_64kb_granule(),
            }
        }
    }
}
