# zbt.test=hardened, on the KASAN + kmemleak kernel: the whole hostile corpus,
# then CYCLES rounds of load gzip / load zstd (replacing it) / unload, then two
# processes racing to load, then a kmemleak scan. Afterwards a good image must
# still kexec. Leaks are counted against a baseline cleared before the tests.
cycles=$(arg zbt.cycles || echo 100)
kmemleak_baseline
log "kmemleak baseline cleared"

. /scenarios/corpus.sh

loads=0
unloads=0
i=0
while [ $i -lt "$cycles" ]; do
	zbt load /images/vmlinuz-gzip.efi >/dev/null || fail "cycle $i: load gzip"
	zbt load /images/vmlinuz-zstd.efi >/dev/null || fail "cycle $i: load zstd over gzip"
	zbt unload >/dev/null || fail "cycle $i: unload"
	loads=$((loads + 2))
	unloads=$((unloads + 1))
	i=$((i + 1))
done
log "cycles: $cycles rounds, $loads good loads, $unloads unloads"

zbt race 10 /images/vmlinuz-gzip.efi || fail "race"

kmemleak_check

log "all done; now a good image must still boot"
. /scenarios/kexec.sh
