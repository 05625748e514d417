/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_DECOMPRESS_BOUNDED_H
#define _LINUX_DECOMPRESS_BOUNDED_H

#include <linux/types.h>

/**
 * typedef decompress_bounded_fn - decompress one whole buffer into another
 * @in: the compressed stream, exactly (nothing may follow it)
 * @in_len: length of @in
 * @out: the output buffer
 * @out_size: size of @out; nothing is ever written past it
 * @out_len: on success, the number of bytes written to @out
 *
 * Unlike the decompress_fn of <linux/decompress/generic.h>, these are not
 * __init, need no fill/flush callbacks, and are safe on untrusted input.
 *
 * Return: 0 on success; -EFBIG when the output would not fit in @out_size;
 * -EBADMSG when the stream is corrupt, truncated, fails its checksum or is
 * followed by trailing bytes; -ENOMEM when the decoder state cannot be
 * allocated.
 */
typedef int (*decompress_bounded_fn)(const u8 *in, size_t in_len, u8 *out,
				     size_t out_size, size_t *out_len);

/**
 * decompress_method_by_name - look up a bounded decompressor
 * @name: compression name as the kernel build calls it ("gzip", "zstd",
 *	  "zstd22", "xzkern", "lzma", "lz4", "lzo")
 *
 * Return: the decompressor, or NULL if @name is unknown or this kernel
 * was built without the library behind it.
 */
decompress_bounded_fn decompress_method_by_name(const char *name);

#endif /* _LINUX_DECOMPRESS_BOUNDED_H */
