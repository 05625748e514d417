#!/usr/bin/env bash
# Coverage-guided fuzzing of the bounded decompressors (lib/decompress_bounded.c)
# together with the kernel's own zlib, zstd, xz, lz4 and lzo libraries, built
# for the host under libFuzzer with ASan and UBSan.
#
#   scripts/fuzz-decompress.sh [SECONDS]
#
# The sources are those of the grafted 6.12 tree (build/linux; KTREE=7.N for
# the 7.x one) plus arch-arm64/linux/lib/decompress_bounded.c; tests/fuzz/decompress/
# kshim.h stands in for the kernel headers they include. Seeds are small
# streams of every method, made with the same tools and options as the
# kernel build (scripts/Makefile.lib), of an arm64 Image's first 64 KiB, each
# with exact, short and roomy output sizes. Runs for SECONDS (default 30) on
# every core but one, then prints executions, exec/s, coverage, corpus size
# and outcomes per method. Exits non-zero on a crash, a leak or a broken
# contract (see fuzz_decompress.c); such inputs are kept in
# build/fuzz/decompress/crashes/TREE/ (reproduce:
# build/fuzz/decompress/TREE/fuzz_decompress FILE); the next run re-runs them
# first and drops those that pass.
set -euo pipefail
. "$(dirname "$0")/env.sh"

seconds=${1:-30}
case $seconds in
'' | *[!0-9]*) die "usage: $0 [SECONDS]" ;;
esac
src=$top/tests/fuzz/decompress
work=$build/fuzz/decompress
tree_work=$work/$ktree # the build of one tree's libraries
inc=$tree_work/include
bin=$tree_work/fuzz_decompress
corpus=$work/corpus # shared: the formats are the same
crashes=$work/crashes/$ktree
[ -f "$ksrc/lib/zstd/zstd_decompress_module.c" ] || die "no kernel tree at $ksrc (run make kernel first)"

# Kernel headers: the libraries' APIs come from the tree, everything else is kshim.h.
api_headers=(zlib.h zutil.h zconf.h zstd.h zstd_lib.h zstd_errors.h xz.h lz4.h lzo.h xxhash.h)
shim_headers=(kernel.h module.h export.h init.h types.h compiler.h stddef.h string.h
	unaligned.h minmax.h sizes.h mm.h overflow.h slab.h vmalloc.h
	crc32.h swab.h printk.h math64.h bitops.h)
lib_sources=(
	lib/zlib_inflate/{inflate,inftrees,inffast,infutil}.c
	lib/zstd/{zstd_decompress_module,zstd_common_module}.c
	lib/zstd/common/{debug,entropy_common,error_private,fse_decompress,zstd_common}.c
	lib/zstd/decompress/{huf_decompress,zstd_ddict,zstd_decompress,zstd_decompress_block}.c
	lib/xz/{xz_dec_stream,xz_dec_lzma2,xz_dec_bcj,xz_crc32}.c
	lib/lz4/lz4_decompress.c
	lib/lzo/lzo1x_decompress_safe.c
	lib/xxhash.c
)
ubsan=array-bounds,shift,integer-divide-by-zero,unreachable,bool,enum
configs=(ZLIB_INFLATE CRC32 ZSTD_DECOMPRESS XZ_DEC XZ_DEC_ARM64 XZ_DEC_MICROLZMA
	LZ4_DECOMPRESS LZO_DECOMPRESS 64BIT)

build_fuzzer() {
	say "building the decompressor fuzzer from $ksrc"
	rm -rf "$inc" "$tree_work/obj"
	mkdir -p "$inc/linux/decompress" "$inc/asm" "$tree_work/obj"
	for h in "${api_headers[@]}"; do
		cp "$ksrc/include/linux/$h" "$inc/linux/$h"
	done
	for h in "${shim_headers[@]}"; do
		echo '#include <kshim.h>' >"$inc/linux/$h"
	done
	echo '#include <kshim.h>' >"$inc/asm/page.h"
	# glibc's <errno.h> and <limits.h> include these: the host's (uapi) ones
	for h in errno.h limits.h; do
		printf '#include_next <linux/%s>\n#include <kshim.h>\n' "$h" >"$inc/linux/$h"
	done
	cp "$top/arch-arm64/linux/include/linux/decompress/bounded.h" "$inc/linux/decompress/"

	# The UBSan checks the kernel's CONFIG_UBSAN makes, and its C dialect:
	# pointer and signed arithmetic wrap (-fno-strict-overflow), no strict aliasing.
	local flags=(-g -O1 -fno-omit-frame-pointer -fwrapv -fno-strict-aliasing
		-fno-delete-null-pointer-checks -fsanitize=fuzzer-no-link,address,$ubsan
		-fno-sanitize-recover=all -D__KERNEL__ -I "$src" -I "$inc")
	local c
	for c in "${configs[@]}"; do
		flags+=("-DCONFIG_$c=1")
	done
	local objs=() s o warn
	for s in "${lib_sources[@]}" "$top/arch-arm64/linux/lib/decompress_bounded.c" \
		"$src/fuzz_decompress.c"; do
		case $s in
		/*) warn=(-Wall -Wextra -Werror -Wno-sign-compare -Wno-unused-parameter) ;;
		*) s=$ksrc/$s warn=(-w) ;; # the libraries, as the kernel builds them
		esac
		o=$tree_work/obj/$(basename "$(dirname "$s")")-$(basename "$s" .c).o
		objs+=("$o")
		clang-19 "${flags[@]}" "${warn[@]}" -I "$(dirname "$s")" -c "$s" -o "$o" &
	done
	wait_all
	clang-19 -fsanitize=fuzzer,address,$ubsan "${objs[@]}" -o "$bin"
}

wait_all() {
	local failed=0 pid
	for pid in $(jobs -p); do
		wait "$pid" || failed=1
	done
	[ "$failed" = 0 ] || die "building the decompressor fuzzer failed"
}


# Method numbers: the order of methods[] in fuzz_decompress.c.
compress() {
	case $1 in
	0) gzip -n -9 ;;
	1) zstd -q -19 ;;
	2) zstd -q -22 --ultra ;;
	3) xz --check=crc32 --threads=1 --arm64 --lzma2=lp=2,lc=2,dict=128MiB ;;
	4) lzma -9 ;;
	5) lz4 -q -l -9 - - ;;
	6) lzop -q -9 ;;
	esac
}

# Writes its arguments as bytes.
bytes() {
	local b
	for b; do
		printf "$(printf '\\x%02x' $((b & 255)))"
	done
}

seed_corpus() {
	local image=$artifacts/Image plain=$work/plain stream=$work/stream
	[ -f "$image" ] || die "no $image (run make kernel first)"
	say "seeding $corpus: every method, three payloads, exact/short/roomy output sizes"
	mkdir -p "$corpus" "$plain"
	head -c 65536 "$image" >"$plain/image64k"
	head -c 1536 "$image" >"$plain/image1k5"
	: >"$plain/empty"
	local m p len size
	for m in 0 1 2 3 4 5 6; do
		for p in "$plain"/*; do
			len=$(stat -c %s "$p")
			compress "$m" <"$p" >"$stream"
			for size in "$len" $((len > 0 ? len - 1 : 0)) $((len + 4096)); do
				{
					bytes "$m" "$size" $((size >> 8)) $((size >> 16))
					cat "$stream"
				} >"$corpus/seed-$m-$(basename "$p")-$size"
			done
		done
	done
	rm -f "$stream"
}

build_fuzzer
[ -n "$(ls -A "$corpus" 2>/dev/null)" ] || seed_corpus

# Inputs a previous run kept: fail while one still crashes, forget the fixed ones.
rerun_kept() {
	local f still=()
	for f in "$crashes"/*; do
		[ -f "$f" ] || continue
		if "$bin" "$f" >"$tree_work/rerun.log" 2>&1; then
			say "kept input $(basename "$f") no longer fails; removing it"
			rm -f "$f"
		else
			still+=("$f")
		fi
	done
	[ ${#still[@]} -eq 0 ] || die "still failing: ${still[*]} (reproduce: $bin FILE)"
}

workers=$(($(nproc) > 1 ? $(nproc) - 1 : 1))
log=$tree_work/fuzz.log
stats=$tree_work/outcomes
mkdir -p "$crashes"
rerun_kept
rm -f "$stats"
say "fuzzing the decompressors of $ktree for ${seconds}s on $workers core(s) (log: $log)"
status=0
started=$SECONDS
FUZZ_DECOMPRESS_STATS=$stats "$bin" "$corpus" -artifact_prefix="$crashes/" \
	-max_total_time="$seconds" -max_len=131072 -rss_limit_mb=4096 -timeout=30 \
	-fork="$workers" -ignore_crashes=0 -print_final_stats=1 >"$log" 2>&1 || status=$?

# Executions: what the target counted (libFuzzer's -fork parent reports its jobs' partly).
elapsed=$((SECONDS - started))
runs=$(awk '{ for (i = 2; i <= NF; i++) { split($i, kv, "="); n += kv[2] } } END { print n + 0 }' \
	"$stats" 2>/dev/null || echo 0)
rate=$((runs / (elapsed > 0 ? elapsed : 1)))
cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | sed 's/.*: //')
features=$(grep -o 'ft: [0-9]*' "$log" | tail -n 1 | sed 's/.*: //')
files=$(find "$corpus" -type f | wc -l)
say "decompressors of $ktree: $runs executions in ${elapsed}s, $rate exec/s, ${cov:-?} edges, ${features:-?} features, corpus $files inputs"
if [ -f "$stats" ]; then
	say "outcomes per method (mutated inputs):"
	awk '{ for (i = 2; i <= NF; i++) { split($i, kv, "="); n[$1 " " kv[1]] += kv[2] }
		if (!($1 in seen)) { seen[$1] = 1; order[++m] = $1 } }
		END { for (j = 1; j <= m; j++) { k = order[j]
			printf "    %-7s ok %9d  EFBIG %9d  EBADMSG %9d  ENOMEM %9d\n", k,
				n[k " ok"], n[k " EFBIG"], n[k " EBADMSG"], n[k " ENOMEM"] } }' "$stats"
fi
kept=$(find "$crashes" -type f | wc -l)
if [ "$status" -ne 0 ] || [ "$kept" -ne 0 ] || grep -q 'ERROR: \(AddressSanitizer\|LeakSanitizer\|libFuzzer\)\|runtime error:\|contract broken' "$log"; then
	# A forked job's report is not always in the log: show the first input's.
	first=$(find "$crashes" -type f | sort | head -n 1)
	if [ -n "$first" ]; then
		say "re-running $first:"
		"$bin" "$first" 2>&1 | grep -v '^INFO:' | head -n 40 || true
	else
		tail -n 40 "$log"
	fi
	die "the decompressor fuzzer failed (status $status, $kept input(s) kept in $crashes; log: $log)"
fi
say "decompressor fuzzing done: no crash, leak or broken contract"
