# zbt.test=systemd-uki zbt.image=FILE zbt.want=loaded|refused (boot with
# initramfs-systemd.cpio): Debian's own, unmodified `systemctl kexec` on a Boot
# Loader Spec type #2 entry: the UKI /images/FILE as $ESP/EFI/Linux/zbt.efi.
# The ESP is a directory here, named with systemd's documented overrides
# ($SYSTEMD_ESP_PATH, $SYSTEMD_RELAX_ESP_CHECKS=1: no vfat partition needed).
# As in systemd.sh, systemctl loads the entry, cannot reach a service manager
# and exits 1; reboot(LINUX_REBOOT_CMD_KEXEC) is then ours (systemd-lib.sh).
. /scenarios/systemd-lib.sh
image=$(arg zbt.image)
systemd_setup

esp=/efi
mkdir -p $esp/EFI/Linux $esp/loader/entries
ln "/images/$image" $esp/EFI/Linux/zbt.efi || cp "/images/$image" $esp/EFI/Linux/zbt.efi
log "entry: type #2 $esp/EFI/Linux/zbt.efi ($image)"

systemctl_kexec "$image" SYSTEMD_ESP_PATH=$esp SYSTEMD_RELAX_ESP_CHECKS=1
