#!/bin/sh
# make soak (tests/integration/soak.py): rounds until the host types
# "stop" on this console.  Each round:
#   1. guest-wide: the virtual PMU on, its policy switched (cpu-switch and
#      domain-switch in turn), Debian's perf counting and sampling a
#      program of known length;
#   2. system-wide: the virtual PMU off, pmuvisor's profiler started and
#      stopped around a workload (every fourth round with a period so
#      short that the ring fills), its numbers checked against each other:
#      'prof stop', 'prof status' and 'prof report' agree on the samples,
#      the samples taken and dropped are the ones that fell due;
#   3. poke: the hostile payload's non-destructive attacks from Linux,
#      each round's answers the same as the first round's.
# One "soak round=N ok ..." line per round, or "soak round=N FAIL ...".
mark() { echo "PMUVISOR-GUEST: $*"; }
fail() { mark "soak round=$round FAIL $*"; exit 1; }
client() { /bin/pmuvisor "$@" 2>&1; }
[ -x /usr/bin/perf ] || { mark "soak FAIL no perf in this initramfs"; exit 1; }
echo 1000000 >/proc/sys/kernel/perf_event_max_sample_rate
echo 0 >/proc/sys/kernel/perf_cpu_time_max_percent
echo 0 >/proc/sys/kernel/nmi_watchdog # its counter would keep 'vpmu off' refused
resident=$(client info | sed -n 's/^resident memory at \(0x[0-9a-f]*\):.*/\1/p')
[ -n "$resident" ] || { mark "soak FAIL 'info' names no resident memory"; exit 1; }
mark "soak begin resident=$resident"

round=0
while :; do
	round=$((round + 1))
	# 1. guest-wide
	if [ $((round % 2)) -eq 1 ]; then policy=cpu-switch; else policy=domain-switch; fi
	out=$(client vpmu on)
	case $out in "vpmu: on"* | *"already on"*) ;; *) fail "vpmu on: $out" ;; esac
	out=$(client vpmu policy $policy) || fail "vpmu policy $policy: $out"
	perf stat -x, -e instructions:u -o /tmp/stat.csv /bin/profload shares 2 >/dev/null ||
		fail "perf stat failed"
	insns=$(sed -n 's/^\([0-9]*\),,instructions:u.*/\1/p' /tmp/stat.csv)
	# 2,000,000 in the loops, and the program's start and exit.
	[ -n "$insns" ] && [ "$insns" -ge 2000000 ] && [ "$insns" -le 2100000 ] ||
		fail "perf stat counted '$insns' instructions of a 2,000,000-instruction program"
	perf record -q -e instructions:u -c 20000 -o /tmp/soak.data /bin/profload shares 2 \
		>/dev/null 2>/tmp/err || fail "perf record failed: $(cat /tmp/err)"
	samples=$(perf report -i /tmp/soak.data --stdio -n --sort sym 2>/dev/null |
		awk '/work_(fifty|thirty|twenty)/ { n += $2 } END { print n + 0 }')
	# 2,000,000 / 20,000 = 100 samples fall in the three functions.
	[ "$samples" -ge 90 ] || fail "perf record: $samples samples in the work functions, not about 100"
	out=$(client vpmu off)
	case $out in "vpmu: off"*) ;; *) fail "vpmu off: $out" ;; esac

	# 2. system-wide
	# Every fourth round, 40,000,000 instructions at one sample per 2,000
	# ticks: more samples than the ring's 16,384, so some are dropped.
	if [ $((round % 4)) -eq 0 ]; then
		period=2000 work=40
	else
		period=$((20000 + round % 7 * 10000)) work=2
	fi
	chain=$((round % 3 * 4)) # 0 (none), 4 or 8 frames
	[ $chain -eq 0 ] && chain= || chain=callchain=$chain
	out=$(client prof start period=$period $chain) || fail "prof start: $out"
	/bin/profload shares $work >/dev/null
	dd if=/dev/zero of=/dev/null bs=64k count=50 2>/dev/null
	stop=$(client prof stop) || fail "prof stop: $stop"
	status=$(client prof status)
	report=$(client prof report by=mode)
	taken=$(echo "$stop" | sed -n 's/^prof: stopped: \([0-9,]*\) samples, \([0-9,]*\) dropped$/\1/p' | tr -d ,)
	dropped=$(echo "$stop" | sed -n 's/^prof: stopped: \([0-9,]*\) samples, \([0-9,]*\) dropped$/\2/p' | tr -d ,)
	[ -n "$taken" ] && [ -n "$dropped" ] || fail "prof stop said: $stop"
	line=$(echo "$status" | grep '^prof: samples ')
	s_taken=$(echo "$line" | sed -n 's/^prof: samples \([0-9,]*\) taken, \([0-9,]*\) dropped, ring \([0-9,]*\) of \([0-9,]*\);.* over \([0-9,]*\) TSC ticks profiled$/\1 \2 \4 \5/p' | tr -d ,)
	set -- $s_taken
	[ $# -eq 4 ] || fail "prof status said: $line"
	[ "$1" -eq "$taken" ] && [ "$2" -eq "$dropped" ] ||
		fail "prof status ($1 taken, $2 dropped) and prof stop ($taken, $dropped) disagree"
	ring=$3 ticks=$4
	due=$((ticks / period))
	# Each period is jittered by up to 12.5 %: over many samples the sum
	# stays within 2 % (and a sample) of ticks / period.
	diff=$((taken + dropped - due)); [ $diff -lt 0 ] && diff=$((-diff))
	[ $((diff * 50)) -le $((due + 50)) ] ||
		fail "samples taken $taken + dropped $dropped, but $due fell due ($ticks ticks / $period)"
	[ "$dropped" -eq 0 ] || [ "$taken" -eq "$ring" ] ||
		fail "$dropped samples dropped with the ring at $taken of $ring"
	[ $work -eq 2 ] || [ "$dropped" -gt 0 ] ||
		fail "$taken samples at period $period filled no ring of $ring"
	head=$(echo "$report" | sed -n "s/^# event cycles, backend timer, period [0-9,]* TSC ticks, \([0-9,]*\) samples, \([0-9,]*\) dropped$/\1 \2/p" | tr -d ,)
	rows=$(echo "$report" | awk '/^ +[0-9.]+% / { gsub(",", "", $2); n += $2 } END { print n + 0 }')
	[ "$head" = "$taken $dropped" ] && [ "$rows" -eq "$taken" ] ||
		fail "prof report: header '$head', rows $rows, for $taken taken and $dropped dropped"

	# 3. poke
	/bin/poke "$resident" >/tmp/poke.out 2>&1
	status=$?
	[ $status -eq 0 ] || fail "poke exit status $status: $( (grep FAIL /tmp/poke.out || tail -3 /tmp/poke.out) | tr '\n' ' ')"
	if [ $round -eq 1 ]; then
		cp /tmp/poke.out /tmp/poke.first
		while IFS= read -r l; do mark "soak first $l"; done </tmp/poke.first
	elif ! cmp -s /tmp/poke.out /tmp/poke.first; then
		fail "poke answered differently from round 1: $(diff /tmp/poke.first /tmp/poke.out | grep '^[-+]p' | head -4)"
	fi
	mark "soak round=$round ok policy=$policy instructions=$insns perf-samples=$samples" \
		"period=$period taken=$taken dropped=$dropped due=$due"
	# The host's "stop" line, if it has typed one (the console keeps it).
	if read -t 1 -r word && [ "$word" = stop ]; then
		break
	fi
done
mark "soak end rounds=$round"
