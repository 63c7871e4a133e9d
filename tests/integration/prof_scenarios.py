"""The profiler's ground truth in Bochs (guest/scenarios/prof.sh drives
the workloads; pmuvisor's own reports are checked against answers known
in advance)."""

import re
import subprocess

from machine import BUILD, Machine, TestFailure
from scenarios import LINUX_CFG, linux_files, shell, test

PROFLOAD = BUILD + "/guest/bin/profload"
SHARES = {"work_fifty": 50.0, "work_thirty": 30.0, "work_twenty": 20.0}
MIN_SAMPLES = 5000


def function_ranges(binary, names):
    """[start, end) of each named function in the static guest program."""
    out = subprocess.run(["nm", "-S", "--defined-only", binary], check=True,
                         capture_output=True, text=True).stdout
    ranges = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[3] in names:
            start, size = int(parts[0], 16), int(parts[1], 16)
            ranges[parts[3]] = (start, start + size)
    missing = set(names) - set(ranges)
    if missing:
        raise TestFailure("%s has no symbols for %s" % (binary, sorted(missing)))
    return ranges


def guest_block(m, begin, end, timeout):
    """The guest's marker lines between two prof-step markers."""
    m.expect("com1", r"^PMUVISOR-GUEST: prof-step %s$" % end, timeout)
    text = m.text("com1")
    return text[text.index("PMUVISOR-GUEST: prof-step %s" % begin):]


def check_shares(m):
    block = guest_block(m, "shares begin", "shares end", 600)
    ranges = function_ranges(PROFLOAD, SHARES)
    printed = re.search(r"^PMUVISOR-GUEST: profload: work_fifty=0x([0-9a-f]+)", block, re.M)
    if not printed or int(printed.group(1), 16) != ranges["work_fifty"][0]:
        raise TestFailure("the guest program's addresses differ from its symbols")
    rows = re.findall(r"^PMUVISOR-GUEST: prof: +[\d.]+% +([\d,]+) +0x([0-9a-f]+) +\[guest user\]$",
                      block, re.M)
    counts = dict.fromkeys(SHARES, 0)
    for count, address in rows:
        a = int(address, 16)
        for name, (lo, hi) in ranges.items():
            if lo <= a < hi:
                counts[name] += int(count.replace(",", ""))
    total = sum(counts.values())
    if total < MIN_SAMPLES:
        raise TestFailure("only %d samples in the three functions (want >= %d)" % (total, MIN_SAMPLES))
    for name, want in SHARES.items():
        got = 100.0 * counts[name] / total
        print("  %-12s %5.2f%% of %d samples (exact: %.0f%%)" % (name, got, total, want))
        if abs(got - want) > 2.0:
            raise TestFailure("%s has %.2f%% of the samples, not %.0f%% +/- 2" % (name, got, want))


def check_cpuid(m):
    block = guest_block(m, "cpuid begin", "cpuid end", 600)
    top = re.search(r"^PMUVISOR-GUEST: prof: +([\d.]+)% +([\d,]+) +([\d,]+) +([\d,]+) +(\S.*?) {2,}(\S+)$",
                    block, re.M)
    if not top or top.group(5) != "CPUID" or top.group(6) != "handle_cpuid":
        raise TestFailure("by=exit does not put CPUID (handle_cpuid) first: %r" %
                          (top.group(0) if top else None))
    exits = int(top.group(3).replace(",", ""))
    if exits < 40000:
        raise TestFailure("by=exit counts %d CPUID exits; the loop made 40,000" % exits)
    if not re.search(r"^PMUVISOR-GUEST: prof: +[\d.]+% +[\d,]+ +handle_cpuid +pmuvisor$", block, re.M):
        raise TestFailure("the symbol report names no handle_cpuid in module pmuvisor")
    print("  " + top.group(0).replace("PMUVISOR-GUEST: prof: ", ""))


def check_kernel(m):
    guest_block(m, "kernel begin", "kernel end", 600)
    start = len(m.text("com2"))
    shell(m, "prof report top=15", r"^# guest kernel symbols: ", 300)
    report = m.text("com2")[start:]
    found = re.search(r"^# guest kernel symbols: ([\d,]+) from its kallsyms tables", report, re.M)
    if not found:
        raise TestFailure("pmuvisor found no guest kernel symbols: %s" %
                          re.search(r"^# guest kernel symbols: .*$", report, re.M).group(0))
    rows = re.findall(r"^ +([\d.]+)% +[\d,]+ +(\S+) +vmlinux$", report, re.M)
    names = [name for _, name in rows]
    clearing = [n for n in names[:5] if re.match(r"(clear_user\w*|__clear_user|iov_iter_zero|"
                                                 r"read_iter_zero|rep_stos\w*)$", n)]
    if not clearing:
        raise TestFailure("no user-memory clearing function among the top guest kernel "
                          "functions: %s" % names[:10])
    print("  kernel top: %s" % ", ".join(names[:5]))


@test("prof-ground-truth")
def prof_ground_truth():
    """System-wide profiling, timer backend: exact instruction shares in
    guest user space, pmuvisor's CPUID time, and guest kernel functions
    named from a stock Debian kernel with KASLR on, no symbols file."""
    cfg = LINUX_CFG.replace("pmuvisor.test=boot", "pmuvisor.test=prof") + "guest_control=on\n"
    with Machine("prof-ground-truth", linux_files(cfg)) as m:
        m.expect("com1", r"^PMUVISOR-GUEST: scenario=prof begin$", 300)
        check_shares(m)
        check_cpuid(m)
        check_kernel(m)
