# make run: the loader's job, as a user would do it.
image=$(arg zbt.image)
append="console=ttyAMA0 panic=-1 zbt.stage=2 zbt.from=$image"
log "this is the first kernel: $(uname -r)"
log "/images/$image is an EFI zboot image: $(head -c 2 /images/$image)..$(tail -c +5 /images/$image | head -c 4), $(wc -c </images/$image) bytes"
log "\$ kexec -s -l /images/$image --initrd=/stage2.cpio --append=\"$append\""
if kexec -s -l "/images/$image" --initrd=/stage2.cpio --append="$append"; then
	log "\$ kexec -e"
	kexec -e
fi
fail "kexec of $image"
