# Sourced: a private apt state for Debian's newer suites (trixie, trixie-backports,
# forky, sid), for downloads only. The system's apt configuration and dpkg
# database are never touched; nothing from these suites is installed on the host.
#
#   newer_apt ARGS...      apt-get with the private state (update it first with
#                          newer_apt_update)
#   newer_apt_cache ARGS...
#
# The archive URI comes from the machine's own Debian entry (never hard-coded);
# apt checks every download against the suites' Release files, signed with the
# Debian archive key (debian-archive-keyring).
# shellcheck shell=bash

newer_aptdir=$build/apt-newer
newer_suites=(trixie trixie-backports forky sid)

newer_apt_opts() {
	local opts=(-o Dir::Etc::SourceList="$newer_aptdir/sources.list"
		-o Dir::Etc::SourceParts=/dev/null
		-o Dir::Etc::Preferences=/dev/null
		-o Dir::Etc::PreferencesParts=/dev/null
		-o Dir::State::Lists="$newer_aptdir/lists"
		-o Dir::State::status="$newer_aptdir/status"
		-o Dir::Cache="$newer_aptdir/cache"
		-o APT::Architectures::=amd64 -o APT::Architectures::=arm64
		-o Acquire::Languages=none)
	# Downloads land in build/, which apt's unprivileged _apt user cannot write.
	[ "$(id -u)" -ne 0 ] || opts+=(-o APT::Sandbox::User=root)
	printf '%s\n' "${opts[@]}"
}

newer_apt() {
	local opts
	mapfile -t opts < <(newer_apt_opts)
	apt-get "${opts[@]}" "$@"
}

newer_apt_cache() {
	local opts
	mapfile -t opts < <(newer_apt_opts)
	apt-cache "${opts[@]}" "$@"
}

# The Debian mirror the machine already uses, from its deb822 or one-line sources.
newer_apt_uri() {
	local uri
	uri=$(awk 'BEGIN { RS = ""; FS = "\n" }
		/(^|\n)Types:[^\n]*deb/ && !/(^|\n)Enabled:[ \t]*no/ {
			for (i = 1; i <= NF; i++)
				if ($i ~ /^URIs:/) { split($i, w, /[ \t]+/); print w[2] }
		}' /etc/apt/sources.list.d/*.sources 2>/dev/null |
		grep -v -- '-security' | grep '/debian/\?$' | head -n1 || true)
	if [ -z "$uri" ]; then
		uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
			awk '$1 == "deb" && $0 !~ /security/ {
				for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }')
	fi
	[ -n "$uri" ] || die "no Debian archive URI in /etc/apt/sources.list{,.d}"
	echo "${uri%/}"
}

# Refreshes the private indexes at most once a day (they are ~100 MB).
newer_apt_update() {
	local uri suite stamp=$newer_aptdir/.updated
	mkdir -p "$newer_aptdir/lists/partial" "$newer_aptdir/cache/archives/partial"
	[ -f "$newer_aptdir/status" ] || : >"$newer_aptdir/status"
	uri=$(newer_apt_uri)
	{
		for suite in "${newer_suites[@]}"; do
			echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri $suite main"
			echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri $suite main"
		done
	} >"$newer_aptdir/sources.list.new"
	if cmp -s "$newer_aptdir/sources.list.new" "$newer_aptdir/sources.list" &&
		[ -n "$(find "$stamp" -mmin -1440 2>/dev/null)" ]; then
		rm -f "$newer_aptdir/sources.list.new"
		return 0
	fi
	mv "$newer_aptdir/sources.list.new" "$newer_aptdir/sources.list"
	say "updating the private apt index of ${newer_suites[*]} ($uri) in ${newer_aptdir#"$top"/}"
	newer_apt -qq update || die "apt-get update of ${newer_suites[*]} failed"
	touch "$stamp"
}

# Downloads PKG[:ARCH] (the newest version of any of the suites) into DIR, once;
# prints the .deb's path.
newer_apt_download() { # PKG DIR
	local pkg=$1 dir=$2 name arch version fv file
	name=${pkg%%:*}
	arch=amd64
	[ "$name" = "$pkg" ] || arch=${pkg#*:}
	version=$(newer_apt_cache policy "$pkg" | awk '/Candidate:/ { print $2 }')
	[ -n "$version" ] && [ "$version" != "(none)" ] || die "no $pkg in ${newer_suites[*]}"
	fv=${version//:/%3a}
	mkdir -p "$dir"
	file=$(ls "$dir/${name}_${fv}_"{"$arch",all}.deb 2>/dev/null | head -n1 || true)
	if [ -z "$file" ]; then
		(cd "$dir" && newer_apt -qq download "$pkg=$version") >&2 ||
			die "cannot download $pkg $version"
		file=$(ls "$dir/${name}_${fv}_"{"$arch",all}.deb 2>/dev/null | head -n1 || true)
	fi
	[ -n "$file" ] || die "download of $pkg $version left no .deb in $dir"
	echo "$file"
}
