# Files the zboot loader must refuse (and nothing oopses), then the test
# kernel's own zboot image (zbt.own=FILE: its arch/arm64/boot/vmlinuz.efi),
# which must load, and the payload kernel's.
own=$(arg zbt.own || echo vmlinuz-test.efi)
zbt expect EINVAL /images/garbage.bin
zbt expect EINVAL /images/empty
zbt expect 0 "/images/$own" && zbt unload
zbt expect 0 /images/vmlinuz-gzip.efi && zbt unload
