#!/usr/bin/env bash
# Configure and build one kernel flavour out of tree: build/obj/<flavour>.
#   build-kernel.sh <flavour> [make targets...]
# The config is allnoconfig + config/base.config + config/<flavour>.config
# (+ a generated line for the trusted test key); a flavour is reconfigured only
# when one of its inputs changed, so re-running rebuilds only what changed.
# A flavour may extend another ("# extends: test-kernel"): its parents'
# fragments come first, and its first build starts from a copy of its
# parent's objects, so only what its own options touch is rebuilt.
set -euo pipefail
. "$(dirname "$0")/env.sh"
flavour=$1; shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(Image vmlinuz.efi)
obj=$objroot/$flavour
config_of() { echo "$top/scripts/config/$1.config"; }
parent_of() { sed -n 's/^# extends: *//p' "$(config_of "$1")"; }
parent=$(parent_of "$flavour")
if [ -n "$parent" ] && [ ! -d "$obj" ] && [ -f "$objroot/$parent/vmlinux" ]; then
	say "seeding $ktree $flavour objects from $parent"
	cp -a "$objroot/$parent" "$obj.tmp" && mv "$obj.tmp" "$obj"
fi
mkdir -p "$obj"

# base.config, then each ancestor's fragment (the oldest first), then ours.
chain=("$(config_of "$flavour")")
ancestor=$parent
while [ -n "$ancestor" ]; do
	chain=("$(config_of "$ancestor")" "${chain[@]}")
	ancestor=$(parent_of "$ancestor")
done
fragments=("$top/scripts/config/base.config" "${chain[@]}")
# Flavours with a trusted keyring get the test key built in.
if cat "${fragments[@]}" | grep -qx 'CONFIG_SYSTEM_TRUSTED_KEYRING=y'; then
	keyfrag=$obj/keys.config
	printf 'CONFIG_SYSTEM_TRUSTED_KEYS="%s"\n' "$build/keys/trusted.crt" >"$keyfrag"
	fragments+=("$keyfrag")
fi

stamp=$obj/.zboot-config-inputs
inputs=$({ cat "${fragments[@]}"; cat "$ksrc/.zboot-graft" 2>/dev/null || true; } | sha256sum)
if [ ! -f "$obj/.config" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$inputs" ]; then
	say "configuring $ktree $flavour kernel"
	make -s -C "$ksrc" O="$obj" "${kmake_args[@]}" allnoconfig >/dev/null
	KCONFIG_CONFIG=$obj/.config "$ksrc/scripts/kconfig/merge_config.sh" -m -O "$obj" \
		"$obj/.config" "${fragments[@]}" >"$obj/merge.log"
	make -s -C "$ksrc" O="$obj" "${kmake_args[@]}" olddefconfig >/dev/null
	# Every requested option (the last fragment to name it wins) must have
	# survived olddefconfig.
	bad=$(cat "${fragments[@]}" | awk '
		/^CONFIG_[A-Z0-9_]+=/ { split($0, kv, "="); want[kv[1]] = $0 }
		/^# CONFIG_[A-Z0-9_]+ is not set/ { want[$2] = $0 }
		END { for (k in want) print want[k] }' | while IFS= read -r line; do
		case $line in
		# "is not set": also met by a symbol whose dependencies left it out.
		"# CONFIG_"*) symbol=${line#\# }; symbol=${symbol%% *}
			grep -q "^$symbol=" "$obj/.config" && echo "$line" ;;
		*) grep -qxF -- "$line" "$obj/.config" || echo "$line" ;;
		esac
	done)
	[ -z "$bad" ] || die "$flavour config: not set as requested: $bad"
	echo "$inputs" >"$stamp"
fi
say "building $ktree $flavour kernel (${targets[*]})"
make -s -C "$ksrc" O="$obj" "${kmake_args[@]}" "${targets[@]}"
