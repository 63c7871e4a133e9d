"""The profiler's ground truth in Bochs (guest/scenarios/prof.sh drives
the workloads; pmuvisor's own reports are checked against answers known
in advance)."""

import os
import re
import subprocess
import time

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
    callers = block[block.index("CALLED FROM"):]
    block = block[:block.index("CALLED FROM")]
    ranges = function_ranges(PROFLOAD, list(SHARES) + ["main"])
    main = ranges.pop("main")
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
    # Call chains: the three functions are called from main only.
    from_main = sum(int(n.replace(",", "")) for n, a in re.findall(
        r"^PMUVISOR-GUEST: prof: +[\d.]+% +([\d,]+) +0x([0-9a-f]+) +\[guest user\]$", callers, re.M)
        if main[0] <= int(a, 16) < main[1])
    print("  call chains: %d samples called from main (of %d in the three functions)" % (from_main, total))
    if from_main < 0.95 * total:
        raise TestFailure("only %d of %d samples have main as their caller" % (from_main, total))


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


def check_console(m):
    """The rest of the commands, on pmuvisor's console: errors, status, a
    short profile of the idle guest and its dump, checked on the host."""
    shell(m, "prof start event=flops", r"^prof start: unknown event 'flops' \(cycles, ")
    shell(m, "prof start backend=hw", r"^prof start: backend hw needs a PMU that counts; this one "
          r"does not \(PMU: advertised .*\); backend=timer works without one$")
    shell(m, "prof start event=branches", r"^prof start: backend timer samples time \(TSC ticks\) "
          r"only: event=cycles, not event=branches$")
    shell(m, "prof report by=colour", r"^prof report: unknown grouping 'colour'")
    shell(m, "prof start period=1000000", r"^prof: started: event cycles, backend timer, "
          r"period 1,000,000 TSC ticks")
    shell(m, "prof start", r"^prof start: already running")
    for _ in range(60):
        status = shell(m, "prof status", r"^prof: samples ([\d,]+) taken, (\d+) dropped, ring")
        if int(status.group(1).replace(",", "")) >= 200:
            break
        time.sleep(1)
    stopped = shell(m, "prof stop", r"^prof: stopped: ([\d,]+) samples, 0 dropped$")
    start = len(m.text("com2"))
    shell(m, "prof dump", r"^E (\d+) \*[0-9a-f]{8}$", 300)
    dump = m.text("com2")[start:]
    result = subprocess.run([os.path.join(os.path.dirname(__file__), "..", "..", "tools", "prof-dump"),
                             "-"], input=dump, capture_output=True, text=True)
    if result.returncode != 0:
        raise TestFailure("tools/prof-dump refused the dump: %s" % result.stderr.strip())
    want = "%s samples" % stopped.group(1).replace(",", "")
    if want not in result.stdout:
        raise TestFailure("the dump does not hold the %s: %s" % (want, result.stdout.splitlines()[0]))
    print("  " + result.stdout.splitlines()[0])
    shell(m, "prof clear", r"^prof: cleared [\d,]+ samples$")
    shell(m, "prof report", r"^prof report: no samples")


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
        check_console(m)


@test("prof-symbols-file")
def prof_symbols_file():
    """symbols= names the guest kernel from a System.map (made on the host
    from the same kernel) slid by KASLR, instead of its kallsyms."""
    cfg = (LINUX_CFG.replace("pmuvisor.test=boot", "pmuvisor.test=profsym") +
           "guest_control=on\nsymbols=\\System.map\n")
    files = linux_files(cfg)
    files["\\System.map"] = BUILD + "/guest/System.map"
    with Machine("prof-symbols-file", files) as m:
        m.expect("com2", r"^  symbols +\\System\.map \([\d]+ text symbols, for the guest kernel\)$", 120)
        m.expect("com1", r"^PMUVISOR-GUEST: scenario=profsym result=pass$", 600)
        text = m.text("com1")
        source = re.search(r"^PMUVISOR-GUEST: prof: # guest kernel symbols: ([\d,]+) from symbols=, "
                           r"slid by 0x([0-9a-f]+) to the running kernel$", text, re.M)
        if not source:
            raise TestFailure("the report does not say it used symbols=: %s" %
                              re.findall(r"^PMUVISOR-GUEST: prof: # guest kernel.*$", text, re.M))
        if int(source.group(2), 16) % 0x200000:
            raise TestFailure("KASLR slide 0x%s is not 2 MiB aligned" % source.group(2))
        rows = re.findall(r"^PMUVISOR-GUEST: prof: +[\d.]+% +[\d,]+ +(\S+) +vmlinux$", text, re.M)
        if not rows or not re.match(r"clear_user\w*$", rows[0]):
            raise TestFailure("the top guest kernel function is not clearing user memory: %s" % rows[:5])
        print("  slide 0x%s, top: %s" % (source.group(2), ", ".join(rows[:4])))


@test("vpmu-bochs")
def vpmu_bochs():
    """vpmu=on: Linux's own PMU driver probes the virtual PMU, counts with
    it and samples with its PMIs; the CPUID loop's cycles grow by pmuvisor's
    work under domain-switch, switched at run time."""
    cfg = (LINUX_CFG.replace("pmuvisor.test=boot", "pmuvisor.test=vpmu") +
           "guest_control=on\nvpmu=on\n")
    with Machine("vpmu-bochs", linux_files(cfg)) as m:
        m.expect("com1", r"^PMUVISOR-GUEST: scenario=vpmu result=pass$", 600)
        text = m.text("com1")
        probe = re.findall(r"^PMUVISOR-GUEST: dmesg: (.*Performance Events.*)$", text, re.M)
        if not probe or "Broken" in probe[0] or "no PMU" in probe[0]:
            raise TestFailure("Linux did not take the virtual PMU: %s" % probe)
        if not re.search(r"^PMUVISOR-GUEST: pmu-registered yes$", text, re.M):
            raise TestFailure("Linux registered no cpu PMU")
        guest_leaf = re.search(r"^PMUVISOR-GUEST: leaf-0xa guest (EAX=\S+ EBX=\S+ ECX=\S+ EDX=\S+)$",
                               text, re.M)
        shell_leaf = re.search(r"^PMUVISOR-GUEST: leaf-0xa shell CPUID 0xa\.0 as the guest sees it: "
                               r"(EAX=\S+ EBX=\S+ ECX=\S+ EDX=\S+)$", text, re.M)
        if not guest_leaf or not shell_leaf or guest_leaf.group(1) != shell_leaf.group(1):
            raise TestFailure("the shell's 'cpuid 0xa' is not what the guest sees: %s" %
                              re.findall(r"^PMUVISOR-GUEST: leaf-0xa .*$", text, re.M))
        print("  CPUID 0xA, in the guest and from the shell: %s" % guest_leaf.group(1))
        loop = re.search(r"^PMUVISOR-GUEST: loop pmucount: instructions=(\d+)$", text, re.M)
        if not loop:
            raise TestFailure("no count for the loop: %s" %
                              re.findall(r"^PMUVISOR-GUEST: loop .*$", text, re.M))
        got = int(loop.group(1))
        if abs(got - 20000000) > 0.05 * 20000000:
            raise TestFailure("the 20,000,000-instruction loop counted %d" % got)
        sampled = re.search(r"^PMUVISOR-GUEST: sample pmucount: samples=(\d+) in_loop=(\d+)$", text, re.M)
        if not sampled:
            raise TestFailure("no samples from the sampled loop: %s" %
                              re.findall(r"^PMUVISOR-GUEST: sample .*$", text, re.M))
        samples, in_loop = int(sampled.group(1)), int(sampled.group(2))
        print("  sampling every 1,000,000 instructions of a 20,000,000-instruction loop: "
              "%d samples (PMIs), %d with the IP in the loop" % (samples, in_loop))
        if not 15 <= samples <= 25 or in_loop < 0.9 * samples:
            raise TestFailure("PMIs: %d samples, %d in the loop (want about 20, nearly all in it)"
                              % (samples, in_loop))
        cycles = {}
        for policy in ("cpu-switch", "domain-switch"):
            row = re.search(r"^PMUVISOR-GUEST: policy=%s pmucount: cycles=(\d+)$" % policy, text, re.M)
            if not row:
                raise TestFailure("no count under %s" % policy)
            cycles[policy] = int(row.group(1))
        extra = cycles["domain-switch"] - cycles["cpu-switch"]
        print("  %s; loop: %d instructions (exact 20,000,000); 20,000 CPUIDs: %d cycles under "
              "cpu-switch, %d under domain-switch (+%d, %.0f a CPUID)" %
              (probe[0], got, cycles["cpu-switch"], cycles["domain-switch"], extra, extra / 20000.0))
        if extra < 20000 * 50:
            raise TestFailure("domain-switch adds only %d cycles over 20,000 exits" % extra)
        check_on_off(text)


def check_on_off(text):
    """'vpmu off|on' from the guest's client: refused while a counter is
    enabled or a system-wide profile runs; while off, counters stand still."""
    def mark(name):
        hit = re.search(r"^PMUVISOR-GUEST: %s (.*)$" % name, text, re.M)
        if not hit:
            raise TestFailure("no '%s' line from the scenario" % name)
        return hit.group(1)
    expect = (
        ("off-busy", r"^vpmu off: the guest has counters enabled \(FIXED_CTR1\); switching now "
                     r"would change their counts"),
        ("off", r"^vpmu: off; the guest's counters are stopped"),
        ("loop-off", r"^pmucount: instructions=0$"),
        ("prof-while-off", r"^prof: started"),
        ("on-while-prof", r"^vpmu on: a system-wide profile is running \('prof stop' first\); "
                          r"the two together are refused$"),
        ("on", r"^vpmu: on; the guest's counters count again$"),
        ("prof-while-on", r"^prof start: the guest's virtual PMU is on; system-wide and guest-wide "
                          r"profiling together are refused"),
    )
    for name, pattern in expect:
        if not re.search(pattern, mark(name)):
            raise TestFailure("%s: expected /%s/, got %r" % (name, pattern, mark(name)))
    on = re.match(r"^pmucount: instructions=(\d+)$", mark("loop-on"))
    if not on or abs(int(on.group(1)) - 20000000) > 0.05 * 20000000:
        raise TestFailure("after 'vpmu on' the loop counted %r" % mark("loop-on"))
    print("  vpmu off with the NMI watchdog's counter enabled: refused; off after the watchdog "
          "stops: the loop counts 0; on again: %s" % on.group(1))
