#!/bin/sh
# Report what the guest sees of its hypervisor, and the kernel's warnings.
out=$(/bin/vmcheck)
rc=$?
[ -n "$out" ] && printf '%s\n' "$out" | while IFS= read -r line; do
	echo "PMUVISOR-GUEST: $line"
done
if grep -qw hypervisor /proc/cpuinfo; then
	echo "PMUVISOR-GUEST: cpuinfo_hypervisor=yes"
else
	echo "PMUVISOR-GUEST: cpuinfo_hypervisor=no"
fi
# Kernel log lines of priority warning or worse (<0>..<4>), without their
# timestamps, so that two boots can be compared line by line.
dmesg -r | sed -n 's/^<[0-4]>\[ *[0-9.]*\] \{0,1\}//p' | while IFS= read -r line; do
	echo "PMUVISOR-GUEST: klog: $line"
done
echo "PMUVISOR-GUEST: klog-end"
exit $rc
