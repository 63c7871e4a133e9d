#!/bin/sh
# make run's workload, in two parts.
#
# Guest-wide (vpmu=on): the seed paper's experiment, perf in the guest
# profiling a program that drives pmuvisor's demo device, under
# cpu-switch and then domain-switch (guest/scenarios/seed.sh).
#
# System-wide: a little of everything the profiler should see — the guest
# kernel clearing memory (reading /dev/zero), user space doing plain work,
# and CPUID exits that pmuvisor handles.  pmuvisor's console starts the
# profile (tests/integration/run_demo.py); the workload stops it and the
# console reports. The two kinds of profiling are not run together: the
# guest's counters are stopped first ('vpmu off', once the NMI watchdog
# has let go of its counter).
sh /scenarios/seed.sh || echo "PMUVISOR-GUEST: demo: the seed experiment failed"
echo 0 >/proc/sys/kernel/nmi_watchdog
/bin/pmuvisor vpmu off | sed 's/^/PMUVISOR-GUEST: demo: /'
echo "PMUVISOR-GUEST: demo ready"
# Start when the profile does (asked through the client, guest_control=on):
# an idle guest sampled finely crawls in an emulator, which must skip
# through idle time one sample at a time.
# Short naps: idle time under a fine profile is all idle samples.
i=0
until /bin/pmuvisor prof status 2>/dev/null | grep -q '^prof: running'; do
	i=$((i + 1))
	[ $i -le 60000 ] || { echo "PMUVISOR-GUEST: demo: the profile never started"; exit 1; }
	sleep 0.001
done
echo "PMUVISOR-GUEST: demo workload begin"
dd if=/dev/zero of=/dev/null bs=65536 count=2000 2>/dev/null
/bin/profload shares 40 >/dev/null
/bin/profload cpuid 20000 >/dev/null
# Stop at once, not when the console gets round to it: an idle guest
# would fill the profile meanwhile.
/bin/pmuvisor prof stop | sed 's/^/PMUVISOR-GUEST: demo: /'
echo "PMUVISOR-GUEST: demo workload end"
sleep 600
