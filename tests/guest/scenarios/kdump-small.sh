# zbt.test=kdump-small zbt.image=FILE (boot with a crashkernel= too small for
# FILE): the loader must refuse before decompressing, naming both sizes.
image=$(arg zbt.image)
log "crash reservation: $(grep -i 'crash kernel' /proc/iomem | tr -s ' ')"
zbt expect EADDRNOTAVAIL --crash --initrd /stage2.cpio "/images/$image"
log "kexec_crash_loaded=$(cat /sys/kernel/kexec_crash_loaded)"
