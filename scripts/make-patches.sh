#!/usr/bin/env bash
# make patches: the kernel side of this project as one `git format-patch`
# series per kernel tree, each against the pristine tree of that version, in
# review order, with a cover letter:
#   build/patches/6.12/  for linux-source-6.12 (any 6.12.y)
#   build/patches/7.N/   for the 7.x tree make kernel uses (7.2 and 7.3 alike)
# Every series is checked to `git am` onto the pristine files it touches. It
# carries no Signed-off-by: whoever submits it adds their own.
#
#   make-patches.sh [6.12|7.N]...     (default: 6.12 and the 7.x tarball there is)
set -euo pipefail
. "$(dirname "$0")/env.sh"

trees=("$@")
if [ ${#trees[@]} -eq 0 ]; then
	trees=(6.12)
	seven=$(ls "$build"/downloads/linux-source-7.*.tar.xz 2>/dev/null | sort -V | tail -n1 || true)
	if [ -n "$seven" ]; then
		seven=$(basename "$seven" .tar.xz)
		trees+=("${seven#linux-source-}")
	fi
fi

git_id=(-c user.name=zboot-kexec-rs -c user.email=dev@zboot-kexec-rs.invalid)
export GIT_AUTHOR_NAME=zboot-kexec-rs GIT_AUTHOR_EMAIL=dev@zboot-kexec-rs.invalid
export GIT_COMMITTER_NAME=zboot-kexec-rs GIT_COMMITTER_EMAIL=dev@zboot-kexec-rs.invalid

# The loader's files as they are before its tests exist (patch "loader"), so
# every step of the series builds: no tests module, no KUnit option, no test
# objects.
without_tests() { # KIND FILE
	python3 - "$1" "$2" <<'PY'
import re, sys
kind, path = sys.argv[1:3]
text = open(path).read()
if kind == "rust":
    text = text.replace("#[cfg(CONFIG_KEXEC_IMAGE_ZBOOT_KUNIT_TEST)]\nmod tests;\n"
                        "#[cfg(CONFIG_KEXEC_IMAGE_ZBOOT_KUNIT_TEST)]\nmod vectors;\n\n", "")
    assert "KUNIT_TEST" not in text, path
elif kind == "kconfig":
    text = re.sub(r"\nconfig KEXEC_IMAGE_ZBOOT_KUNIT_TEST\n(?:(?:\t.*)?\n)*", "\n", text).rstrip("\n") + "\n"
elif kind == "kbuild":
    head, _, _ = text.partition("obj-$(CONFIG_KEXEC_IMAGE_ZBOOT_KUNIT_TEST)")
    text = head.rstrip("\n") + "\n"
    text = re.sub(r"\n# This is the file for kernels.*?(?=\n\n)", "", text, flags=re.S)
    text = re.sub(r"\n# Rust KUnit suites outside.*?(?=\n\n)", "", text, flags=re.S)
    text = text.replace(" and its KUnit suites.", ".")
open(path, "w").write(text)
PY
}

# The files of the loader's patches before the UKI loader's (patch 7): FILE
# without what CONFIG_KEXEC_IMAGE_UKI adds. KIND: rust (each
# #[cfg(CONFIG_KEXEC_IMAGE_UKI)] item with its doc comment, and the crate
# doc's paragraph on the UKI loader) or kconfig (the option).
without_uki() { # KIND FILE
	python3 - "$1" "$2" <<'PY'
import re, sys
kind, path = sys.argv[1:3]
text = open(path).read()
if kind == "rust":
    text = re.sub(r"\n//!\n//! With `CONFIG_KEXEC_IMAGE_UKI`.*?(?=\n(?!//!))", "", text, flags=re.S)
    lines, out, i = text.split("\n"), [], 0
    while i < len(lines):
        if lines[i].strip() != "#[cfg(CONFIG_KEXEC_IMAGE_UKI)]":
            out.append(lines[i])
            i += 1
            continue
        while out and out[-1].strip().startswith("///"):
            out.pop()
        i += 1
        depth = 0
        while i < len(lines):
            line = lines[i]
            i += 1
            depth += sum(line.count(c) for c in "([{") - sum(line.count(c) for c in ")]}")
            if depth <= 0 and line.rstrip().endswith((",", ";", "}")):
                break
        if out and not out[-1].strip() and i < len(lines) and not lines[i].strip():
            i += 1
    text = "\n".join(out)
    assert "KEXEC_IMAGE_UKI" not in text and "Uki" not in text, path
elif kind == "kconfig":
    text = re.sub(r"\nconfig KEXEC_IMAGE_UKI\n(?:(?:\t.*)?\n)*", "\n", text).rstrip("\n") + "\n"
open(path, "w").write(text)
PY
}

maintainers() { # WORK F...: the series' MAINTAINERS entry, with these files
	python3 - "$@" <<'PY'
import sys
path, files = sys.argv[1] + "/MAINTAINERS", sys.argv[2:]
text = open(path).read()
title = "ARM64 EFI ZBOOT KEXEC LOADER (RUST)\n"
if title not in text:
    entry = (title + "L:\tkexec@lists.infradead.org\n"
             "L:\trust-for-linux@vger.kernel.org\nS:\tMaintained\n\n")
    anchor = "ARM64 PORT (AARCH64 ARCHITECTURE)\n"
    assert anchor in text
    text = text.replace(anchor, entry + anchor, 1)
head, rest = text.split(title, 1)
block, tail = rest.split("\n\n", 1)
lines = block.split("\n") + [f"F:\t{f}" for f in files]
fields = [l for l in lines if not l.startswith("F:")] + sorted(set(l for l in lines if l.startswith("F:")))
open(path, "w").write(head + title + "\n".join(fields) + "\n\n" + tail)
PY
}

series() { # TREE
	local tree=$1 tarball kside out work top_dir version
	case $tree in
	6.12) tarball=/usr/src/linux-source-6.12.tar.xz kside=$top/arch-arm64/6.12 ;;
	7.*) tarball=$build/downloads/linux-source-$tree.tar.xz kside=$top/arch-arm64/7.x ;;
	*) die "no kernel tree $tree" ;;
	esac
	[ -f "$tarball" ] || die "$tarball missing (make kernel fetches it)"
	out=$build/patches/$tree
	work=$build/patches.work/$tree
	rm -rf "$work" "$out"
	mkdir -p "$work" "$out"
	top_dir=linux-source-$tree

	# Only the files the series changes are extracted: the pristine base.
	local changed=(MAINTAINERS)
	for p in "$kside"/patches/*.patch; do
		mapfile -t -O "${#changed[@]}" changed < <(sed -n 's|^+++ b/||p' "$p")
	done
	mapfile -t changed < <(printf '%s\n' "${changed[@]}" | sort -u)
	say "$tree: extracting the pristine files the series touches from $(basename "$tarball")"
	tar -C "$work" -xf "$tarball" --strip-components=1 "${changed[@]/#/$top_dir/}"
	git -C "$work" init -q
	git -C "$work" add -A
	git -C "$work" "${git_id[@]}" commit -q -m "pristine $top_dir files"
	local base
	base=$(git -C "$work" rev-parse HEAD)

	# The repository mirrors the tree (env.sh): a file is taken by its tree path,
	# as scripts/graft.sh links it.
	put() { # TREE_PATH
		local src
		src=$(mirror_file "$kside" "$1") || die "$1: in no mirror of the tree"
		mkdir -p "$work/$(dirname "$1")"
		cp "$src" "$work/$1"
	}
	apply() { patch -d "$work" -p1 -s --no-backup-if-mismatch <"$kside/patches/$1.patch"; }
	commit() { # SUBJECT; body on stdin
		git -C "$work" add -A
		git -C "$work" "${git_id[@]}" commit -q -F - <<<"$1

$(cat)"
	}
	local d=arch/arm64/kernel/kexec_zboot

	# 0. Fixes first: the PE verifier's missing bounds (any tree).
	apply pefile
	commit "pefile: refuse images without sections or with sections past the end" \
		<"$top/arch-arm64/commits/pefile.txt"

	# 0b. The kexec core: a helper that drops segments (on 7.x releasing their CMA blocks).
	apply kexec
	local kexec_subject="kexec_file: add kexec_drop_segments() for loaders that give segments up"
	[ "$(basename "$kside")" = 7.x ] &&
		kexec_subject="kexec_file: release the CMA blocks of segments a loader gives up"
	commit "$kexec_subject" <"$top/arch-arm64/commits/kexec-$(basename "$kside").txt"

	# 0c. arm64: kexec_image.c's kernel placement, shared (the Rust loader places through it).
	apply place
	commit "arm64: kexec_file: share the kernel placement of kexec_image.c" \
		<"$top/arch-arm64/commits/place.txt"

	# 1. lib: bounded decompressors.
	apply lib
	put lib/decompress_bounded.c
	put include/linux/decompress/bounded.h
	local lib_tests=() tree_path
	while read -r tree_path; do
		case $tree_path in
		lib/*decompress_bounded_* | lib/*decompress_streams.py)
			put "$tree_path"
			lib_tests+=("$tree_path")
			;;
		esac
	done < <(mirror_paths "$kside")
	chmod +x "$work/$(dirname "${lib_tests[0]}")/decompress_bounded_vectors.py"
	maintainers "$work" include/linux/decompress/bounded.h lib/decompress_bounded.c "${lib_tests[@]}"
	commit "lib: add bounded whole-buffer decompressors looked up by name" \
		<"$top/arch-arm64/commits/lib.txt"

	# 2. (6.12) rust: time.
	if [ -f "$kside/patches/time.patch" ]; then
		apply time
		commit "rust: time: add a monotonic Instant and Delta" <"$top/arch-arm64/commits/time.txt"
	fi

	# 3. rust: kernel::decompress and kernel::kexec.
	apply rust
	local rust_files=(rust/helpers/cpufeature.c rust/kernel/built_in.rs rust/kernel/cpufeature.rs
		rust/kernel/decompress.rs rust/kernel/kexec.rs rust/kernel/kexec/arm64.rs) f
	for f in "${rust_files[@]}"; do put "$f"; done
	maintainers "$work" rust/helpers/cpufeature.c rust/kernel/built_in.rs rust/kernel/cpufeature.rs \
		rust/kernel/decompress.rs rust/kernel/kexec.rs \
		rust/kernel/kexec/
	commit "rust: add kexec_file loader and bounded decompression abstractions" \
		<"$top/arch-arm64/commits/rust-$(basename "$kside").txt"

	# 4. arm64: the loader.
	apply arm64
	put $d/Kconfig
	without_tests kconfig "$work/$d/Kconfig"
	without_uki kconfig "$work/$d/Kconfig"
	put $d/Kbuild
	without_tests kbuild "$work/$d/Kbuild"
	put $d/kexec_zboot.rs
	without_tests rust "$work/$d/kexec_zboot.rs"
	without_uki rust "$work/$d/kexec_zboot.rs"
	put $d/format.rs
	maintainers "$work" $d/Kbuild $d/Kconfig $d/format.rs $d/kexec_zboot.rs
	commit "arm64: kexec_file: add a Rust loader for EFI zboot images" \
		<"$top/arch-arm64/commits/arm64.txt"

	# 5. arm64: KEXEC_SIG_FORCE.
	apply sigforce
	commit "arm64: kexec_file: allow KEXEC_SIG_FORCE" <"$top/arch-arm64/commits/sigforce.txt"

	# 6. The KUnit suites.
	put $d/Kconfig
	without_uki kconfig "$work/$d/Kconfig"
	put $d/Kbuild
	put $d/kexec_zboot.rs
	without_uki rust "$work/$d/kexec_zboot.rs"
	local tests=()
	while read -r tree_path; do
		case $tree_path in
		"$d"/*test* | "$d"/*vectors* | "$d"/*.py | "$d"/tests.rs)
			put "$tree_path"
			tests+=("$tree_path")
			;;
		esac
	done < <(mirror_paths "$kside")
	chmod +x "$work/$d/mkvectors.py" "$work/$d/mkzboot.py"
	maintainers "$work" "${tests[@]}"
	commit "arm64: kexec_file: add KUnit tests for the zboot loader" \
		<"$top/arch-arm64/commits/tests-$(basename "$kside").txt"

	# 7. arm64: the UKI loader, on the zboot loader's path.
	apply uki
	put $d/Kconfig
	put $d/kexec_zboot.rs
	put $d/kexec_uki.rs
	put $d/uki.rs
	maintainers "$work" $d/kexec_uki.rs $d/uki.rs
	commit "arm64: kexec_file: add a Rust loader for Unified Kernel Images" \
		<"$top/arch-arm64/commits/uki.txt"

	git -C "$work" format-patch -q --cover-letter -o "$out" "$base"
	cover "$tree" "$out"/0000-cover-letter.patch "$base" "$work"

	# The series applies to the pristine files with git am.
	local check=$build/patches.work/$tree-am
	rm -rf "$check" && mkdir -p "$check"
	tar -C "$check" -xf "$tarball" --strip-components=1 "${changed[@]/#/$top_dir/}"
	git -C "$check" init -q && git -C "$check" add -A &&
		git -C "$check" "${git_id[@]}" commit -q -m base
	git -C "$check" "${git_id[@]}" am -q "$out"/00[0-9][1-9]-*.patch ||
		die "$tree: the series does not git am onto pristine $top_dir"
	rm -rf "$check"
	say "$tree: $(ls "$out" | wc -l) files in ${out#"$top"/} (applies with git am):"
	ls "$out" | sed 's/^/    /'
}

cover() { # TREE FILE BASE WORK: the cover letter's subject and body
	local obj
	obj=$(KTREE=6.12 bash -c '. "$0"/scripts/env.sh; echo "$objroot/test-kernel"' "$top")
	python3 - "$@" "$top/arch-arm64/commits/cover.txt" "$top" "$obj" <<'PY'
import re, subprocess, sys, os, textwrap
tree, path, base, work, template, top, obj = sys.argv[1:8]
text = open(path).read()
body = open(template).read()
kernel = f"Linux {tree}" + (" LTS" if tree == "6.12" else "")


def lines(*files):
    return str(sum(len(open(os.path.join(top, f)).read().splitlines()) for f in files))


def text_size(rel):
    try:
        out = subprocess.run(["aarch64-linux-gnu-size", os.path.join(obj, rel)],
                             capture_output=True, text=True, check=True).stdout
        return out.splitlines()[1].split()[0]
    except (OSError, subprocess.CalledProcessError, IndexError):
        return "(not built)"


# Measured when the series is made: the files as they are, the objects of the
# 6.12 test kernel (make kernel).
values = {
    "KERNEL": kernel,
    "LOADER": lines("rust/kexec_zboot.rs", "rust/format.rs"),
    "FORMAT": lines("rust/format.rs"),
    "LOADER_TEXT": text_size("arch/arm64/kernel/kexec_zboot/kexec_zboot.o"),
    "LIB": lines("arch-arm64/linux/lib/decompress_bounded.c",
                 "arch-arm64/linux/include/linux/decompress/bounded.h"),
    "LIB_TEXT": text_size("lib/decompress_bounded.o"),
    "ABSTRACTION": lines("arch-arm64/linux/rust/kernel/kexec.rs",
                         "arch-arm64/linux/rust/kernel/kexec/arm64.rs"),
}


def fill(paragraph):
    paragraph = re.sub(r"@(\w+)@", lambda m: values[m.group(1)], paragraph)
    if paragraph.startswith("- ") or "\n- " in paragraph:
        head, *items = re.split(r"^- ", paragraph, flags=re.M)
        out = [textwrap.fill(head.replace("\n", " "), 72)] if head.strip() else []
        out += [textwrap.fill(i.replace("\n", " ").strip(), 72, initial_indent="- ",
                              subsequent_indent="  ") for i in items]
        return "\n".join(out)
    return textwrap.fill(paragraph.replace("\n", " "), 72)


subject, _, body = body.partition("\n\n")
paragraphs = body.split("\n\n")
body = "\n\n".join(fill(p) if re.search(r"@\w+@", p) else p for p in paragraphs)
text = text.replace("*** SUBJECT HERE ***", subject.replace("@KERNEL@", kernel))
text = text.replace("*** BLURB HERE ***", body.rstrip("\n"))
open(path, "w").write(text)
PY
}

for tree in "${trees[@]}"; do
	series "$tree"
done
rm -rf "$build/patches.work"
