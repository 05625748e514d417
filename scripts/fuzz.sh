#!/usr/bin/env bash
# Coverage-guided fuzzing of the loader's pure parser (rust/format.rs).
#
#   scripts/fuzz.sh [SECONDS]
#
# Builds the libFuzzer targets of rust/fuzz/ with cargo-fuzz (installed into
# build/tools on first use), seeds their corpora from the cases of
# tests/corpus/zboot_cases.py (dumped by tests/host/dump_cases.py; the UKI
# target also from the hand-made UKIs of tests/host/uki_sections.rs), and runs
# each target for SECONDS (default 30). Prints the executions of each run;
# exits non-zero when a target crashes. Everything it makes lives in
# build/fuzz/: the targets' build (target/), the dumped cases, the corpora
# (corpus/TARGET/, kept between runs) and crashing inputs (artifacts/TARGET/);
# reproduce one with `build/fuzz/target/*/release/TARGET FILE`.
#
# cargo-fuzz needs nightly rustc flags; RUSTC_BOOTSTRAP=1 unlocks them on the
# stable toolchain, whose rust-std ships the sanitizer runtimes. The targets
# are built without a sanitizer (-s none): format.rs is safe Rust, so ASan
# would only slow the runs; overflow checks and debug assertions stay on.
set -euo pipefail
. "$(dirname "$0")/env.sh"

seconds=${1:-30}
case $seconds in
'' | *[!0-9]*) die "usage: $0 [SECONDS]" ;;
esac
targets=(zboot_parse image_parse uki_parse)
fuzz_dir=$top/rust/fuzz
work=$build/fuzz
cases=$work/cases
images=$work/images
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR=$work/target

if ! cargo fuzz --version >/dev/null 2>&1; then
	say "installing cargo-fuzz into $build/tools (a few minutes, once)"
	cargo install --quiet --locked --root "$build/tools" cargo-fuzz --version '^0.13'
fi

say "cargo clippy on the fuzz targets"
cargo clippy --quiet --manifest-path "$fuzz_dir/Cargo.toml" --all-targets -- -D warnings

say "building fuzz targets"
cargo fuzz build --fuzz-dir "$fuzz_dir" --release --debug-assertions --sanitizer none
bin_dir=$CARGO_TARGET_DIR/$(rustc -vV | sed -n 's/^host: //p')/release

dumper=$top/tests/host/dump_cases.py
stale=
for source in "$dumper" "$top"/tests/corpus/{zboot_cases,decompress_streams}.py "$top/scripts/mkzboot.py"; do
	[ "$cases/manifest.tsv" -nt "$source" ] || stale=1
done
[ -d "$images" ] || stale=1
if [ -n "$stale" ]; then
	say "dumping the zboot_cases.py cases to $cases"
	python3 "$dumper" "$cases" --images "$images"
fi

say "seeding corpora from the dumped cases"
mkdir -p "$work/corpus/zboot_parse" "$work/corpus/image_parse"
cp "$cases"/*.efi "$work/corpus/zboot_parse/"
for image in "$images"/*.img; do
	name=$(basename "$image" .img)
	# CPU feature byte (image_parse.rs): 0x1c = little-endian kernel, every
	# granule; 0x07 = big-endian kernel, mixed endian, 4K only. Then a zero
	# length delta, then the Image's first 256 bytes: the parser reads only
	# the header, and a shorter image keeps the fuzzer's inputs small.
	for cpu in 1c 07; do
		{
			printf "\\x$cpu\\x00"
			head -c 256 "$image"
		} >"$work/corpus/image_parse/seed-$name-$cpu"
	done
done

# The UKI target: the hand-made UKIs of tests/host/uki_sections.rs, and the zboot
# cases (PE files without .linux, and what a .linux section holds).
mkdir -p "$work/corpus/uki_parse"
UKI_SEED_DIR=$work/corpus/uki_parse CARGO_TARGET_DIR=$build/cargo \
	cargo test --quiet --manifest-path "$top/rust/Cargo.toml" --test uki_sections write_fuzz_seeds >/dev/null
cp "$cases"/*.efi "$work/corpus/uki_parse/"

failed=()
for target in "${targets[@]}"; do
	say "fuzzing $target for ${seconds}s"
	log=$work/artifacts/$target.log
	mkdir -p "$work/artifacts/$target"
	status=0
	"$bin_dir/$target" "$work/corpus/$target" -artifact_prefix="$work/artifacts/$target/" \
		-max_total_time="$seconds" -print_final_stats=1 >"$log" 2>&1 || status=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 || true)
	corpus=$(find "$work/corpus/$target" -type f | wc -l)
	if [ "$status" -ne 0 ]; then
		tail -n 40 "$log"
		say "$target: CRASHED after ${runs:-?} executions (log: $log)"
		failed+=("$target")
	else
		say "$target: ${runs:-?} executions, ${rate:-?} exec/s, ${cov:-cov: ?}, corpus $corpus files"
	fi
done

if [ ${#failed[@]} -ne 0 ]; then
	die "fuzzing found crashes in: ${failed[*]} (inputs in $work/artifacts/)"
fi
say "fuzzing done: no crashes"
