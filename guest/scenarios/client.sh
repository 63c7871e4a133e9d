#!/bin/sh
# The guest-side client: send commands to pmuvisor's shell by hypercall.
# Each reply line and each exit status is reported as a marker.
run() {
	out=$(/bin/pmuvisor "$@" 2>&1)
	rc=$?
	printf '%s\n' "$out" | while IFS= read -r line; do
		echo "PMUVISOR-GUEST: client: $line"
	done
	echo "PMUVISOR-GUEST: client-status $* = $rc"
}
run cpuid 0x40000000
run frobnicate
run pause
exit 0
