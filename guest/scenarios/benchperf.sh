#!/bin/sh
# make bench: what profiling costs the guest at the same sample rate,
# guest-wide (perf record in the guest, on the virtual PMU) and
# system-wide (pmuvisor's profiler, timer backend): a 30,000,000-
# instruction program timed by its own RDTSC, plain and under each.
mark() { echo "PMUVISOR-GUEST: $*"; }
fail() { mark "$*"; exit 1; }
# As in perf.sh: let perf sample this fast clock without throttling.
echo 1000000 >/proc/sys/kernel/perf_event_max_sample_rate || fail "cannot raise perf_event_max_sample_rate"
echo 0 >/proc/sys/kernel/perf_cpu_time_max_percent || fail "cannot set perf_cpu_time_max_percent"
pmis() { /bin/pmuvisor vpmu status | sed -n 's/.*PMIs delivered \([0-9]*\),.*/\1/p'; }
mark "bench plain $(/bin/profload timed 30)"
before=$(pmis)
out=$(perf record -q -e cycles -c 20000 -o /tmp/bench.data /bin/profload timed 30 2>/dev/null) ||
	fail "perf record failed"
mark "bench guest-wide $out samples=$(($(pmis) - before))"
echo 0 >/proc/sys/kernel/nmi_watchdog
/bin/pmuvisor vpmu off >/dev/null || fail "vpmu off: $(/bin/pmuvisor vpmu off)"
/bin/pmuvisor prof start period=20000 >/dev/null || fail "prof start failed"
out=$(/bin/profload timed 30)
mark "bench system-wide $out $(/bin/pmuvisor prof stop)"
