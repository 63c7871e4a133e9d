#!/bin/sh
# The seed paper's experiment (issue: cpu-switch vs domain-switch): perf in
# the guest profiles devload, whose rx_frames() drives pmuvisor's demo
# device, once under each accounting policy, switched through the client.
mark() { echo "PMUVISOR-GUEST: $*"; }
fail() { mark "$*"; exit 1; }
port=0x710
# Fine sampling of a fast emulated clock looks like an interrupt storm to
# perf (over 400 samples a tick), which would then throttle the event for
# the rest of each tick and lose samples: raise the limit, then keep perf
# from lowering it again (in this order: the kernel refuses a new rate
# once that is off).
echo 1000000 >/proc/sys/kernel/perf_event_max_sample_rate || fail "cannot raise perf_event_max_sample_rate"
echo 0 >/proc/sys/kernel/perf_cpu_time_max_percent || fail "cannot set perf_cpu_time_max_percent"
/bin/pmuvisor device work=5000 >/dev/null || fail "device: $(/bin/pmuvisor device)"
for policy in cpu-switch domain-switch; do
	/bin/pmuvisor vpmu policy $policy >/dev/null || fail "cannot switch to $policy"
	perf record -q -e cycles -c 10007 -o /tmp/$policy.data /bin/devload run 500 $port \
		>/tmp/$policy.out 2>/tmp/err || fail "perf record ($policy) failed: $(cat /tmp/err)"
	while IFS= read -r line; do mark "$policy $line"; done </tmp/$policy.out
	perf report -i /tmp/$policy.data --stdio -n --sort sym --comm devload 2>/tmp/err \
		>/tmp/$policy.txt || fail "perf report ($policy) failed: $(cat /tmp/err)"
	grep -E '^# (Samples|Total Lost)|%' /tmp/$policy.txt | head -12 | while IFS= read -r line; do mark "$policy report: $line"; done
done
/bin/pmuvisor device | while IFS= read -r line; do mark "$line"; done
