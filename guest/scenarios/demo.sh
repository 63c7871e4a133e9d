#!/bin/sh
# make run's workload: a little of everything the profiler should see —
# the guest kernel clearing memory (reading /dev/zero), user space doing
# plain work, and CPUID exits that pmuvisor handles.  pmuvisor's console
# starts and stops the profile around it (tests/integration/run_demo.py).
echo "PMUVISOR-GUEST: demo ready"
sleep 2
echo "PMUVISOR-GUEST: demo workload begin"
dd if=/dev/zero of=/dev/null bs=65536 count=2000 2>/dev/null
/bin/profload shares 40 >/dev/null
/bin/profload cpuid 20000 >/dev/null
echo "PMUVISOR-GUEST: demo workload end"
sleep 600
