# make run: show the loader's job, loudly.
image=$(arg zbt.image)
log "this is the first kernel: $(uname -r)"
log "kexec_file_load(/images/$image) -- a zboot image, $(wc -c </images/$image) bytes"
. /scenarios/kexec.sh
