# zbt.test=corpus: every case of the hostile corpus (tests/corpus/), rebuilt in
# tmpfs from its recipe, must get its errno from kexec_file_load(2); then a
# good zboot image must still load and boot in the same boot.
tab=$(printf '\t')
tried=0
as_expected=0
loaded=0
while IFS=$tab read -r name want base ops; do
	tried=$((tried + 1))
	file=/corpus/files/$name
	if [ "$base" != - ]; then
		file=/tmp/case
		# shellcheck disable=SC2086 # $ops is a list of zbt mutate options
		if ! zbt mutate "/corpus/base/$base.efi" "$file" $ops >/dev/null; then
			fail "corpus $name: cannot rebuild the case"
			continue
		fi
	fi
	if result=$(zbt expect "$want" "$file"); then
		as_expected=$((as_expected + 1))
		if [ "$want" = 0 ]; then
			loaded=$((loaded + 1))
			zbt unload >/dev/null || fail "corpus $name: unload"
		fi
	else
		fail "corpus $name: ${result#zbt: FAIL }"
	fi
	rm -f /tmp/case
done </corpus/manifest
log "corpus: $tried cases tried, $as_expected as expected ($loaded good loaded, $((as_expected - loaded)) refused with the expected errno)"
if [ "$(arg zbt.after)" = kexec ]; then
	log "corpus done; now a good image must still boot"
	. /scenarios/kexec.sh
fi
