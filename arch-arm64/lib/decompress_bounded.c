// SPDX-License-Identifier: GPL-2.0
/*
 * Bounded whole-buffer decompressors, looked up by name.
 *
 * The decompressors in lib/decompress_*.c serve the boot path: they are
 * __init, and with an output buffer and no flush callback nothing bounds
 * what they write. Loaders that run after boot on untrusted input (kexec of
 * a compressed kernel) need the opposite: a call that decompresses one
 * buffer into another and fails, having written nothing past the end, when
 * the output does not fit. These wrappers drive the runtime libraries in
 * single-call mode, so they need no window or staging buffer besides the
 * decoder state: the output buffer is the window.
 *
 * Every wrapper also insists that the stream ends exactly where the input
 * ends and that its checksum, if the format has one, matches.
 */

#define pr_fmt(fmt) "decompress_bounded: " fmt

#include <linux/decompress/bounded.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/unaligned.h>

#if IS_BUILTIN(CONFIG_ZLIB_INFLATE) && IS_BUILTIN(CONFIG_CRC32)
#include <linux/crc32.h>
#include <linux/zlib.h>

#define GZIP_FTEXT	BIT(0)
#define GZIP_FHCRC	BIT(1)
#define GZIP_FEXTRA	BIT(2)
#define GZIP_FNAME	BIT(3)
#define GZIP_FCOMMENT	BIT(4)
#define GZIP_FRESERVED	GENMASK(7, 5)
#define GZIP_FIXED_HEADER_LEN	10
#define GZIP_TRAILER_LEN	8	/* CRC32, ISIZE */

/* Skips a NUL-terminated header field; false if it is not terminated. */
static bool gzip_skip_string(const u8 *in, size_t len, size_t *pos)
{
	const u8 *nul = memchr(in + *pos, 0, len - *pos);

	if (!nul)
		return false;
	*pos = nul - in + 1;
	return true;
}

/* Length of an RFC 1952 member header, or -EBADMSG. */
static int gzip_header_len(const u8 *in, size_t len, size_t *hdr_len)
{
	size_t pos = GZIP_FIXED_HEADER_LEN;
	u8 flags;

	if (len < GZIP_FIXED_HEADER_LEN || in[0] != 0x1f || in[1] != 0x8b ||
	    in[2] != Z_DEFLATED)
		return -EBADMSG;
	flags = in[3];
	if (flags & GZIP_FRESERVED)
		return -EBADMSG;
	if (flags & GZIP_FEXTRA) {
		size_t xlen;

		if (len - pos < 2)
			return -EBADMSG;
		xlen = get_unaligned_le16(in + pos);
		pos += 2;
		if (len - pos < xlen)
			return -EBADMSG;
		pos += xlen;
	}
	if ((flags & GZIP_FNAME) && !gzip_skip_string(in, len, &pos))
		return -EBADMSG;
	if ((flags & GZIP_FCOMMENT) && !gzip_skip_string(in, len, &pos))
		return -EBADMSG;
	if (flags & GZIP_FHCRC) {
		if (len - pos < 2)
			return -EBADMSG;
		if (get_unaligned_le16(in + pos) !=
		    ((crc32_le(~0, in, pos) ^ ~0) & 0xffff))
			return -EBADMSG;
		pos += 2;
	}
	*hdr_len = pos;
	return 0;
}

/* Checks the CRC32 and ISIZE that follow the deflate data. */
static int gzip_check_trailer(const u8 *trailer, const u8 *out, size_t len)
{
	u32 crc = crc32_le(~0, out, len) ^ ~0;

	if (get_unaligned_le32(trailer) != crc) {
		pr_debug("gzip: CRC32 mismatch\n");
		return -EBADMSG;
	}
	if (get_unaligned_le32(trailer + 4) != (u32)len) {
		pr_debug("gzip: ISIZE mismatch\n");
		return -EBADMSG;
	}
	return 0;
}

static int gunzip_bounded(const u8 *in, size_t in_len, u8 *out,
			  size_t out_size, size_t *out_len)
{
	struct z_stream_s strm = {};
	size_t hdr_len;
	int ret, zret;

	ret = gzip_header_len(in, in_len, &hdr_len);
	if (ret)
		return ret;
	if (in_len - hdr_len < GZIP_TRAILER_LEN || in_len - hdr_len > UINT_MAX)
		return -EBADMSG;

	strm.workspace = kvmalloc(zlib_inflate_workspacesize(), GFP_KERNEL);
	if (!strm.workspace)
		return -ENOMEM;
	zret = zlib_inflateInit2(&strm, -MAX_WBITS);
	if (zret != Z_OK) {
		ret = -EBADMSG;
		goto out;
	}
	strm.next_in = in + hdr_len;
	strm.avail_in = in_len - hdr_len;
	strm.next_out = out;
	strm.avail_out = min_t(size_t, out_size, UINT_MAX);

	zret = zlib_inflate(&strm, Z_FINISH);
	if (zret == Z_STREAM_END) {
		if (strm.avail_in != GZIP_TRAILER_LEN) {
			pr_debug("gzip: %u bytes after the deflate data, want %d\n",
				 strm.avail_in, GZIP_TRAILER_LEN);
			ret = -EBADMSG;
		} else {
			ret = gzip_check_trailer(strm.next_in, out,
						 strm.total_out);
			*out_len = strm.total_out;
		}
	} else if (zret == Z_BUF_ERROR && strm.avail_out == 0) {
		ret = -EFBIG;
	} else {
		ret = -EBADMSG;
	}
	zlib_inflateEnd(&strm);
out:
	kvfree(strm.workspace);
	return ret;
}
#endif /* ZLIB_INFLATE && CRC32 */

#if IS_BUILTIN(CONFIG_ZSTD_DECOMPRESS)
#include <linux/zstd.h>

/*
 * One call into the whole output buffer: the decoder needs no window
 * allocation however large the frame's window (128 MiB for "zstd -22
 * --ultra"), verifies the XXH64 content checksum when the frame has one,
 * and fails on anything after the last frame.
 */
static int unzstd_bounded(const u8 *in, size_t in_len, u8 *out,
			  size_t out_size, size_t *out_len)
{
	size_t ws_size = zstd_dctx_workspace_bound();
	void *ws = kvmalloc(ws_size, GFP_KERNEL);
	zstd_dctx *dctx;
	size_t ret;
	int err = 0;

	if (!ws)
		return -ENOMEM;
	dctx = zstd_init_dctx(ws, ws_size);
	if (!dctx) {
		err = -ENOMEM;
		goto out;
	}
	ret = zstd_decompress_dctx(dctx, out, out_size, in, in_len);
	if (!zstd_is_error(ret)) {
		*out_len = ret;
		goto out;
	}
	switch (zstd_get_error_code(ret)) {
	case ZSTD_error_dstSize_tooSmall:
		err = -EFBIG;
		break;
	case ZSTD_error_memory_allocation:
		err = -ENOMEM;
		break;
	default:
		pr_debug("zstd: %s\n", zstd_get_error_name(ret));
		err = -EBADMSG;
	}
out:
	kvfree(ws);
	return err;
}
#endif /* ZSTD_DECOMPRESS */

struct bounded_method {
	const char *name;
	decompress_bounded_fn decompress;
};

static const struct bounded_method bounded_methods[] = {
#if IS_BUILTIN(CONFIG_ZLIB_INFLATE) && IS_BUILTIN(CONFIG_CRC32)
	{ "gzip", gunzip_bounded },
#endif
#if IS_BUILTIN(CONFIG_ZSTD_DECOMPRESS)
	{ "zstd", unzstd_bounded },
	{ "zstd22", unzstd_bounded },
#endif
};

decompress_bounded_fn decompress_method_by_name(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bounded_methods); i++)
		if (!strcmp(name, bounded_methods[i].name))
			return bounded_methods[i].decompress;
	return NULL;
}
EXPORT_SYMBOL_GPL(decompress_method_by_name);
