#!/usr/bin/env bash
# Unpack Debian's linux-source-6.12 under build/linux (once) and graft this
# project onto it. Idempotent: re-running changes nothing that is already in
# place, so nothing is rebuilt needlessly.
#   - new files are symlinks into this repository (editing rust/*.rs and
#     re-running make rebuilds just the loader);
#   - changes to existing kernel files are the patches in arch-arm64/patches/;
#     a copy of each applied patch is kept in build/linux/.zboot-patches/ so
#     an edited patch is reverted and re-applied, and a removed one reverted.
set -euo pipefail
. "$(dirname "$0")/env.sh"

tarball=/usr/src/linux-source-6.12.tar.xz
if [ ! -f "$ksrc/Makefile" ]; then
	[ -f "$tarball" ] || die "$tarball missing: run scripts/setup-deps.sh"
	say "unpacking $tarball into $ksrc"
	rm -rf "$ksrc.tmp" && mkdir -p "$ksrc.tmp"
	tar -C "$ksrc.tmp" -xf "$tarball"
	mv "$ksrc.tmp"/linux-source-6.12 "$ksrc" && rmdir "$ksrc.tmp"
fi
version=$(make -s -C "$ksrc" kernelversion)
case $version in
6.12.*) ;;
*) die "kernel $version in $ksrc: need 6.12.y" ;;
esac

# kernel tree path -> repository path
links=(
	arch/arm64/kernel/kexec_zboot/Kbuild:Kbuild
	arch/arm64/kernel/kexec_zboot/Kconfig:Kconfig
	arch/arm64/kernel/kexec_zboot/kexec_zboot.rs:rust/kexec_zboot.rs
	arch/arm64/kernel/kexec_zboot/format.rs:rust/format.rs
	arch/arm64/kernel/kexec_zboot/kexec_zboot_test.c:tests/kunit/kexec_zboot_test.c
	arch/arm64/kernel/kexec_zboot/kexec_zboot_test.h:tests/kunit/kexec_zboot_test.h
	arch/arm64/kernel/kexec_zboot/zboot_cases.py:tests/corpus/zboot_cases.py
	arch/arm64/kernel/kexec_zboot/kexec_zboot_vectors.S:tests/kunit/kexec_zboot_vectors.S
	arch/arm64/kernel/kexec_zboot/mkvectors.py:tests/kunit/mkvectors.py
	arch/arm64/kernel/kexec_zboot/mkzboot.py:scripts/mkzboot.py
	lib/decompress_bounded.c:arch-arm64/lib/decompress_bounded.c
	include/linux/decompress/bounded.h:arch-arm64/include/linux/decompress/bounded.h
	rust/helpers/cpufeature.c:arch-arm64/rust/helpers/cpufeature.c
)
for link in "${links[@]}"; do
	dst=$ksrc/${link%%:*}
	src=$top/${link#*:}
	[ -e "$src" ] || die "graft source missing: $src"
	[ "$(readlink "$dst" 2>/dev/null)" = "$src" ] && continue
	mkdir -p "$(dirname "$dst")"
	ln -sfn "$src" "$dst"
done

state=$ksrc/.zboot-patches
mkdir -p "$state"
for old in "$state"/*.patch; do
	[ -e "$old" ] || continue
	[ -f "$top/arch-arm64/patches/$(basename "$old")" ] && continue
	say "reverting removed patch $(basename "$old")"
	patch -d "$ksrc" -p1 -R -s --no-backup-if-mismatch <"$old" || die "cannot revert $old"
	rm -f "$old"
done
for new in "$top"/arch-arm64/patches/*.patch; do
	name=$(basename "$new")
	cmp -s "$new" "$state/$name" && continue
	if [ -f "$state/$name" ]; then
		say "re-applying changed patch $name"
		patch -d "$ksrc" -p1 -R -s --no-backup-if-mismatch <"$state/$name" ||
			die "cannot revert the old $name"
		rm -f "$state/$name"
	else
		say "applying $name"
	fi
	patch -d "$ksrc" -p1 -N -s --no-backup-if-mismatch <"$new" || die "cannot apply $name"
	cp "$new" "$state/$name"
done

# What the kernel configuration depends on, for build-kernel.sh's stamp.
cat "$top/Kconfig" "$state"/*.patch | sha256sum >"$ksrc/.zboot-graft.new"
if cmp -s "$ksrc/.zboot-graft.new" "$ksrc/.zboot-graft"; then
	rm -f "$ksrc/.zboot-graft.new"
else
	mv "$ksrc/.zboot-graft.new" "$ksrc/.zboot-graft"
fi
