#!/bin/sh
# symbols=: the guest kernel named from a System.map on the ESP instead of
# its own kallsyms tables (pmuvisor slides the file's addresses by KASLR).
client() {
	/bin/pmuvisor "$@" 2>&1 | while IFS= read -r line; do
		echo "PMUVISOR-GUEST: prof: $line"
	done
}
client prof start period=20000
dd if=/dev/zero of=/dev/null bs=65536 count=2000 2>/dev/null
client prof stop
client prof report top=8
