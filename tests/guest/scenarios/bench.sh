# zbt.test=bench [zbt.reps=N]: `make bench` (tests/e2e/bench.py), in the
# bench initramfs of scripts/bench-prepare.sh. For each kernel set (the
# payload kernel, and Debian's cloud kernel when /images/debian-Image is
# there), N rounds, each timing once, in turn: kexec_file_load of the raw
# Image, of its gzip and zstd zboot images (plus the loader's "in U us" kernel
# line for that load, from dmesg), and the userspace route for both (payload
# cut out, decompressed by Debian's gzip/zstd into tmpfs, raw result loaded;
# and the same route stopped after decompression), and the real
# `kexec -s -l` of the zboot image with kexec-tools 2.0.32 as released and
# with our series (tests/kexec-tools/2.0.32); for the payload set also the
# signed UKI around its zstd zboot, the same three ways as the zboot image. Interleaving the cases
# spreads any drift of the host's speed over all of them. Then N rounds of
# memory samples (zbt mem-load) of the same loads. One untimed warm-up round
# first. Kernel messages are kept off the (slow, emulated) console while
# measuring, as a console write inside a load would be timed with it: the
# kernel log is drained with dmesg -c instead, its loader lines tagged for the
# host, and anything alarming (oops, warning...) echoed to the console.
reps=$(arg zbt.reps || echo 7)
dmesg -n 1
chmod 0755 /bench/bin/* /lib/ld-linux-aarch64.so.1
sets=payload
[ ! -f /images/debian-Image ] || sets="$sets debian"
log "bench: $reps rounds; sets: $sets; $(grep -c ^processor /proc/cpuinfo) cpus;" \
	"$(grep MemTotal /proc/meminfo | tr -s ' ')"
if /bench/bin/zstd --version >/dev/null && /bench/bin/gzip --version >/dev/null; then
	log "bench: $(/bench/bin/zstd --version | head -n1); $(/bench/bin/gzip --version | head -n1)"
else
	fail "bench: the userspace decompressors do not run"
fi

raw_of() { if [ "$1" = payload ]; then echo payload-Image; else echo debian-Image; fi; }
zboot_of() { if [ "$1" = payload ]; then echo "vmlinuz-$2.efi"; else echo "debian-$2.efi"; fi; }

# Drains the kernel log: [IMAGE] tags the loader's lines with /images/IMAGE;
# alarming lines go to the console as they are, for the host to see.
alarm='Oops|BUG:|WARNING:|Unable to handle kernel|Kernel panic|Call trace:|KASAN|UBSAN'
kmsg() {
	dmesg -c >/tmp/kmsg
	grep -E "$alarm" /tmp/kmsg >/dev/console || true
	[ -n "${1:-}" ] || return 0
	grep 'kexec_file(zboot)' /tmp/kmsg | while IFS= read -r line; do
		log "bench kmsg /images/$1 $line"
	done
}

# One timed round over a set: each case once.
time_round() {
	local set=$1 raw m z
	raw=$(raw_of "$set")
	zbt time-load 1 "/images/$raw" || fail "bench: time-load $raw"
	for m in gzip zstd; do
		z=$(zboot_of "$set" $m)
		kmsg
		zbt time-load 1 "/images/$z" || fail "bench: time-load $z"
		kmsg "$z"
		zbt time-cmd 1 --unload "userspace:/images/$z" -- \
			/bin/sh /bench/userspace.sh load $m "/images/$z"
		zbt time-cmd 1 "decompress:/images/$z" -- \
			/bin/sh /bench/userspace.sh decompress $m "/images/$z"
		# The real kexec -s -l, end to end: kexec-tools 2.0.32 as released
		# (decompresses in user space), then with our series (the file goes
		# to the kernel as it is). Their loader lines are drained untagged.
		zbt time-cmd 1 --unload "kexec-tools-userspace:/images/$z" -- \
			/bin/kexec-unpatched -s -l "/images/$z"
		zbt time-cmd 1 --unload "kexec-tools-kernel:/images/$z" -- \
			/bin/kexec -s -l "/images/$z"
		kmsg
	done
	[ "$set" = payload ] || return 0
	# The signed UKI around the payload's zstd zboot: through the kernel's UKI
	# loader (raw syscall, and kexec -s -l of our series), and unwrapped in
	# user space by the released kexec-tools (.linux cut out, its zboot payload
	# decompressed, the Image loaded: what systemd does too when a kernel
	# refuses the UKI).
	u=/images/uki-zstd.signed.efi
	zbt time-load 1 "$u" || fail "bench: time-load $u"
	kmsg
	zbt time-cmd 1 --unload "kexec-tools-userspace:$u" -- /bin/kexec-unpatched -s -l "$u"
	zbt time-cmd 1 --unload "kexec-tools-kernel:$u" -- /bin/kexec -s -l "$u"
	kmsg
}

mem_round() {
	local set=$1 raw m z
	zbt mem-load 1 "/images/$(raw_of "$set")"
	for m in gzip zstd; do
		zbt mem-load 1 "/images/$(zboot_of "$set" $m)"
	done
	kmsg
}

for set in $sets; do
	log "bench: warm-up round ($set)"
	time_round "$set" >/dev/null
	mem_round "$set" >/dev/null
	kmsg
done
round=1
while [ "$round" -le "$reps" ]; do
	log "bench: timing round $round"
	for set in $sets; do time_round "$set"; done
	round=$((round + 1))
done
round=1
while [ "$round" -le "$reps" ]; do
	log "bench: memory round $round"
	for set in $sets; do mem_round "$set"; done
	round=$((round + 1))
done
kmsg
dmesg -n 7
log "bench: done"
