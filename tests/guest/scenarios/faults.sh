# zbt.test=faults (hardened kernel with fault injection, crashkernel=): loads
# in which allocations fail, then a kmemleak scan and a clean kexec.
#  1. Deterministic: for n = 1, 2, ... exactly the n-th allocation of one
#     kexec_file_load fails (/proc/thread-self/fail-nth), until a load leaves
#     the fault unused: every allocation point of a load and a crash load of
#     the small gzip and zstd images, and of a crash load of the real zstd
#     image (a normal load of a real image has ~1400, mostly its segment pages,
#     one per 4 KiB: too slow to sweep under KASAN).
#  2. Random: failslab and fail_page_alloc fire at random in the loading task
#     only (task-filter, make-it-fail set around the system call by zbt).
# zbt checks after every load that it either loaded or failed with nothing
# left loaded, and that the loader logged at most one line; it prints
# "zbt: FAIL ..." otherwise.
kmemleak_baseline
log "kmemleak baseline cleared"
dbg=/sys/kernel/debug
append="zbt.faults=1"

# fault_attr NAME=VALUE... for both attributes. Both skip GFP_KERNEL
# allocations by default (ignore-gfp-wait), fail_page_alloc also order-0 and
# __GFP_HIGHMEM ones (vmalloc pages, the kimage's segment pages): open them.
# verbose 1 logs one line per injected fault (2, the default, adds a stack
# dump each time); faults of __GFP_NOWARN allocations are never logged.
fault_attr() {
	for attr in failslab fail_page_alloc; do
		for kv in "$@"; do
			echo "${kv#*=}" >"$dbg/$attr/${kv%%=*}" || fail "$attr/${kv%%=*}"
		done
	done
}
fault_attr ignore-gfp-wait=N space=0
echo N >$dbg/fail_page_alloc/ignore-gfp-highmem
echo 0 >$dbg/fail_page_alloc/min-order

# zbt loads with KEXEC_FILE_DEBUG (it reads the loader's lines from
# /dev/kmsg): those lines stay off the slow console, errors and warnings
# (allocation-failure reports, KASAN) still reach it.
dmesg -n 5

# 1. fail-nth: probability 0, so nothing fires but the n-th allocation.
fault_attr probability=0 verbose=1 task-filter=N times=-1
# zbt prints "zbt: FAIL ..." for anything wrong (the harness looks for it).
sweep() {
	zbt fail-nth-sweep --append "$append" "$@" | tee /tmp/sweep.out
	points=$(sed -n 's/^zbt: sweep.*allocation points \([0-9]*\),.*/\1/p' /tmp/sweep.out)
}
sweep /images/small-gzip.efi
points_gzip=$points
sweep /images/small-zstd.efi
sweep --crash /images/small-gzip.efi
sweep --crash /images/small-zstd.efi
sweep --crash /images/vmlinuz-zstd.efi
log "fail-nth sweeps done"

# 2. Random faults. Of every INTERVAL eligible allocations of the loading task
# one fails with 1 % probability: about one fault every two loads of a small
# image (points_gzip allocations); zbt counts them from the `times` budgets.
interval=$(( (${points_gzip:-300} + 99) / 100 ))
fault_attr verbose=0 task-filter=Y times=1000000 space=0 interval=$interval probability=1
log "random faults: probability 1% every $interval allocations of the loading task"
zbt fault-loads 240 --append "$append" /images/small-gzip.efi /images/small-zstd.efi
zbt fault-loads 60 --crash --append "$append" /images/small-zstd.efi /images/small-gzip.efi
# The real images have about ten times more allocations (their segment pages):
# a quarter of the rate, about one fault per load.
fault_attr interval=$((interval * 4))
zbt fault-loads 40 --append "$append" /images/vmlinuz-zstd.efi /images/vmlinuz-gzip.efi
fault_attr probability=0 times=-1
dmesg -n 7
log "random faults done"

kmemleak_check
log "faults done; now a good image must still boot"
. /scenarios/kexec.sh
