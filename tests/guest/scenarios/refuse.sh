# Files the zboot loader must refuse (and nothing oopses), then the test
# kernel's own arch/arm64/boot/vmlinuz.efi, which must load.
zbt expect EINVAL /images/garbage.bin
zbt expect EINVAL /images/empty
zbt expect 0 /images/vmlinuz-test.efi && zbt unload
zbt expect 0 /images/vmlinuz-gzip.efi && zbt unload
