#!/usr/bin/env python3
"""Run pmuvisor's integration tests, two at a time.

usage: runner.py [NAME-PATTERN ...]     (default: every test)

Prints one line per test (PASS / FAIL / SKIP), the logs of each test are
kept under build/test-logs/<test>/, and the counts are written to
build/test-logs/integration.counts for `make check`'s summary.
"""

import concurrent.futures
import fnmatch
import os
import signal
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import machine  # noqa: E402
import scenarios  # noqa: E402

JOBS = int(os.environ.get("PMUVISOR_TEST_JOBS", "2"))


class Skip(Exception):
    pass


def run_one(test):
    start = time.monotonic()
    try:
        reason = test.skip_reason() if test.skip_reason else None
        if reason:
            return ("SKIP", test.name, reason, 0.0)
        test.func()
        return ("PASS", test.name, "", time.monotonic() - start)
    except machine.TestFailure as e:
        return ("FAIL", test.name, str(e), time.monotonic() - start)
    except Exception:  # a bug in the test itself is a failure too
        return ("FAIL", test.name, traceback.format_exc(), time.monotonic() - start)


def leftover_emulators(tests):
    """Processes still running in the log folder of a test of this run
    (there must be none; other runs' folders are not ours to judge)."""
    dirs = [os.path.realpath(os.path.join(machine.BUILD, "test-logs", t.name)) for t in tests]
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cwd = os.path.realpath(os.readlink("/proc/%s/cwd" % pid))
        except OSError:
            continue
        if cwd in dirs:
            found.append(int(pid))
    return found


def main(patterns):
    tests = [t for t in scenarios.TESTS
             if not patterns or any(fnmatch.fnmatch(t.name, p) for p in patterns)]
    if not tests:
        print("no test matches %s" % " ".join(patterns))
        return 2
    counts = {"PASS": 0, "FAIL": 0, "SKIP": 0}
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=JOBS) as pool:
            for status, name, detail, secs in pool.map(run_one, tests):
                counts[status] += 1
                line = "%-4s %-28s" % (status, name)
                if status != "SKIP":
                    line += " %5.1f s" % secs
                if detail:
                    line += "  " + detail.strip().replace("\n", "\n      ")
                print(line, flush=True)
    finally:
        machine._stop_all()
        left = leftover_emulators(tests)
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if left:
            counts["FAIL"] += 1
            print("FAIL emulators were left running (pids %s); stopped them now" % left)
    os.makedirs(os.path.join(machine.BUILD, "test-logs"), exist_ok=True)
    with open(os.path.join(machine.BUILD, "test-logs", "integration.counts"), "w") as f:
        f.write("%d %d %d\n" % (counts["PASS"], counts["FAIL"], counts["SKIP"]))
    print("integration: %d passed, %d failed, %d skipped" %
          (counts["PASS"], counts["FAIL"], counts["SKIP"]))
    return 1 if counts["FAIL"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
