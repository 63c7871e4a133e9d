#!/bin/sh
# The profiler's ground truth: each workload runs between 'prof start' and
# 'prof stop' sent by the guest itself (guest_control=on), and pmuvisor's
# report is printed here, one marker per line.  The last profile is left
# for pmuvisor's console to report (the test asks for it on COM2).
client() {
	/bin/pmuvisor "$@" 2>&1 | while IFS= read -r line; do
		echo "PMUVISOR-GUEST: prof: $line"
	done
}
step() { echo "PMUVISOR-GUEST: prof-step $*"; }

# 1. Known instruction shares in user space (and who called them: the
#    program is built with frame pointers).
step shares begin
client prof start period=20000 callchain=4
/bin/profload shares 150 | sed 's/^/PMUVISOR-GUEST: /'
client prof stop
client prof report by=address top=60
client prof report by=caller top=5
step shares end

# 2. pmuvisor's time: a CPUID loop, every CPUID an exit.
step cpuid begin
client prof start period=20000
/bin/profload cpuid 40000 | sed 's/^/PMUVISOR-GUEST: /'
client prof stop
client prof report by=exit top=5
client prof report top=10
step cpuid end

# 3. The guest kernel: reading /dev/zero is clearing user memory.
step kernel begin
client prof start period=20000
dd if=/dev/zero of=/dev/null bs=65536 count=3000 2>/dev/null
client prof stop
step kernel end
# Wait here while the test reads the report on pmuvisor's console.
sleep 600
