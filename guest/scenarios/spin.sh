#!/bin/sh
# A CPU-bound guest that shows its progress: the console tests pause and
# resume it.  Runs until the machine is stopped.
i=0
while :; do
	i=$((i + 1))
	if [ $((i % 2000)) -eq 0 ]; then
		echo "PMUVISOR-GUEST: progress $i"
	fi
done
