#!/usr/bin/env bash
# Unpack a pristine kernel tree under build/ (once) and graft this project onto
# it. KTREE=6.12 (default): Debian's linux-source-6.12 into build/linux;
# KTREE=7.N: build/downloads/linux-source-7.N.tar.xz (scripts/fetch-linux7.sh)
# into build/linux-7.N. Idempotent: re-running changes nothing that is already
# in place, so nothing is rebuilt needlessly.
#   - new files: arch-arm64/linux/ (every tree) and arch-arm64/<version>/linux/
#     (this tree; it wins over the common one) mirror the kernel tree, so each
#     file lands at its own path there. The graft links every file of the two
#     mirrors into the tree at that path, to the repository file it resolves to
#     (the mirrors' symlinks name the loader's sources in rust/, tests/kunit/,
#     ...): editing rust/*.rs and re-running make rebuilds just the loader.
#     Links a previous graft made that the mirrors no longer hold are removed;
#   - changes to existing kernel files are arch-arm64/<version>/patches/; a
#     copy of each applied patch is kept in <tree>/.zboot-patches/ so an edited
#     patch is reverted and re-applied, and a removed one reverted.
set -euo pipefail
. "$(dirname "$0")/env.sh"

case $ktree in
6.12) tarball=/usr/src/linux-source-6.12.tar.xz ;;
*) tarball=$build/downloads/linux-source-$ktree.tar.xz ;;
esac
if [ ! -f "$ksrc/Makefile" ]; then
	[ -f "$tarball" ] || die "$tarball missing: run scripts/setup-deps.sh (6.12) or scripts/fetch-linux7.sh (7.x)"
	say "unpacking $tarball into $ksrc"
	rm -rf "$ksrc.tmp" && mkdir -p "$ksrc.tmp"
	tar -C "$ksrc.tmp" -xf "$tarball"
	mv "$ksrc.tmp"/linux-source-* "$ksrc" && rmdir "$ksrc.tmp"
fi
version=$(make -s -C "$ksrc" kernelversion)
case $version in
"$ktree".*) ;;
*) die "kernel $version in $ksrc: need $ktree.y" ;;
esac

# Every tree path of the two mirrors (env.sh), linked to its repository file.
mapfile -t paths < <(mirror_paths "$kside")
linkstate=$ksrc/.zboot-links
: >"$linkstate.new"
for path in "${paths[@]}"; do
	dst=$ksrc/$path
	src=$(mirror_file "$kside" "$path") || die "graft source missing: $path (a dangling link?)"
	echo "$path" >>"$linkstate.new"
	[ "$(readlink "$dst" 2>/dev/null)" = "$src" ] && continue
	mkdir -p "$(dirname "$dst")"
	ln -sfn "$src" "$dst"
done
# Links of an earlier graft that are gone from the mirrors (and, for trees
# grafted before the link state existed, dangling links in the loader's folder).
{
	cat "$linkstate" 2>/dev/null || true
	find "$ksrc/arch/arm64/kernel/kexec_zboot" -xtype l \
		-printf 'arch/arm64/kernel/kexec_zboot/%P\n' 2>/dev/null || true
} | sort -u | while IFS= read -r old; do
	grep -qxF -- "$old" "$linkstate.new" && continue
	[ -L "$ksrc/$old" ] || continue
	say "removing stale graft link $old"
	rm -f "$ksrc/$old"
done
mv "$linkstate.new" "$linkstate"

state=$ksrc/.zboot-patches
mkdir -p "$state"
for old in "$state"/*.patch; do
	[ -e "$old" ] || continue
	[ -f "$kside/patches/$(basename "$old")" ] && cmp -s "$old" "$kside/patches/$(basename "$old")" &&
		continue
	say "reverting $(basename "$old")"
	patch -d "$ksrc" -p1 -R -s --no-backup-if-mismatch <"$old" || die "cannot revert $old"
	rm -f "$old"
done
for new in "$kside"/patches/*.patch; do
	name=$(basename "$new")
	cmp -s "$new" "$state/$name" && continue
	say "applying $name"
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
