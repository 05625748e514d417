# zbt.test=fuzz (the hardened kernel: KASAN with vmalloc shadow, kmemleak;
# booted with panic_on_warn=1, so any KASAN report, WARN or BUG ends the boot,
# and printk.devkmsg=on, so no case line is rate-limited away):
# zbt fuzz for zbt.fuzz.seconds (150) from run seed zbt.fuzz.seed (1) over
# small images of every compression method (two of them signed, so that the
# PE verifier parses damaged tables too) and, at a lower weight, the real
# payload kernel in gzip and zstd; then a kmemleak scan, and a good image must
# still kexec. tests/e2e/fuzz_e2e.py rebuilds the case of a failure on the host.
seconds=$(arg zbt.fuzz.seconds || echo 150)
seed=$(arg zbt.fuzz.seed || echo 1)
kmemleak_baseline
log "kmemleak baseline cleared"
log "fuzz: $seconds s from run seed $seed"
# shellcheck disable=SC2046 # one BASE per word
zbt fuzz --seed "$seed" --seconds "$seconds" --weight 8 $(ls /fuzz/*.efi) \
	--weight 1 /corpus/base/gzip.efi /corpus/base/zstd.efi || fail "fuzz"
log "fuzz done"
kmemleak_check
log "all done; now a good image must still boot"
. /scenarios/kexec.sh
