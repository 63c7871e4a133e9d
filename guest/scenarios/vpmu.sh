#!/bin/sh
# The guest's own PMU driver on pmuvisor's virtual PMU (vpmu=on): what
# Linux found, a count of a loop of known length, and the same CPUID loop
# counted under each accounting policy (switched through the client).
mark() { echo "PMUVISOR-GUEST: $*"; }
dmesg | grep -E 'Performance Events|PMU' | while IFS= read -r line; do mark "dmesg: $line"; done
[ -d /sys/bus/event_source/devices/cpu ] && mark "pmu-registered yes" || mark "pmu-registered no"
# CPUID 0xA: the guest's own answer and what pmuvisor's shell says the
# guest sees (the virtual PMU's leaf).
mark "leaf-0xa guest $(/bin/pmucount leaf 0xa 2>&1)"
mark "leaf-0xa shell $(/bin/pmuvisor cpuid 0xa 2>&1)"
mark "loop $(/bin/pmucount loop 10000000 2>&1)"
mark "sample $(/bin/pmucount sample 10000000 1000000 2>&1)"
for policy in cpu-switch domain-switch; do
	/bin/pmuvisor vpmu policy $policy >/dev/null
	mark "policy=$policy $(/bin/pmucount cpuid 20000 2>&1)"
done
/bin/pmuvisor vpmu status | while IFS= read -r line; do mark "status: $line"; done
# 'vpmu off' and 'vpmu on' at run time: refused while a guest counter is
# enabled (here the NMI watchdog's), and while a system-wide profile runs.
mark "off-busy $(/bin/pmuvisor vpmu off 2>&1)"
echo 0 >/proc/sys/kernel/nmi_watchdog
mark "off $(/bin/pmuvisor vpmu off 2>&1)"
mark "loop-off $(/bin/pmucount loop 10000000 2>&1)"
mark "prof-while-off $(/bin/pmuvisor prof start period=1000000 2>&1)"
mark "on-while-prof $(/bin/pmuvisor vpmu on 2>&1)"
/bin/pmuvisor prof stop >/dev/null
mark "on $(/bin/pmuvisor vpmu on 2>&1)"
mark "loop-on $(/bin/pmucount loop 10000000 2>&1)"
mark "prof-while-on $(/bin/pmuvisor prof start 2>&1)"
