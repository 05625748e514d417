/* SPDX-License-Identifier: GPL-2.0 */
/* The KUnit vectors made by mkvectors.py at build time (kexec_zboot_test.h). */

	.section	.rodata, "a"
	.balign		8
	.globl		kexec_zboot_vectors
kexec_zboot_vectors:
	.incbin		"arch/arm64/kernel/kexec_zboot/kexec_zboot_vectors.bin"
	.globl		kexec_zboot_vectors_end
kexec_zboot_vectors_end:
