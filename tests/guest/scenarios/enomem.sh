# zbt.test=enomem: with most of RAM held by a tmpfs file, an image whose
# declared size is within the limit but cannot be allocated gets ENOMEM,
# quietly: no allocation-failure splat, no OOM kill. Then the memory is given
# back and a good image loads.
avail_kib=$(sed -n 's/^MemAvailable: *\([0-9]*\) kB/\1/p' /proc/meminfo)
fill_mib=$((avail_kib / 1024 - 96))
log "MemAvailable ${avail_kib} kB; filling ${fill_mib} MiB of tmpfs"
mount -o remount,size=100% /tmp
dd if=/dev/zero of=/tmp/fill bs=1M count="$fill_mib" 2>/dev/null || fail "filling tmpfs"
log "MemAvailable now $(sed -n 's/^MemAvailable: *//p' /proc/meminfo)"
zbt expect ENOMEM /images/declares-400m.efi
rm -f /tmp/fill
log "memory given back"
zbt expect 0 /images/vmlinuz-zstd.efi && zbt unload
