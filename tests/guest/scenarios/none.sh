# Boot only (KUnit runs before init when booted with kunit.enable=1).
log "nothing to do"
