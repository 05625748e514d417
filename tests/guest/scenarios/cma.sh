# zbt.test=cma (7.x, booted with kmemleak=on cma=32M): since 6.17
# kexec_add_buffer() places a segment in a CMA block when it can. When the
# other segments do not fit next to a kernel placed there, the loader gives
# the segment up and retries outside CMA with kexec_buf_retry(), which
# releases the block (before arch-arm64/7.x/patches/kexec.patch, kexec_image.c's
# retry loop forgot the segment and leaked it). KEXEC_FILE_DEBUG (--flags 8)
# makes the core and the abstraction log every placement. The CMA area's own
# count of allocated pages (debugfs cma/*/used) is the measure: CmaFree also
# moves with the movable pages the kernel puts in free CMA memory.
kmemleak_baseline
cma_used() { cat /sys/kernel/debug/cma/*/used; }
base=$(cma_used)
log "cma: $(grep -E '^Cma(Total|Free)' /proc/meminfo | tr -s ' ' | tr '\n' ' ')pages in use: $base"

# 1. A load with the small initrd: the kernel lands in CMA.
zbt load --flags 8 --initrd /stage2.cpio /images/vmlinuz-zstd.efi || fail "cma: small load"
loaded=$(cma_used)
log "cma: small initrd loaded; CMA pages in use $loaded (before: $base)"
[ "$loaded" -gt "$base" ] || fail "cma: the kernel did not go into CMA"
zbt unload >/dev/null
if [ "$(cma_used)" = "$base" ]; then
	log "cma: small initrd unloaded; CMA pages in use back to $base"
else
	fail "cma: $(cma_used) CMA pages in use after unload, $base before"
fi

# 2. An initrd that fits neither in what is left of CMA nor in RAM above the
# kernel's block: the kernel must move out of CMA, and its block come back.
cma_kib=$(sed -n 's/^CmaTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo)
big_mib=$((cma_kib / 1024 - 2))
dd if=/dev/zero of=/tmp/big-initrd bs=1M count="$big_mib" 2>/dev/null
log "cma: loading with a ${big_mib} MiB initrd"
if zbt load --flags 8 --initrd /tmp/big-initrd /images/vmlinuz-zstd.efi; then
	log "cma: big initrd loaded; CMA pages in use $(cma_used)"
	zbt unload >/dev/null
	if [ "$(cma_used)" = "$base" ]; then
		log "cma: big initrd unloaded; CMA pages in use back to $base"
	else
		fail "cma: $(cma_used) CMA pages in use after the retried load, $base before"
	fi
else
	fail "cma: the load with a ${big_mib} MiB initrd failed"
fi

# 3. The C raw-Image loader, through the same retry (kexec_image.c, fixed by
# the same patch: it used to leave the kernel's block allocated).
if zbt load --flags 8 --initrd /tmp/big-initrd /images/payload-Image; then
	log "cma: kexec_image_ops: big initrd loaded; CMA pages in use $(cma_used)"
	zbt unload >/dev/null
	if [ "$(cma_used)" = "$base" ]; then
		log "cma: kexec_image_ops: big initrd unloaded; CMA pages in use back to $base"
	else
		fail "cma: kexec_image_ops left $(( $(cma_used) - base )) CMA pages allocated"
	fi
else
	fail "cma: kexec_image_ops: the load with a ${big_mib} MiB initrd failed"
fi
rm -f /tmp/big-initrd

kmemleak_check "cma: "
