"""Guest-wide profiling in Bochs: Debian's perf, unmodified, inside the
guest on pmuvisor's virtual PMU (guest/scenarios/perf.sh), and the seed
paper's cpu-switch vs domain-switch experiment (guest/scenarios/seed.sh)."""

import os
import re

from machine import Machine, TestFailure
from scenarios import GUEST, LINUX_CFG, linux_files, test

PERF_ESP_MB = 96   # the kernel, and an initramfs with perf and its libraries


def perf_files(scenario, extra_cfg=""):
    cfg = (LINUX_CFG.replace("pmuvisor.test=boot", "pmuvisor.test=" + scenario) +
           "guest_control=on\nvpmu=on\n" + extra_cfg)
    files = linux_files(cfg)
    files["\\initrd.cpio"] = os.path.join(GUEST, "initrd-perf.cpio")
    return files


def marks(text, prefix):
    return re.findall(r"^PMUVISOR-GUEST: %s(.*)$" % re.escape(prefix), text, re.M)


def report_rows(lines):
    """perf report --stdio -n --sort sym rows: [(samples, kind, symbol)]."""
    rows = []
    for line in lines:
        row = re.match(r"^\s*[\d.]+%\s+(\d+)\s+\[(.)\]\s+(\S+)", line)
        if row:
            rows.append((int(row.group(1)), row.group(2), row.group(3)))
    return rows


def shares_of(rows, names):
    """Each named function's share of the samples in the named functions."""
    counts = {n: sum(c for c, _, sym in rows if sym == n) for n in names}
    total = sum(counts.values())
    if not total:
        raise TestFailure("no samples in %s: %s" % (", ".join(names), rows[:8]))
    return {n: 100.0 * c / total for n, c in counts.items()}, total


@test("perf-bochs")
def perf_bochs():
    """Debian's perf, unmodified, in the guest on the virtual PMU: perf stat
    counts a program of known length, perf record samples it through PMIs
    and perf report names its user functions and the kernel's."""
    with Machine("perf-bochs", perf_files("perf"), esp_mb=PERF_ESP_MB) as m:
        m.expect("com1", r"^PMUVISOR-GUEST: scenario=perf result=(pass|fail)$", 1500)
        text = m.text("com1")
        if not re.search(r"^PMUVISOR-GUEST: scenario=perf result=pass$", text, re.M):
            raise TestFailure("the perf scenario failed: %s" % marks(text, "")[-4:])
        version = marks(text, "perf-version ")
        print("  %s; NMI watchdog %s" % (version[0] if version else "?",
                                         (marks(text, "nmi_watchdog ") or ["?"])[0]))
        # perf stat -x,: VALUE,UNIT,EVENT,... for 20,000,000 loop instructions
        # plus the program's start and exit.
        stat = {}
        for line in marks(text, "stat: "):
            fields = line.split(",")
            if len(fields) > 2 and fields[0].isdigit():
                stat[fields[2]] = int(fields[0])
        for event in ("cycles", "instructions"):
            got = stat.get(event)
            if got is None or not 20000000 <= got <= 21000000:
                raise TestFailure("perf stat %s: %s for a 20,000,000-instruction program "
                                  "(lines: %s)" % (event, got, marks(text, "stat: ")))
        print("  perf stat: cycles %d, instructions %d (loops: exactly 20,000,000)" %
              (stat["cycles"], stat["instructions"]))
        user = marks(text, "user: ")
        shares, total = shares_of(report_rows(user), ("work_fifty", "work_thirty", "work_twenty"))
        print("  perf report (record -c 20000): " + ", ".join(
            "%s %.2f%%" % (n, v) for n, v in shares.items()) + " of %d samples" % total)
        if total < 1000:
            raise TestFailure("only %d samples in the three functions (want >= 1000)" % total)
        for name, want in (("work_fifty", 50.0), ("work_thirty", 30.0), ("work_twenty", 20.0)):
            if abs(shares[name] - want) > 3.0:
                raise TestFailure("%s has %.2f%% of the samples, not %.0f%% +- 3" %
                                  (name, shares[name], want))
        kernel = report_rows(marks(text, "kernel: "))
        if not kernel or kernel[0][1] != "k" or not re.match(r"clear_user\w*$", kernel[0][2]):
            raise TestFailure("dd's profile is not topped by the kernel clearing user memory: %s"
                              % kernel[:4])
        print("  perf report of dd: top [k] %s with %d samples" % (kernel[0][2], kernel[0][0]))
        pmis = re.search(r"PMIs delivered (\d+)", "\n".join(marks(text, "status: ")))
        if not pmis or int(pmis.group(1)) < total:
            raise TestFailure("pmuvisor delivered fewer PMIs than perf took samples: %s" %
                              marks(text, "status: "))


SEED_FUNCTIONS = ("rx_frames", "work_checksum", "work_scan")
SEED_BOUND = 2.0   # percentage points


def seed_results(text):
    """For each policy: perf's shares of devload's three functions, the
    shares computed from exact instruction counts, and the samples.

    devload times each function with RDTSC, which counts every instruction
    in Bochs, pmuvisor's included, and the cost of one device access. Under
    domain-switch, perf should see each function's whole time; under
    cpu-switch, rx_frames() without pmuvisor's work for its accesses."""
    results = {}
    for policy in ("cpu-switch", "domain-switch"):
        tsc = re.search(r"^PMUVISOR-GUEST: %s devload: tsc rx_frames=(\d+) work_checksum=(\d+) "
                        r"work_scan=(\d+)$" % policy, text, re.M)
        access = re.search(r"^PMUVISOR-GUEST: %s devload: access tsc=(\d+) base=(\d+) "
                           r"accesses=(\d+)$" % policy, text, re.M)
        if not tsc or not access:
            raise TestFailure("devload printed no measurements under %s: %s" %
                              (policy, marks(text, policy + " ")[:4]))
        times = dict(zip(SEED_FUNCTIONS, (int(v) for v in tsc.groups())))
        a, b, n = (int(v) for v in access.groups())
        vmm = n * (a - b - 1)   # pmuvisor's time for rx_frames()'s accesses
        if policy == "cpu-switch":
            times["rx_frames"] -= vmm
        whole = sum(times.values())
        expected = {f: 100.0 * t / whole for f, t in times.items()}
        rows = report_rows(marks(text, policy + " report: "))
        got, samples = shares_of(rows, SEED_FUNCTIONS)
        results[policy] = {"expected": expected, "got": got, "samples": samples,
                           "rows": rows, "access": a - b - 1, "accesses": n}
    return results


def seed_table(results):
    """The two perf reports side by side, as in the seed paper's slide."""
    lines = ["%-44s %s" % ("perf report, cpu-switch", "perf report, domain-switch")]
    cpu, dom = results["cpu-switch"]["rows"][:6], results["domain-switch"]["rows"][:6]
    total = {p: sum(c for c, _, _ in results[p]["rows"]) or 1 for p in results}
    for i in range(max(len(cpu), len(dom))):
        cells = []
        for policy, rows in (("cpu-switch", cpu), ("domain-switch", dom)):
            if i < len(rows):
                c, kind, sym = rows[i]
                cells.append("%6.2f%% %6d [%s] %-22s" % (100.0 * c / total[policy], c, kind, sym))
            else:
                cells.append("")
        lines.append("%-44s %s" % tuple(cells))
    lines.append("share of the three functions' samples: perf (exact from instruction counts)")
    for f in SEED_FUNCTIONS:
        lines.append("  %-16s cpu-switch %6.2f%% (%6.2f%%)   domain-switch %6.2f%% (%6.2f%%)" % (
            f, results["cpu-switch"]["got"][f], results["cpu-switch"]["expected"][f],
            results["domain-switch"]["got"][f], results["domain-switch"]["expected"][f]))
    return lines


@test("seed-experiment")
def seed_experiment():
    """The seed paper's experiment: perf in the guest profiles a program
    whose rx_frames() drives pmuvisor's demo device; under cpu-switch it
    gets only its in-guest share, under domain-switch also pmuvisor's work
    for it, each within 2 points of the share from exact instruction
    counts. The policy is switched at run time through the client."""
    with Machine("seed-experiment", perf_files("seed", "device=0x710\n"), esp_mb=PERF_ESP_MB) as m:
        m.expect("com1", r"^PMUVISOR-GUEST: scenario=seed result=(pass|fail)$", 1500)
        text = m.text("com1")
        if not re.search(r"^PMUVISOR-GUEST: scenario=seed result=pass$", text, re.M):
            raise TestFailure("the seed scenario failed: %s" % marks(text, "")[-4:])
        results = seed_results(text)
        print("\n".join("  " + l for l in seed_table(results)))
        for policy, r in results.items():
            print("  %s: %d samples in the three functions; a device access costs the guest %d "
                  "ticks (%d accesses)" % (policy, r["samples"], r["access"], r["accesses"]))
            if r["samples"] < 3000:
                raise TestFailure("%s: only %d samples (want >= 3000)" % (policy, r["samples"]))
            for f in SEED_FUNCTIONS:
                if abs(r["got"][f] - r["expected"][f]) > SEED_BOUND:
                    raise TestFailure("%s: perf gives %s %.2f%%, exact %.2f%% (bound %.0f points)"
                                      % (policy, f, r["got"][f], r["expected"][f], SEED_BOUND))
        rise = results["domain-switch"]["got"]["rx_frames"] - results["cpu-switch"]["got"]["rx_frames"]
        if rise < 15:
            raise TestFailure("rx_frames rose only %.2f points from cpu-switch to domain-switch" % rise)
        # Each run: rx_frames()'s accesses and the 64 that time one.
        writes = sum(r["accesses"] + 64 for r in results.values())
        device = marks(text, "device: ")
        if not device or not re.search(r" %d writes," % writes, device[0]):
            raise TestFailure("the device did not count devload's %d writes: %s" % (writes, device))
