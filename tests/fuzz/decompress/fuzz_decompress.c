// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for lib/decompress_bounded.c, built for the host with the
 * kernel's own decompression libraries (see kshim.h).
 *
 * Input: one byte choosing the method, three bytes (le24) of output buffer
 * size, then the compressed stream. The output buffer is malloc()ed with
 * exactly that size, so ASan reports any byte written past it. Beyond memory
 * safety the target checks the contract of <linux/decompress/bounded.h>:
 *  - the return value is 0, -EFBIG, -EBADMSG or -ENOMEM;
 *  - an empty input is -EBADMSG: every format starts with a header;
 *  - on success the output length is at most the buffer size, and the same
 *    stream decodes to the same bytes into a buffer of exactly that length;
 *  - on success, a buffer one byte short gives -EFBIG (except for "lzma",
 *    whose format cannot tell an exact fit from a slightly larger payload,
 *    as decompress_bounded.c documents).
 * A violation aborts, which libFuzzer reports as a crash and keeps.
 *
 * Outcome counts per method are printed at exit when FUZZ_DECOMPRESS_STATS
 * names a file to append them to.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/decompress/bounded.h>

#define HEADER_LEN	4
#define OUT_SIZE_MAX	(1u << 20)

static const char *const methods[] = {
	"gzip", "zstd", "zstd22", "xzkern", "lzma", "lz4", "lzo",
};
#define NR_METHODS	ARRAY_SIZE(methods)

enum outcome { OK, EFBIG_, EBADMSG_, ENOMEM_, NR_OUTCOMES };
static const char *const outcome_names[] = { "ok", "EFBIG", "EBADMSG", "ENOMEM" };
static unsigned long long counts[NR_METHODS][NR_OUTCOMES];

static void fail(const char *method, const char *what, long a, long b)
{
	fprintf(stderr, "decompress_bounded contract broken: %s: %s (%ld, %ld)\n",
		method, what, a, b);
	abort();
}

static enum outcome classify(const char *method, int ret)
{
	switch (ret) {
	case 0:
		return OK;
	case -EFBIG:
		return EFBIG_;
	case -EBADMSG:
		return EBADMSG_;
	case -ENOMEM:
		return ENOMEM_;
	}
	fail(method, "unexpected return value", ret, 0);
	return NR_OUTCOMES;
}

/* Decodes into a buffer of exactly @size bytes; returns it (caller frees). */
static int run(decompress_bounded_fn fn, const uint8_t *in, size_t in_len,
	       size_t size, uint8_t **out, size_t *out_len)
{
	*out = malloc(size ? size : 1);
	if (!*out)
		abort();
	*out_len = SIZE_MAX;
	return fn(in, in_len, *out, size, out_len);
}

/* A successful decode must repeat into an exact-size buffer, and not fit one byte less. */
static void check_exact_fit(const char *method, decompress_bounded_fn fn,
			    const uint8_t *in, size_t in_len,
			    const uint8_t *first, size_t len)
{
	uint8_t *out;
	size_t out_len;
	int ret;

	ret = run(fn, in, in_len, len, &out, &out_len);
	if (ret)
		fail(method, "no exact fit: size, error", len, ret);
	if (out_len != len || memcmp(out, first, len))
		fail(method, "exact fit decodes differently: size, length", len, out_len);
	free(out);
	if (!len || !strcmp(method, "lzma"))
		return;
	ret = run(fn, in, in_len, len - 1, &out, &out_len);
	if (ret != -EFBIG)
		fail(method, "one byte short is not -EFBIG: size, error", len - 1, ret);
	free(out);
}

static void print_stats(void)
{
	const char *path = getenv("FUZZ_DECOMPRESS_STATS");
	FILE *f;
	size_t m, o;

	if (!path)
		return;
	f = fopen(path, "a");
	if (!f)
		return;
	for (m = 0; m < NR_METHODS; m++) {
		fprintf(f, "%s", methods[m]);
		for (o = 0; o < NR_OUTCOMES; o++)
			fprintf(f, " %s=%llu", outcome_names[o], counts[m][o]);
		fprintf(f, "\n");
	}
	fclose(f);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	size_t m;

	(void)argc;
	(void)argv;
	for (m = 0; m < NR_METHODS; m++)
		if (!decompress_method_by_name(methods[m]))
			fail(methods[m], "method not built in", 0, 0);
	if (decompress_method_by_name("none") || decompress_method_by_name(""))
		fail("none", "unknown method found", 0, 0);
	atexit(print_stats);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *method;
	decompress_bounded_fn fn;
	size_t out_size, in_len, out_len;
	const uint8_t *in;
	uint8_t *out;
	int ret;

	if (size < HEADER_LEN)
		return -1;
	method = methods[data[0] % NR_METHODS];
	fn = decompress_method_by_name(method);
	out_size = (data[1] | data[2] << 8 | (size_t)data[3] << 16) % (OUT_SIZE_MAX + 1);
	in = data + HEADER_LEN;
	in_len = size - HEADER_LEN;

	ret = run(fn, in, in_len, out_size, &out, &out_len);
	counts[data[0] % NR_METHODS][classify(method, ret)]++;
	if (!in_len && ret != -EBADMSG)
		fail(method, "empty input is not -EBADMSG: error, output length", ret,
		     ret ? 0 : out_len);
	if (!ret) {
		if (out_len > out_size)
			fail(method, "output longer than the buffer", out_len, out_size);
		check_exact_fit(method, fn, in, in_len, out, out_len);
	}
	free(out);
	return 0;
}
