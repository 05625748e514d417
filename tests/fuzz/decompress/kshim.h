/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Just enough of the kernel's headers to build lib/decompress_bounded.c and
 * the kernel's decompression libraries (lib/zlib_inflate, lib/zstd, lib/xz,
 * lib/lz4, lib/lzo, lib/xxhash.c) as an ordinary host program, for
 * coverage-guided fuzzing under ASan/UBSan. scripts/fuzz-decompress.sh makes
 * every <linux/...> and <asm/...> header those sources include (apart from
 * the library APIs, copied from the kernel tree) a one-line include of this
 * file. Allocation is malloc(), so ASan sees every buffer the libraries use.
 */
#ifndef KSHIM_H
#define KSHIM_H

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* glibc defines both; the kernel, only the host's */
#undef __BIG_ENDIAN

/* <linux/kconfig.h> */
#define __ARG_PLACEHOLDER_1 0,
#define __take_second_arg(__ignored, val, ...) val
#define __is_defined(x) ___is_defined(x)
#define ___is_defined(val) ____is_defined(__ARG_PLACEHOLDER_##val)
#define ____is_defined(arg1_or_junk) __take_second_arg(arg1_or_junk 1, 0)
#define IS_BUILTIN(option) __is_defined(option)
#define IS_MODULE(option) 0
#define IS_ENABLED(option) __is_defined(option)

/* <linux/types.h> */
typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;
typedef uint16_t __le16;
typedef uint32_t __le32;
typedef uint64_t __le64;
typedef uint16_t __be16;
typedef uint32_t __be32;
typedef uint64_t __be64;
typedef unsigned int gfp_t;
#define __force
#define __user
#define __bitwise

/* <linux/compiler.h> */
#undef __always_inline
#define __always_inline inline __attribute__((__always_inline__))
#define noinline __attribute__((__noinline__))
#define __maybe_unused __attribute__((__unused__))
#define __always_unused __attribute__((__unused__))
#define __aligned(x) __attribute__((__aligned__(x)))
#define __packed __attribute__((__packed__))
#define __pure __attribute__((__pure__))
#undef __attribute_const__
#define __attribute_const__ __attribute__((__const__))
#define __must_check __attribute__((__warn_unused_result__))
#define __weak __attribute__((__weak__))
#define __cold __attribute__((__cold__))
#define __printf(a, b) __attribute__((__format__(printf, a, b)))
#define __nonstring
#define __counted_by(m)
#define __init
#define __initdata
#define __initconst
#define __exit
#define __ro_after_init
#define fallthrough __attribute__((__fallthrough__))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define barrier() __asm__ __volatile__("" ::: "memory")
#define READ_ONCE(x) (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))
#define BUILD_BUG_ON(cond) _Static_assert(!(cond), "BUILD_BUG_ON(" #cond ")")
#define BUILD_BUG_ON_ZERO(e) ((int)(sizeof(struct { int : (-!!(e)); })))
#define __same_type(a, b) __builtin_types_compatible_p(__typeof__(a), __typeof__(b))
#define __must_be_array(a) BUILD_BUG_ON_ZERO(__same_type((a), &(a)[0]))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]) + __must_be_array(a))
#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))
#define ALIGN(x, a) (((x) + ((a) - 1)) & ~((__typeof__(x))(a) - 1))

/* <linux/minmax.h>; arguments are evaluated twice, which these sources allow */
#define min(a, b) ((a) < (b) ? (a) : (b))
#define max(a, b) ((a) > (b) ? (a) : (b))
#define min_t(t, a, b) min((t)(a), (t)(b))
#define max_t(t, a, b) max((t)(a), (t)(b))
#define clamp(v, lo, hi) min(max(v, lo), hi)
#define clamp_t(t, v, lo, hi) clamp((t)(v), (t)(lo), (t)(hi))

/* <linux/limits.h>, <linux/sizes.h>, <linux/bits.h> */
#define U8_MAX ((u8)~0U)
#define U16_MAX ((u16)~0U)
#define U32_MAX ((u32)~0U)
#define U64_MAX ((u64)~0ULL)
#define S32_MAX ((s32)(U32_MAX >> 1))
#define SZ_1K 0x00000400
#define SZ_4K 0x00001000
#define SZ_64K 0x00010000
#define SZ_1M 0x00100000
#define SZ_8M 0x00800000
#define SZ_64M 0x04000000
#define BIT(n) (1UL << (n))
#define GENMASK(h, l) (((~0UL) << (l)) & (~0UL >> (63 - (h))))
#define BITS_PER_LONG 64
#define PAGE_SIZE 4096UL

/* <linux/overflow.h> */
#define check_add_overflow(a, b, d) __builtin_add_overflow(a, b, d)
#define check_sub_overflow(a, b, d) __builtin_sub_overflow(a, b, d)
#define check_mul_overflow(a, b, d) __builtin_mul_overflow(a, b, d)

/* <linux/bitops.h> */
static inline int fls(unsigned int x)
{
	return x ? 32 - __builtin_clz(x) : 0;
}

static inline unsigned long __fls(unsigned long x)
{
	return 63 - __builtin_clzl(x);
}

static inline unsigned long __ffs(unsigned long x)
{
	return __builtin_ctzl(x);
}

/* <linux/swab.h>, <asm/byteorder.h>: the host is little-endian */
#define swab16(x) __builtin_bswap16(x)
#define swab32(x) __builtin_bswap32(x)
#define swab64(x) __builtin_bswap64(x)
#define __swab16(x) swab16(x)
#define __swab32(x) swab32(x)
#define __swab64(x) swab64(x)
#define cpu_to_le16(x) ((u16)(x))
#define cpu_to_le32(x) ((u32)(x))
#define cpu_to_le64(x) ((u64)(x))
#define le16_to_cpu(x) ((u16)(x))
#define le32_to_cpu(x) ((u32)(x))
#define le64_to_cpu(x) ((u64)(x))
#define cpu_to_be32(x) swab32(x)
#define be32_to_cpu(x) swab32(x)
#define le32_to_cpup(p) get_unaligned_le32(p)
#define __LITTLE_ENDIAN 1234
#define __LITTLE_ENDIAN_BITFIELD

/* <linux/unaligned.h> */
#define KSHIM_GET(type, p) ({ type __v; memcpy(&__v, (p), sizeof(__v)); __v; })
#define KSHIM_PUT(type, v, p) ({ type __v = (v); memcpy((p), &__v, sizeof(__v)); (void)0; })
#define get_unaligned(p) KSHIM_GET(__typeof__(*(p)), p)
#define put_unaligned(v, p) KSHIM_PUT(__typeof__(*(p)), v, p)
#define get_unaligned_le16(p) KSHIM_GET(u16, p)
#define get_unaligned_le32(p) KSHIM_GET(u32, p)
#define get_unaligned_le64(p) KSHIM_GET(u64, p)
#define get_unaligned_be16(p) swab16(KSHIM_GET(u16, p))
#define get_unaligned_be32(p) swab32(KSHIM_GET(u32, p))
#define get_unaligned_be64(p) swab64(KSHIM_GET(u64, p))
#define put_unaligned_le16(v, p) KSHIM_PUT(u16, v, p)
#define put_unaligned_le32(v, p) KSHIM_PUT(u32, v, p)
#define put_unaligned_le64(v, p) KSHIM_PUT(u64, v, p)
#define put_unaligned_be32(v, p) KSHIM_PUT(u32, swab32(v), p)
#define put_unaligned_be64(v, p) KSHIM_PUT(u64, swab64(v), p)

/* <linux/math64.h> */
static inline u64 div_u64(u64 dividend, u32 divisor)
{
	return dividend / divisor;
}

/* <linux/printk.h>, <asm/bug.h>: a warning is a bug the fuzzer must report */
#ifndef pr_fmt
#define pr_fmt(fmt) fmt
#endif
#define no_printk(fmt, ...) ({ if (0) printf(fmt, ##__VA_ARGS__); 0; })
#define pr_debug(fmt, ...) no_printk(fmt, ##__VA_ARGS__)
#define pr_info(fmt, ...) no_printk(fmt, ##__VA_ARGS__)
#define pr_warn(fmt, ...) fprintf(stderr, fmt, ##__VA_ARGS__)
#define pr_err(fmt, ...) fprintf(stderr, fmt, ##__VA_ARGS__)
#define WARN_ON(cond) ({ bool __c = !!(cond); if (__c) { \
	fprintf(stderr, "WARN_ON(%s) at %s:%d\n", #cond, __FILE__, __LINE__); \
	abort(); } __c; })
#define WARN_ON_ONCE(cond) WARN_ON(cond)
#define BUG_ON(cond) WARN_ON(cond)
#define BUG() abort()

/* <linux/slab.h>, <linux/vmalloc.h>, <linux/mm.h>, <linux/gfp.h> */
#define GFP_KERNEL 0u
#define __GFP_NOWARN 0u
#define __GFP_ZERO 1u
static inline void *kmalloc(size_t size, gfp_t flags)
{
	return (flags & __GFP_ZERO) ? calloc(1, size ? size : 1) : malloc(size ? size : 1);
}
#define kzalloc(size, flags) kmalloc(size, (flags) | __GFP_ZERO)
#define kvmalloc(size, flags) kmalloc(size, flags)
#define kvzalloc(size, flags) kzalloc(size, flags)
#define vmalloc(size) kmalloc(size, 0)
#define vzalloc(size) kzalloc(size, 0)
/* 7.x: kmalloc_obj(var_or_type[, gfp]) and friends */
#define kmalloc_obj(v, ...) ((__typeof__(v) *)kmalloc(sizeof(v), 0))
#define kzalloc_obj(v, ...) ((__typeof__(v) *)kzalloc(sizeof(v), 0))
#define kmalloc_objs(v, n, ...) ((__typeof__(v) *)kmalloc(sizeof(v) * (n), 0))
#define kzalloc_objs(v, n, ...) ((__typeof__(v) *)kzalloc(sizeof(v) * (n), 0))
#define kfree(p) free((void *)(p))
#define kvfree(p) free((void *)(p))
#define vfree(p) free((void *)(p))

/* <linux/export.h>, <linux/module.h> */
#define EXPORT_SYMBOL(sym)
#define EXPORT_SYMBOL_GPL(sym)
#define MODULE_LICENSE(s)
#define MODULE_DESCRIPTION(s)
#define MODULE_AUTHOR(s)
#define MODULE_VERSION(s)

/* <linux/crc32.h>: the bitwise reference of the kernel's crc32_le() */
static inline u32 crc32_le(u32 crc, const void *buf, size_t len)
{
	const u8 *p = buf;
	int bit;

	while (len--) {
		crc ^= *p++;
		for (bit = 0; bit < 8; bit++)
			crc = (crc >> 1) ^ (0xedb88320 & -(crc & 1));
	}
	return crc;
}

#endif /* KSHIM_H */
