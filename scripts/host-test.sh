#!/usr/bin/env bash
# Host checks of the loader's pure parser (rust/format.rs via rust/Cargo.toml):
# cargo test (hand-made headers, the zboot_cases.py corpus, and the kernel
# build's real images in build/artifacts, or $ZBOOT_ARTIFACTS), clippy with
# warnings as errors, and rustfmt. Needs no kernel build except for the real
# images, whose tests fail (not skip) when the artifacts are missing. Also
# clippy and rustfmt on the guest helper zbt (tests/guest/zbt/, built for
# aarch64-unknown-linux-gnu against Debian's arm64 std).
#
#   scripts/host-test.sh [CARGO TEST ARGS...]
set -euo pipefail
. "$(dirname "$0")/env.sh"

export ZBOOT_ARTIFACTS=${ZBOOT_ARTIFACTS:-$artifacts}
# Cargo's output goes under build/ with everything else generated.
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$build/cargo}
cd "$top/rust"
start=$SECONDS

say "cargo test (ZBOOT_ARTIFACTS=$ZBOOT_ARTIFACTS)"
cargo test "$@"

say "cargo clippy --all-targets -- -D warnings"
cargo clippy --quiet --all-targets -- -D warnings

say "cargo fmt --check (host crate, tests and fuzz targets)"
cargo fmt --check
cargo fmt --check --manifest-path fuzz/Cargo.toml

say "clippy and rustfmt on the guest helper zbt"
/usr/bin/clippy-driver --sysroot "$build/tools/rust-std-arm64/usr" --edition 2021 \
	--target aarch64-unknown-linux-gnu --crate-type bin --crate-name zbt -C panic=abort \
	--emit=metadata -o "$CARGO_TARGET_DIR/zbt-clippy.rmeta" -D warnings -W clippy::all \
	"$top/tests/guest/zbt/main.rs"
rustfmt --edition 2021 --check "$top/tests/guest/zbt/main.rs"

say "host tests passed in $((SECONDS - start))s"
