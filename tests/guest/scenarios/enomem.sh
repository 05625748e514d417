# zbt.test=enomem: with most of RAM held by a tmpfs file, an image whose
# declared size is within the limit but cannot be allocated gets ENOMEM,
# quietly: no allocation-failure splat, no OOM kill. Then the memory is given
# back and a good image loads.
# What stays free must serve the unmovable allocations of init and the kernel:
# CMA (part of MemAvailable) serves only movable ones, such as tmpfs pages.
avail_kib=$(sed -n 's/^MemAvailable: *\([0-9]*\) kB/\1/p' /proc/meminfo)
cma_kib=$(sed -n 's/^CmaFree: *\([0-9]*\) kB/\1/p' /proc/meminfo)
fill_mib=$(((avail_kib - ${cma_kib:-0}) / 1024 - 128))
log "MemAvailable ${avail_kib} kB; filling ${fill_mib} MiB of tmpfs"
mount -o remount,size=100% /tmp
dd if=/dev/zero of=/tmp/fill bs=1M count="$fill_mib" 2>/dev/null || fail "filling tmpfs"
log "MemAvailable now $(sed -n 's/^MemAvailable: *//p' /proc/meminfo)"
zbt expect ENOMEM /images/declares-400m.efi
# Give the memory back without a fork first (a shell redirection): right after
# the failed 400 MiB vmalloc, free pages may still sit on the other CPU's
# lists, and a fork from a nearly full machine could then wake the OOM killer,
# which has nothing to kill but init.
: >/tmp/fill
rm -f /tmp/fill
after_kib=$(sed -n 's/^MemAvailable: *\([0-9]*\) kB/\1/p' /proc/meminfo)
log "memory given back: MemAvailable ${after_kib} kB (${avail_kib} kB before)"
# Nothing the failed load took may stay taken (32 MiB of slack for caches).
[ "$after_kib" -ge $((avail_kib - 32768)) ] || fail "MemAvailable did not come back"
zbt expect 0 /images/vmlinuz-zstd.efi && zbt unload
