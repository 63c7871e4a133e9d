#!/bin/sh
# Debian's perf, unmodified, on pmuvisor's virtual PMU (vpmu=on): perf
# stat counts a program of known length, perf record samples through PMIs
# and perf report names the guest's functions, user and kernel.
mark() { echo "PMUVISOR-GUEST: $*"; }
fail() { mark "$*"; exit 1; }
[ -x /usr/bin/perf ] || fail "no perf in this initramfs (initrd-perf.cpio)"
mark "perf-version $(perf version 2>&1)"
mark "nmi_watchdog $(cat /proc/sys/kernel/nmi_watchdog)"
# Fine sampling of a fast emulated clock looks like an interrupt storm to
# perf (over 400 samples a tick), which would then throttle the event for
# the rest of each tick and lose samples: raise the limit, then keep perf
# from lowering it again (in this order: the kernel refuses a new rate
# once that is off).
echo 1000000 >/proc/sys/kernel/perf_event_max_sample_rate || fail "cannot raise perf_event_max_sample_rate"
echo 0 >/proc/sys/kernel/perf_cpu_time_max_percent || fail "cannot set perf_cpu_time_max_percent"

# 20 rounds of profload: exactly 20,000,000 instructions in its loops.
perf stat -x, -e cycles,instructions -o /tmp/stat.csv /bin/profload shares 20 >/dev/null ||
	fail "perf stat failed"
grep -v '^#' /tmp/stat.csv | grep . | while IFS= read -r line; do mark "stat: $line"; done

# User functions: the 50/30/20 program, sampled every 20,000 cycles.
perf record -q -e cycles -c 20000 -o /tmp/user.data /bin/profload shares 30 >/dev/null 2>/tmp/err ||
	fail "perf record failed: $(cat /tmp/err)"
perf report -i /tmp/user.data --stdio -n --sort sym 2>/tmp/err >/tmp/user.txt ||
	fail "perf report failed: $(cat /tmp/err)"
grep -E '^#.*(Samples|Event count)|%' /tmp/user.txt | head -12 |
	while IFS= read -r line; do mark "user: $line"; done

# Kernel functions: dd from /dev/zero spends its time clearing user memory.
perf record -q -e cycles -c 100000 -o /tmp/kernel.data \
	dd if=/dev/zero of=/dev/null bs=64k count=400 2>/tmp/err || fail "perf record dd failed: $(cat /tmp/err)"
perf report -i /tmp/kernel.data --stdio -n --sort sym 2>/tmp/err >/tmp/kernel.txt ||
	fail "perf report dd failed: $(cat /tmp/err)"
grep -E '%' /tmp/kernel.txt | head -8 | while IFS= read -r line; do mark "kernel: $line"; done
/bin/pmuvisor vpmu status | head -1 | while IFS= read -r line; do mark "status: $line"; done
