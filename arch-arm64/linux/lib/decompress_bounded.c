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
#include <linux/sizes.h>
#include <linux/mm.h>
#include <linux/overflow.h>
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
	if (in_len - hdr_len < GZIP_TRAILER_LEN)
		return -EBADMSG;

	strm.workspace = kvmalloc(zlib_inflate_workspacesize(), GFP_KERNEL | __GFP_NOWARN);
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
	strm.avail_out = out_size;

	zret = zlib_inflate(&strm, Z_FINISH);
	if (zret == Z_STREAM_END) {
		if (strm.avail_in != GZIP_TRAILER_LEN) {
			pr_debug("gzip: %lu bytes after the deflate data, want %d\n",
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
	zstd_dctx *dctx;
	size_t ret;
	int err = 0;
	void *ws;

	/* The library decodes zero frames to zero bytes; no stream is empty. */
	if (!in_len)
		return -EBADMSG;
	ws = kvmalloc(ws_size, GFP_KERNEL | __GFP_NOWARN);
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

#if IS_BUILTIN(CONFIG_XZ_DEC)
#include <linux/xz.h>

#define XZ_FOOTER_LEN		12
#define XZ_VARINT_MAX		9

/* Reads a multibyte integer of the .xz format from @in[*pos..@end). */
static bool xz_varint(const u8 *in, size_t end, size_t *pos, u64 *val)
{
	int i;

	*val = 0;
	for (i = 0; i < XZ_VARINT_MAX && *pos < end; i++) {
		u8 byte = in[(*pos)++];

		*val |= (u64)(byte & 0x7f) << (7 * i);
		if (!(byte & 0x80))
			return !i || byte;	/* no redundant zero bytes */
	}
	return false;
}

/*
 * The total uncompressed size the index of a single-stream .xz file states.
 * The decoder checks the blocks against the index, so a stream that the
 * index says is too large can be refused before decoding anything.
 */
static bool xz_stated_size(const u8 *in, size_t in_len, u64 *size)
{
	const u8 *footer = in + in_len - XZ_FOOTER_LEN;
	size_t index_len, pos, end;
	u64 records, unpadded, uncompressed;

	if (in_len < 2 * XZ_FOOTER_LEN || memcmp(footer + 10, "YZ", 2))
		return false;
	index_len = ((size_t)get_unaligned_le32(footer + 4) + 1) * 4;
	if (index_len > in_len - 2 * XZ_FOOTER_LEN)
		return false;
	pos = in_len - XZ_FOOTER_LEN - index_len;
	end = in_len - XZ_FOOTER_LEN - 4;	/* the index ends with a CRC32 */
	if (in[pos++] != 0 || !xz_varint(in, end, &pos, &records))
		return false;
	*size = 0;
	while (records--) {
		if (!xz_varint(in, end, &pos, &unpadded) ||
		    !xz_varint(in, end, &pos, &uncompressed) ||
		    check_add_overflow(*size, uncompressed, size))
			return false;
	}
	return true;
}

/* Maps a finished single-call xz run to an errno; see xz_dec_run(). */
static int xz_result(enum xz_ret ret, const struct xz_buf *b)
{
	switch (ret) {
	case XZ_STREAM_END:
		return b->in_pos == b->in_size ? 0 : -EBADMSG;
	case XZ_OK:
	case XZ_BUF_ERROR:
		return b->out_pos == b->out_size ? -EFBIG : -EBADMSG;
	case XZ_MEM_ERROR:
		return -ENOMEM;
	default:
		return -EBADMSG;
	}
}

/*
 * "xzkern": an .xz stream (LZMA2, optionally behind the ARM64 BCJ filter)
 * with a CRC32 check, decoded in single-call mode straight into @out.
 */
static int unxz_bounded(const u8 *in, size_t in_len, u8 *out,
			size_t out_size, size_t *out_len)
{
	struct xz_buf b = {
		.in = in, .in_size = in_len, .out = out, .out_size = out_size,
	};
	struct xz_dec *s;
	u64 stated;
	int ret;

	if (xz_stated_size(in, in_len, &stated) && stated > out_size)
		return -EFBIG;
	s = xz_dec_init(XZ_SINGLE, 0);
	if (!s)
		return -ENOMEM;
	ret = xz_result(xz_dec_run(s, &b), &b);
	xz_dec_end(s);
	if (!ret)
		*out_len = b.out_pos;
	return ret;
}
#endif /* XZ_DEC */

#if IS_BUILTIN(CONFIG_XZ_DEC) && IS_ENABLED(CONFIG_XZ_DEC_MICROLZMA)
#define LZMA_HEADER_LEN		13	/* props, le32 dict size, le64 size */
#define LZMA_PROPS_MAX		(9 * 5 * 5)
#define LZMA_SIZE_UNKNOWN	U64_MAX
#define LZMA_DICT_MAX		(3U << 30)	/* the decoder's limit */
/*
 * Input the decoder may leave unread after the last byte of output: the
 * end-of-payload marker, the range coder flush, and its 21-byte lookahead.
 */
#define LZMA_END_MAX		32

/*
 * "lzma": the legacy .lzma format, as "lzma -9" writes it from a pipe: a
 * 13-byte header, then a raw LZMA stream ending with an end-of-payload
 * marker (EOPM). The MicroLZMA decoder reads such a raw stream in
 * single-call mode when its first byte (always 0) is replaced with the
 * negated properties byte; it is fed from a separate one-byte buffer.
 * It stops after exactly @out_size bytes, before the EOPM it cannot parse,
 * so the payload must decode to at least @out_size bytes and leave no more
 * than LZMA_END_MAX bytes unread. Weaker than the other methods: the format
 * has no checksum, and a payload that holds a few bytes more than @out_size
 * (or a few bytes of trailing garbage) cannot be told from an exact one.
 * The output is bounded all the same.
 */
static int unlzma_bounded(const u8 *in, size_t in_len, u8 *out,
			  size_t out_size, size_t *out_len)
{
	struct xz_buf b = { .out = out, .out_size = out_size };
	struct xz_dec_microlzma *s;
	u64 declared;
	size_t raw_len;
	u8 props;
	enum xz_ret ret;
	int err;

	if (in_len <= LZMA_HEADER_LEN || in[0] >= LZMA_PROPS_MAX ||
	    in[LZMA_HEADER_LEN] != 0)
		return -EBADMSG;
	declared = get_unaligned_le64(in + 5);
	if (declared != LZMA_SIZE_UNKNOWN && declared > out_size)
		return -EFBIG;
	if (declared != LZMA_SIZE_UNKNOWN && declared < out_size)
		return -EBADMSG;
	raw_len = in_len - LZMA_HEADER_LEN;
	if (raw_len > U32_MAX || out_size > U32_MAX)
		return -EFBIG;

	/*
	 * Single-call mode allocates no dictionary, but the size still bounds
	 * match distances: it must be the one the stream was made with.
	 */
	s = xz_dec_microlzma_alloc(XZ_SINGLE,
				   clamp(get_unaligned_le32(in + 1), SZ_4K, LZMA_DICT_MAX));
	if (!s)
		return -ENOMEM;
	xz_dec_microlzma_reset(s, raw_len, out_size, false);
	props = ~in[0];
	b.in = &props;
	b.in_size = 1;
	ret = xz_dec_microlzma_run(s, &b);
	if (ret == XZ_OK) {
		b.in = in + LZMA_HEADER_LEN + 1;
		b.in_pos = 0;
		b.in_size = raw_len - 1;
		ret = xz_dec_microlzma_run(s, &b);
	}
	xz_dec_microlzma_end(s);

	if (ret == XZ_STREAM_END)	/* @out_size bytes, and this much input left */
		err = b.in_size - b.in_pos <= LZMA_END_MAX ? 0 : -EFBIG;
	else if (ret == XZ_OK && b.out_pos == out_size)
		err = -EFBIG;
	else
		err = -EBADMSG;		/* corrupt, or the input ran out first */
	if (!err)
		*out_len = out_size;
	return err;
}
#endif /* XZ_DEC_MICROLZMA */

#if IS_BUILTIN(CONFIG_LZ4_DECOMPRESS)
#include <linux/lz4.h>

#define LZ4_LEGACY_MAGIC	0x184c2102
#define LZ4_LEGACY_BLOCK	SZ_8M

/*
 * One block of the legacy lz4 format into at most @cap bytes. Returns the
 * bytes written, -EFBIG when the block needs more than @cap (checked by
 * decoding just @cap bytes of it), or -EBADMSG.
 */
static int unlz4_block(const u8 *in, u32 len, u8 *out, size_t cap)
{
	int ret;

	if (!cap)	/* only an empty block (one zero token) fits */
		return len == 1 && !in[0] ? 0 : -EFBIG;
	ret = LZ4_decompress_safe((const char *)in, (char *)out, len, cap);
	if (ret >= 0)
		return ret;
	if (cap < LZ4_LEGACY_BLOCK &&
	    LZ4_decompress_safe_partial((const char *)in, (char *)out, len, cap,
					cap) == cap)
		return -EFBIG;
	return -EBADMSG;
}

/*
 * "lz4": the legacy frame format ("lz4 -l"): a magic number, then blocks of
 * at most 8 MiB output, each preceded by its le32 compressed length. The
 * input must end exactly after a block. The format has no checksum.
 */
static int unlz4_bounded(const u8 *in, size_t in_len, u8 *out,
			 size_t out_size, size_t *out_len)
{
	size_t pos = 4, done = 0;

	if (in_len < 4 || get_unaligned_le32(in) != LZ4_LEGACY_MAGIC)
		return -EBADMSG;
	while (pos < in_len) {
		size_t cap = min_t(size_t, out_size - done, LZ4_LEGACY_BLOCK);
		u32 len;
		int ret;

		if (in_len - pos < 4)
			return -EBADMSG;
		len = get_unaligned_le32(in + pos);
		pos += 4;
		if (len == LZ4_LEGACY_MAGIC)
			continue;	/* concatenated archives */
		if (!len || len > in_len - pos || len > LZ4_COMPRESSBOUND(LZ4_LEGACY_BLOCK))
			return -EBADMSG;
		ret = unlz4_block(in + pos, len, out + done, cap);
		if (ret < 0)
			return ret;
		done += ret;
		pos += len;
	}
	*out_len = done;
	return 0;
}
#endif /* LZ4_DECOMPRESS */

#if IS_BUILTIN(CONFIG_LZO_DECOMPRESS) && IS_BUILTIN(CONFIG_ZLIB_INFLATE) && \
	IS_BUILTIN(CONFIG_CRC32)
#include <linux/lzo.h>
#include <linux/zutil.h>

#define LZOP_F_ADLER32_D	0x00000001
#define LZOP_F_ADLER32_C	0x00000002
#define LZOP_F_H_EXTRA_FIELD	0x00000040
#define LZOP_F_CRC32_D		0x00000100
#define LZOP_F_CRC32_C		0x00000200
#define LZOP_F_MULTIPART	0x00000400
#define LZOP_F_H_FILTER		0x00000800
#define LZOP_F_H_CRC32		0x00001000
#define LZOP_VERSION_EXTENDED	0x0940	/* from here on: level, mtime_high */
#define LZOP_MAX_BLOCK		SZ_64M

static const u8 lzop_magic[] = {
	0x89, 0x4c, 0x5a, 0x4f, 0x00, 0x0d, 0x0a, 0x1a, 0x0a
};

/* A bounds-checked reader over the lzop file. */
struct lzop_reader {
	const u8 *in;
	size_t len;
	size_t pos;
};

static bool lzop_skip(struct lzop_reader *r, size_t n)
{
	if (r->len - r->pos < n)
		return false;
	r->pos += n;
	return true;
}

static bool lzop_be32(struct lzop_reader *r, u32 *val)
{
	if (r->len - r->pos < 4)
		return false;
	*val = get_unaligned_be32(r->in + r->pos);
	r->pos += 4;
	return true;
}

static u32 lzop_checksum(bool crc, const u8 *buf, size_t len)
{
	if (crc)
		return crc32_le(~0, buf, len) ^ ~0;
	return zlib_adler32(1, buf, len);
}

/*
 * Parses the lzop header and checks its checksum; sets @flags. Filters,
 * multipart archives and extra fields are refused: the kernel build never
 * makes them.
 */
static int lzop_header(struct lzop_reader *r, u32 *flags)
{
	size_t start = sizeof(lzop_magic);
	bool extended;
	u32 sum;

	if (r->len < start || memcmp(r->in, lzop_magic, start))
		return -EBADMSG;
	r->pos = start;
	if (r->len - r->pos < 2)
		return -EBADMSG;
	extended = get_unaligned_be16(r->in + r->pos) >= LZOP_VERSION_EXTENDED;
	/* version, library version, version needed, method, level */
	if (!lzop_skip(r, extended ? 8 : 5) || !lzop_be32(r, flags) ||
	    (*flags & (LZOP_F_H_FILTER | LZOP_F_MULTIPART | LZOP_F_H_EXTRA_FIELD)))
		return -EBADMSG;
	/* mode, mtime_low, mtime_high, then the name and its length */
	if (!lzop_skip(r, extended ? 12 : 8) || r->pos >= r->len ||
	    !lzop_skip(r, 1 + r->in[r->pos]))
		return -EBADMSG;
	if (!lzop_be32(r, &sum) ||
	    sum != lzop_checksum(*flags & LZOP_F_H_CRC32, r->in + start,
				 r->pos - 4 - start))
		return -EBADMSG;
	return 0;
}

/* Reads the checksum fields @flags announces (Adler-32 first, then CRC32). */
static bool lzop_sums(struct lzop_reader *r, u32 flags, u32 adler_flag,
		      u32 crc_flag, u32 *adler, u32 *crc)
{
	return (!(flags & adler_flag) || lzop_be32(r, adler)) &&
	       (!(flags & crc_flag) || lzop_be32(r, crc));
}

static bool lzop_sums_match(u32 flags, u32 adler_flag, u32 crc_flag, u32 adler,
			    u32 crc, const u8 *buf, size_t len)
{
	return (!(flags & adler_flag) || adler == lzop_checksum(false, buf, len)) &&
	       (!(flags & crc_flag) || crc == lzop_checksum(true, buf, len));
}

/* One lzop block into @out (which has @cap bytes left); returns its size. */
static int lzop_block(struct lzop_reader *r, u32 flags, u8 *out, size_t cap,
		      size_t *written)
{
	u32 dst_len, src_len, d_adler = 0, d_crc = 0, c_adler = 0, c_crc = 0;
	const u8 *src;
	size_t len;

	if (!lzop_be32(r, &dst_len))
		return -EBADMSG;
	if (!dst_len) {
		*written = 0;
		return 0;
	}
	if (dst_len > LZOP_MAX_BLOCK || !lzop_be32(r, &src_len) || !src_len ||
	    src_len > dst_len ||
	    !lzop_sums(r, flags, LZOP_F_ADLER32_D, LZOP_F_CRC32_D, &d_adler, &d_crc))
		return -EBADMSG;
	if (src_len < dst_len &&
	    !lzop_sums(r, flags, LZOP_F_ADLER32_C, LZOP_F_CRC32_C, &c_adler, &c_crc))
		return -EBADMSG;
	src = r->in + r->pos;
	if (!lzop_skip(r, src_len))
		return -EBADMSG;
	if (dst_len > cap)
		return -EFBIG;
	if (src_len == dst_len) {
		memcpy(out, src, dst_len);	/* stored uncompressed */
	} else {
		len = dst_len;
		if (!lzop_sums_match(flags, LZOP_F_ADLER32_C, LZOP_F_CRC32_C,
				     c_adler, c_crc, src, src_len) ||
		    lzo1x_decompress_safe(src, src_len, out, &len) != LZO_E_OK ||
		    len != dst_len)
			return -EBADMSG;
	}
	if (!lzop_sums_match(flags, LZOP_F_ADLER32_D, LZOP_F_CRC32_D, d_adler,
			     d_crc, out, dst_len))
		return -EBADMSG;
	*written = dst_len;
	return 0;
}

/*
 * "lzo": the lzop file format. Every block is checked against the
 * checksums the header announces; the end-of-archive block must be the
 * last bytes of the input.
 */
static int unlzo_bounded(const u8 *in, size_t in_len, u8 *out,
			 size_t out_size, size_t *out_len)
{
	struct lzop_reader r = { .in = in, .len = in_len };
	size_t done = 0, written;
	u32 flags;
	int ret;

	ret = lzop_header(&r, &flags);
	while (!ret) {
		ret = lzop_block(&r, flags, out + done, out_size - done, &written);
		if (ret || !written)
			break;
		done += written;
	}
	if (ret)
		return ret;
	if (r.pos != r.len)
		return -EBADMSG;
	*out_len = done;
	return 0;
}
#endif /* LZO_DECOMPRESS && ZLIB_INFLATE && CRC32 */

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
#if IS_BUILTIN(CONFIG_XZ_DEC)
	{ "xzkern", unxz_bounded },
#endif
#if IS_BUILTIN(CONFIG_XZ_DEC) && IS_ENABLED(CONFIG_XZ_DEC_MICROLZMA)
	{ "lzma", unlzma_bounded },
#endif
#if IS_BUILTIN(CONFIG_LZ4_DECOMPRESS)
	{ "lz4", unlz4_bounded },
#endif
#if IS_BUILTIN(CONFIG_LZO_DECOMPRESS) && IS_BUILTIN(CONFIG_ZLIB_INFLATE) && \
	IS_BUILTIN(CONFIG_CRC32)
	{ "lzo", unlzo_bounded },
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
