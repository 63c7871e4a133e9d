#!/usr/bin/env python3
"""make soak: Linux under pmuvisor in Bochs for a long time (not part of
make check).

usage: soak.py [MINUTES] [CPU-MODEL]     (default: 30, corei7_skylake_x)

The guest (guest/scenarios/soak.sh) works in rounds: its own perf on the
virtual PMU under each policy in turn, pmuvisor's profiler started and
stopped around a workload (sometimes until its ring overflows), and the
hostile payload's non-destructive attacks from Linux (tests/guests/poke.c),
checking every answer.  Meanwhile this side asks pmuvisor's console for
`stats`, `info`, `prof status` and `vpmu status` every few seconds, each
of which must answer.  After MINUTES it types "stop" to the guest, waits
for its last round, and checks that pmuvisor never stopped, no exit
reason went unhandled, its console still answers, and its counts of
hidden-memory touches and on-demand EPT regions grew with the rounds.
Logs are kept under build/test-logs/soak-bochs/.
"""

import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from machine import Machine, TestFailure  # noqa: E402
from perf_scenarios import PERF_ESP_MB, perf_files  # noqa: E402
from scenarios import shell  # noqa: E402

POLL_SECONDS = 5
# What each console command's reply ends with.
QUERIES = (("stats", r"^total in pmuvisor"),
           ("info", r"^guest touches of pmuvisor's memory: \d+"),
           ("prof status", r"^prof: samples [\d,]+ taken"),
           ("vpmu status", r"^vpmu: "))
STOPPED = r"PANIC|unexpected VM exit|pmuvisor cannot continue"
ROUND = r"^PMUVISOR-GUEST: soak round=(\d+) (ok|FAIL)(.*)$"


def rounds_of(m):
    return re.findall(ROUND, m.text("com1"), re.M)


def check_running(m):
    failed = [r for r in rounds_of(m) if r[1] == "FAIL"]
    if failed:
        raise TestFailure("round %s failed:%s (logs: %s)" % (failed[0][0], failed[0][2], m.dir))
    stop = re.search(STOPPED, m.text("com2"))
    if stop:
        raise TestFailure("pmuvisor stopped: %r (logs: %s)" % (stop.group(0), m.dir))
    if re.search(r"scenario=soak result=(fail|error)", m.text("com1")):
        raise TestFailure("the soak scenario ended early: %s (logs: %s)" %
                          (m.text("com1").strip().splitlines()[-3:], m.dir))


def info_counts(m):
    text = shell(m, "info", QUERIES[1][1] + r".*EPT regions mapped beyond the memory map: (\d+)")
    line = m.text("com2")[text.start():text.end()]
    touches = int(re.search(r"memory: (\d+)", line).group(1))
    return touches, int(text.group(1))


def soak(minutes, cpu):
    with Machine("soak-bochs", perf_files("soak"), cpu=cpu, esp_mb=PERF_ESP_MB) as m:
        begin = m.expect("com1", r"^PMUVISOR-GUEST: soak begin resident=(0x[0-9a-f]+)$", 1500)
        print("soak: Linux is up after %.0f s; pmuvisor's memory at %s" %
              (m.elapsed(), begin.group(1)), flush=True)
        start, asked, slowest, reported = time.monotonic(), 0, 0.0, 0
        while time.monotonic() - start < minutes * 60:
            check_running(m)
            command, reply = QUERIES[asked % len(QUERIES)]
            t = time.monotonic()
            shell(m, command, reply, 120)
            slowest = max(slowest, time.monotonic() - t)
            asked += 1
            done = len(rounds_of(m))
            if done >= reported + 5:
                reported = done
                print("soak: %4.0f min, %d rounds, console answered %d commands" %
                      ((time.monotonic() - start) / 60, done, asked), flush=True)
            time.sleep(POLL_SECONDS)
        m.send("com1", "stop\n")
        end = m.expect("com1", r"^PMUVISOR-GUEST: soak end rounds=(\d+)$|" + ROUND.replace(
            r"(ok|FAIL)", "FAIL"), 1800)
        check_running(m)
        m.expect("com1", r"^PMUVISOR-GUEST: scenario=soak result=pass$", 60)
        rounds = rounds_of(m)
        touches, regions = info_counts(m)
        stats = shell(m, "stats", QUERIES[0][1])
        table = m.text("com2")[max(0, stats.start() - 6000):stats.end()]
        check_running(m)
        # poke writes to pmuvisor's memory once a round (its reads after the
        # first come from the read-only decoy page, without an exit); the
        # high addresses are mapped once, not once a round.
        if touches < len(rounds):
            raise TestFailure("info counts %d touches of pmuvisor's memory for %d rounds"
                              % (touches, len(rounds)))
        if not 1 <= regions <= 3:
            raise TestFailure("info counts %d on-demand EPT regions (poke touches 3)" % regions)
        figures = [dict(kv.split("=") for kv in r[2].split()) for r in rounds]
        taken = sum(int(f["taken"]) for f in figures)
        dropped = sum(int(f["dropped"]) for f in figures)
        full = sum(1 for f in figures if int(f["dropped"]) > 0)
        print("soak: %s rounds in %.1f minutes after boot (%s under cpu-switch, %s domain-switch)"
              % (end.group(1), (time.monotonic() - start) / 60,
                 sum(1 for f in figures if f["policy"] == "cpu-switch"),
                 sum(1 for f in figures if f["policy"] == "domain-switch")))
        print("soak: system-wide samples taken %d, dropped %d (the ring filled in %d rounds); "
              "each round's taken + dropped within 2 %% of the samples due" % (taken, dropped, full))
        print("soak: console answered %d commands, slowest in %.1f s; info: %d touches of "
              "pmuvisor's memory, %d EPT regions beyond the memory map" %
              (asked, slowest, touches, regions))
        rows = re.findall(r"^(\S.*?) +([\d,]+) +([\d,]+) +[\d.]+%$",
                          table[table.rindex("exit reason"):], re.M)
        if not rows:
            raise TestFailure("stats shows no exit reasons (logs: %s)" % m.dir)
        exits = sum(int(c.replace(",", "")) for _, c, _ in rows)
        print("soak: %d exits of %d reasons, every one handled; the most: %s" % (
            exits, len(rows), ", ".join("%s %s" % (r, c) for r, c, _ in
                                        sorted(rows, key=lambda x: -int(x[1].replace(",", "")))[:4])))
        print("soak: PASS (logs: %s)" % m.dir)


def main(argv):
    minutes = float(argv[0]) if argv else 30.0
    cpu = argv[1] if len(argv) > 1 else "corei7_skylake_x"
    try:
        soak(minutes, cpu)
    except TestFailure as e:
        print("soak: FAIL %s" % e)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
