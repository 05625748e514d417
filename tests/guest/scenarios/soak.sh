# zbt.test=soak zbt.cycles=N (hardened kernel): N cycles of load / load again
# (replacing it) / unload of the small gzip and zstd images in one process,
# with vmalloc and slab usage measured before and after, then a kmemleak scan
# and a clean kexec.
#
# Tolerances, from the spread seen between repeated measurements and over
# 2000 cycles (no trend after the first few hundred): VmallocUsed must be
# back exactly; the live slab bytes (active objects x object size, all caches,
# /proc/slabinfo) within 512 KiB; SUnreclaim (whole slab pages, so partly
# fragmentation) within 1 MiB. Any one object left behind per cycle and not
# found by kmemleak would show up as at least 1000 objects.
cycles=$(arg zbt.cycles || echo 1000)
a=/images/small-gzip.efi
b=/images/small-zstd.efi
# Memory settled: RCU callbacks run, KASAN's quarantine of freed objects
# drained and empty slabs freed (kmem_cache_shrink on every cache); prints
# "VmallocUsed SUnreclaim Slab live-slab" in kB.
settled() {
	for pass in 1 2; do
		sleep 1
		for f in /sys/kernel/slab/*/shrink; do echo 1 >"$f"; done 2>/dev/null
	done
	awk '/^(VmallocUsed|SUnreclaim|Slab):/ { v[$1] = $2 }
		END { printf "%d %d %d ", v["VmallocUsed:"], v["SUnreclaim:"], v["Slab:"] }' /proc/meminfo
	awk 'NR > 2 { live += $2 * $4 } END { printf "%d\n", live / 1024 }' /proc/slabinfo
}
# The loader's lines of every load stay in the log buffer, off the console
# (errors and warnings, KASAN's included, still reach it).
dmesg -n 5
# Warm up: caches, the kexec core's first-use allocations, lazily freed
# vmalloc areas; then the kmemleak baseline and the memory baseline.
zbt soak 100 $a $b || fail "soak warm-up"
kmemleak_baseline
set -- $(settled)
v0=$1 u0=$2 s0=$3 l0=$4
log "soak memory before: VmallocUsed $v0 kB, SUnreclaim $u0 kB, Slab $s0 kB, live slab $l0 kB"
zbt soak "$cycles" $a $b || fail "soak"
set -- $(settled)
v1=$1 u1=$2 s1=$3 l1=$4
dmesg -n 7
log "soak memory after: VmallocUsed $v1 kB, SUnreclaim $u1 kB, Slab $s1 kB, live slab $l1 kB"
dv=$((v1 - v0)) du=$((u1 - u0)) ds=$((s1 - s0)) dl=$((l1 - l0))
log "soak memory delta: VmallocUsed $dv kB, SUnreclaim $du kB, Slab $ds kB, live slab $dl kB"
if [ $dv -eq 0 ] && [ $dl -le 512 ] && [ $du -le 1024 ]; then
	log "soak memory within tolerance (VmallocUsed 0 kB, live slab 512 kB, SUnreclaim 1024 kB)"
else
	fail "soak memory over tolerance (VmallocUsed 0 kB, live slab 512 kB, SUnreclaim 1024 kB)"
fi
kmemleak_check
log "soak done; now a good image must still boot"
. /scenarios/kexec.sh
