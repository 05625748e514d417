/* SPDX-License-Identifier: GPL-2.0 */
/* The UKI loader's KUnit vectors, made by mkvectors.py --uki at build time. */

	.section	.rodata, "a"
	.balign		8
	.globl		kexec_uki_vectors
kexec_uki_vectors:
	.incbin		"arch/arm64/kernel/kexec_zboot/kexec_uki_vectors.bin"
	.globl		kexec_uki_vectors_end
kexec_uki_vectors_end:
