"""A hostile guest under pmuvisor (tests/payloads/hostile*.c), compared with
the same payload started natively (vmx=off) on the same Bochs model.

Every result line the payload prints under pmuvisor is asserted: equal to
the native run's where the bare CPU defines the answer, else equal to what
pmuvisor documents (EXPECT below).  The lines the SDM fixes for the bare
CPU are checked in the native run too (NATIVE_EXPECT).  A failure lists,
class by class, the lines that differ, and names the class a crash
stopped in.

Environment (for working on the hypervisor):
  PMUVISOR_HOSTILE_CLASSES=io,cr   run only these classes (default: all)
  PMUVISOR_HOSTILE_RESUME=1        after a crash, boot again with the
                                   classes not run yet (one boot a crash)
  PMUVISOR_HOSTILE_NATIVE_CACHE=1  reuse the last native run of the same
                                   payload, model and classes (halves the
                                   time; the default boots natively each time)
"""

import hashlib
import json
import os
import re
import time

from machine import BUILD, Machine, TestFailure
from scenarios import BOOT_PATH, GUEST_START, NATIVE_START, PMUVISOR_EFI, check_absent, shell, test

HOSTILE_EFI = os.path.join(BUILD, "payloads", "hostile.efi")
CLASSES = ["io", "high-gpa", "xsetbv", "cr", "apic-base", "nmi", "vpmu", "hypercall", "sweep",
           "hidden", "task"]
PMUVISOR_ONLY = ("vpmu", "hidden")  # natively these classes say skip
LINE = re.compile(r"^PMUVISOR-HOSTILE: (\S+) (\S+) ?(.*)$", re.M)
PROGRESS = r"^PMUVISOR-HOSTILE: (?:(\S+) begin|done)$"
CLASS_TIMEOUT = 240   # seconds of wall time for any one class
GP_ROUNDS = 10000     # hostile_interrupts.c: faulting RDMSRs in vpmu vector-gp-exits

# VM exits each class causes for certain, by the names `stats` prints.
CLASS_EXITS = {
    "io": ["I/O instruction"], "high-gpa": ["EPT violation"], "xsetbv": ["XSETBV"],
    "cr": ["control-register access"], "apic-base": ["WRMSR"], "nmi": ["exception or NMI"],
    "vpmu": ["VMX-preemption timer", "RDMSR", "WRMSR", "CPUID"], "hypercall": ["VMCALL"],
    "sweep": ["RDMSR", "CPUID"], "hidden": ["EPT violation"], "task": ["task switch"],
}


def swept_msrs():
    """The MSR numbers hostile.c's sweep reads, in its order."""
    return (list(range(0, 0x1001, 7)) + list(range(0xc0000000, 0xc0000111)) +
            list(range(0x40000000, 0x40000011)))


def expand_msr_set(text):
    """'0x7-0x15,0x1c' (runs of consecutive swept MSRs) -> set of numbers."""
    if text == "none":
        return set()
    order = swept_msrs()
    where = {m: i for i, m in enumerate(order)}
    found = set()
    for part in text.split(","):
        first, _, last = part.partition("-")
        a = int(first, 16)
        b = int(last, 16) if last else a
        found.update(order[where[a]:where[b] + 1])
    return found


def fields(value):
    """'pmis=3 expected=4 x' -> {'pmis': '3', 'expected': '4'}."""
    return dict(re.findall(r"(\S+)=(\S+)", value))


# -- what is expected ----------------------------------------------------
# A rule takes the native run's results and the value got under pmuvisor
# and returns None when it holds, else what was expected.

def same(cls, name):
    def rule(native, got):
        want = native.get((cls, name))
        if want is None:
            return "a native value (the native run printed none)"
        return None if got == want else want
    return rule


def literal(text):
    return lambda native, got: None if got == text else text


def pattern(rx, description):
    return lambda native, got: None if re.fullmatch(rx, got) else description


def io_byte0_native_rest_owned(native, got):
    # 0x2f7 is not pmuvisor's: its byte as natively; 0x2f8-0x2fa are its
    # console's, which reads as no UART (all ones).
    n = native.get(("io", "in-0x2f7-l"))
    want = n and "0x%08x" % (0xffffff00 | (int(n, 16) & 0xff))
    return None if got == want else want


def io_owned_low_native_high(native, got):
    # 0x2fe/0x2ff are the console's (MSR and scratch: all ones), 0x300/0x301
    # are the platform's: what a native word read at 0x300 gives.
    n = native.get(("io", "in-0x300-w"))
    want = n and "0x%08x" % (0xffff | (int(n, 16) << 16))
    return None if got == want else want


def pmis_delivered(native, got):
    """Every overflow of fixed counter 0 handled (the one still in flight
    when the counters stopped aside), none lost, late or spurious, and at
    least 80% of what PMC0's instruction count makes due: the handler's
    RDMSR/WRMSR of the counter lose a few dozen instructions a PMI."""
    f = fields(got)
    try:
        n = {k: int(f[k]) for k in ("pmis", "overflows", "expected", "lost", "spurious", "late")}
    except (KeyError, ValueError):
        return "pmis=N overflows=N expected=M lost=0 spurious=0 late=0"
    if (n["expected"] > 0 and 0.8 * n["expected"] <= n["pmis"] <= n["expected"] + 1
            and 0 <= n["overflows"] - n["pmis"] <= 1
            and n["lost"] == n["spurious"] == n["late"] == 0 and "setup-refused" not in got
            and f.get("faulted", str(GP_ROUNDS)) == str(GP_ROUNDS)):
        return None
    return ("pmis = overflows (or one less) >= 80%% of expected=%d, lost=0 spurious=0 late=0%s"
            % (n["expected"], ", faulted=%d" % GP_ROUNDS if "faulted" in f else ""))


def msr_fault_set(native, got):
    want = native.get(("sweep", "msr-fault-set"))
    if want is None:
        return "a native value"
    if got == want:
        return None
    ours, theirs = expand_msr_set(got), expand_msr_set(want)
    return "the native set; differing MSRs: only under pmuvisor %s, only natively %s" % (
        ", ".join("0x%x" % m for m in sorted(ours - theirs)) or "none",
        ", ".join("0x%x" % m for m in sorted(theirs - ours)) or "none")


def vmx_msrs_fault(native, got):
    # The VMX capability MSRs raise #GP in the guest (README, VMX hidden).
    vmx = {m for m in swept_msrs() if 0x480 <= m <= 0x491}
    seen = set() if got == "none" else {int(m, 16) for m in got.split(",")}
    return None if vmx <= seen else "at least %s" % ",".join("0x%x" % m for m in sorted(vmx))


def cpuid_leaves(native, got):
    want = native.get(("sweep", "cpuid-leaves"))
    if want is None:
        return "a native value"
    if got == want:
        return None
    ours, theirs = dict(p.split("=") for p in got.split()), dict(p.split("=") for p in want.split())
    differ = sorted(set(ours) | set(theirs), key=lambda k: int(k, 16))
    return "the native leaves; differing: %s" % ", ".join(
        k for k in differ if ours.get(k) != theirs.get(k))


YES = literal("yes")
EINVAL = literal("-3 unchanged")   # vmx/hypercall.h HYPERCALL_EINVAL, results untouched
ENOSYS = literal("-1 unchanged")   # HYPERCALL_ENOSYS

EXPECT = {
    "io": {
        "in-0x2f7-l": io_byte0_native_rest_owned,
        "in-0x2fe-l": io_owned_low_native_high,
        "in-0x300-w": same("io", "in-0x300-w"),
        "in-0xffff-w": same("io", "in-0xffff-w"),
        "out-0xffff-w": literal("survived"),
        "out-0x2f6-l": literal("survived"),
        # INS/OUTS on pmuvisor's console (no UART: all ones, the line
        # status 0x60), registers stepped as the CPU steps them.
        "rep-insb-0x2f8": literal("bytes=ffffffffffffffff rcx=0 rdi=+8 around=1111"),
        "rep-insb-0x2fd-down": literal("bytes=60606060 rcx=0 rdi=-4 around=1111"),
        "insl-0x2f7": lambda native, got: io_byte0_native_rest_owned(
            {("io", "in-0x2f7-l"): native.get(("io", "insl-0x2f7"))}, got),
        "rep-outsw-0x2fe": literal("rcx=0 rsi=+8"),
        "vmm-answers": YES,
    },
    "high-gpa": {
        "maxphyaddr": same("high-gpa", "maxphyaddr"),
        "4g": same("high-gpa", "4g"),
        "64g": same("high-gpa", "64g"),
        "top": same("high-gpa", "top"),
        "vmm-answers": YES,
    },
    "xsetbv": dict({n: same("xsetbv", n) for n in (
        "xcr0-before", "xcr0-0x23", "xcr0-0x27", "xcr0-0x0", "xcr0-0x2", "xcr1-0x1",
        "xcr0-bit63", "xcr0-after")},
        **{"xcr0-current": literal("accepted"), "vmm-answers": YES}),
    "cr": dict({n: same("cr", n) for n in (
        "cr0-pg-without-pe", "cr0-bit32", "cr0-nw-without-cd", "cr4-bit63", "cr4-pae-cleared",
        "cr4-bit31")},
        **{"cr0-unchanged": YES, "cr4-unchanged": YES, "vmm-answers": YES}),
    "apic-base": {
        "bit63": same("apic-base", "bit63"),
        "above-maxphyaddr": same("apic-base", "above-maxphyaddr"),
        "reserved-bits": same("apic-base", "reserved-bits"),
        # README: pmuvisor refuses an APIC moved onto its own memory.
        "onto-pmuvisor": pattern(r"gp page=0x[0-9a-f]+", "gp page=0x..."),
        "unchanged": YES,
        "vmm-answers": YES,
    },
    "nmi": {"self-nmis": same("nmi", "self-nmis"), "vmm-answers": YES},
    "vpmu": {
        "nmi-movss": pmis_delivered,
        "nmi-sti": pmis_delivered,
        "nmi-movss-exit": pmis_delivered,
        "nmi-sti-exit": pmis_delivered,
        # cpu-switch should leave pmuvisor's time on an exit out of the
        # guest's count; today the timer backend still counts the exit
        # path's stub outside its time stamps (63 instructions in Bochs;
        # making it exact is the "cheaper profiling paths" issue's).  The
        # line is kept so the figure stays visible; what is asserted is
        # that the loop was counted at all.
        "exit-charge": pattern(r"cpuid-loop=[1-9]\d* nop-loop=[1-9]\d* extra-per-exit=\d+",
                               "both loops counted"),
        "vector-if0": literal("before=0 after=1 masked=1"),
        "vector-gp-exits": pmis_delivered,
        "vmm-answers": YES,
    },
    # docs/hypercalls.md and vmx/hypercall.c: unknown numbers ENOSYS, bad
    # arguments EINVAL; results unchanged on error.
    "hypercall": {
        "unknown-first": ENOSYS, "unknown-0x100": ENOSYS, "unknown-0x80000000": ENOSYS,
        "unknown-max": ENOSYS,
        # guest_control=on: the payload may still log (docs/hypercalls.md,
        # log-close), its escape and bell printed as '?'.
        "log-good": literal("0 unchanged"),
        "log-on-console": literal("sanitized"),
        "log-length-4097": EINVAL, "log-length-huge": EINVAL, "log-noncanonical": EINVAL,
        "log-wraps": EINVAL, "log-pmuvisor-memory": EINVAL,
        "shell-reply-noncanonical": EINVAL, "shell-reply-size-0": EINVAL,
        "shell-reply-wraps": EINVAL, "shell-reply-pmuvisor-memory": EINVAL,
        "shell-command-noncanonical": EINVAL,
        "shell-good": literal("0 changed"),
        "vmm-answers": YES,
    },
    "sweep": {
        "msr-swept": literal(str(len(swept_msrs()))),
        "msr-faults": same("sweep", "msr-faults"),
        "msr-fault-set": msr_fault_set,
        "msr-documented-faults": vmx_msrs_fault,
        "cpuid-max": same("sweep", "cpuid-max"),
        "cpuid-ext-max": same("sweep", "cpuid-ext-max"),
        "cpuid-leaves": cpuid_leaves,
        "vmm-answers": YES,
    },
    # docs/hidden-memory.md: an empty bus.
    "hidden": {
        "read": literal("0xffffffffffffffff"),
        "write": literal("other-page=0xffffffffffffffff after-exit=0xffffffffffffffff"),
        "fetch": literal("ud"),
        "vmm-answers": YES,
    },
    # Hardware task switches in 32-bit protected mode, carried out by
    # pmuvisor: what each task saw and the busy bits, as natively.
    "task": {
        "switches": same("task", "switches"),
        "busy": same("task", "busy"),
        "cr0-ts": same("task", "cr0-ts"),
        "vmm-answers": YES,
    },
}

GP = literal("gp")
# What the bare CPU must answer (SDM), checked on the native run so that a
# comparison with it means something.
NATIVE_EXPECT = {
    "xsetbv": {n: GP for n in ("xcr0-0x23", "xcr0-0x27", "xcr0-0x0", "xcr0-0x2", "xcr1-0x1",
                               "xcr0-bit63")},
    "cr": dict({n: GP for n in ("cr0-pg-without-pe", "cr0-bit32", "cr0-nw-without-cd",
                                "cr4-bit63", "cr4-pae-cleared", "cr4-bit31")},
               **{"cr0-unchanged": YES, "cr4-unchanged": YES}),
    "apic-base": {"bit63": GP, "above-maxphyaddr": GP, "reserved-bits": GP, "unchanged": YES},
    "nmi": {"self-nmis": literal("5")},
    "vpmu": {"skip": pattern(r"no virtual PMU .*", "no virtual PMU (...)")},
    "hidden": {"skip": literal("natively the range is the firmware's")},
    # JMP B, JMP A, CALL B, IRET (SDM Vol. 3A, 8.3): B ran twice with its
    # TSS's EAX, A kept its EAX, only the CALL nested, both TSSs end as
    # the running one (A, busy) and a free one (B).
    "task": {
        "switches": literal("b-runs=2 b-eax=0x5a5a0001 a-eax=0xa0a0a0a0 b-nt-jmp=0 b-nt-call=1 "
                            "a-nt-iret=0 link=0x20"),
        "busy": literal("tss-a-type=11 tss-b-type=9"),
        "cr0-ts": literal("1"),
    },
    "hypercall": {n: literal("ud") for n in EXPECT["hypercall"]
                  if n not in ("vmm-answers", "log-on-console")},
}
for _cls in CLASSES:
    if _cls not in PMUVISOR_ONLY:
        NATIVE_EXPECT.setdefault(_cls, {})["vmm-answers"] = literal("no-vmcall")


# -- running -------------------------------------------------------------

def results(text):
    """{(class, name): value} of the result lines, and the classes begun."""
    found, begun = {}, []
    for cls, name, value in LINE.findall(text):
        if name == "begin" and not value:
            begun.append(cls)
        elif cls in CLASSES:
            found[(cls, name)] = value
    return found, begun


def hostile_files(cfg):
    return {BOOT_PATH: PMUVISOR_EFI, "\\pmuvisor.cfg": cfg, "\\hostile.efi": HOSTILE_EFI}


def cfg_for(classes, native):
    cfg = "payload=\\hostile.efi\ncmdline=\"classes=%s\"\n" % ",".join(classes)
    # vpmu=on: the virtual PMU class; guest_control=on: the shell hypercall
    # gets as far as its arguments.
    return cfg + ("vmx=off\n" if native else "vpmu=on\nguest_control=on\n")


def run_payload(m, start_line):
    """Boot, then follow the payload class by class.  Returns the COM1
    text, the class it stopped in (None if it reached "done": it stops at
    a panic on pmuvisor's console, the emulator gone, or a class that
    makes no progress for CLASS_TIMEOUT seconds) and a "CLASS SECONDS"
    summary of where the wall time went."""
    m.expect("com2", start_line, 180)
    pos = m.expect("com1", r"^PMUVISOR-HOSTILE: start under=", 120).end()
    current, since, spent = None, time.monotonic(), []
    while True:
        try:
            got = m.expect("com1", PROGRESS, 2, start=pos)
        except TestFailure:
            if (re.search(r"^PANIC: ", m.text("com2"), re.M) or m.proc.poll() is not None
                    or time.monotonic() - since > CLASS_TIMEOUT):
                time.sleep(1)  # the rest of the report
                return m.text("com1"), current or "(before the first class)", " ".join(spent)
            continue
        if current:
            spent.append("%s %.1f" % (current, time.monotonic() - since))
        if got.group(1) is None:
            return m.text("com1"), None, " ".join(spent)
        current, pos, since = got.group(1), got.end(), time.monotonic()


def native_run(name, cpu, classes):
    """The payload natively: its results, from a fresh boot, or with
    PMUVISOR_HOSTILE_NATIVE_CACHE=1 from the last boot of the same
    payload, model and classes."""
    with open(HOSTILE_EFI, "rb") as f:
        key = hashlib.sha256(f.read() + cpu.encode() + ",".join(classes).encode()).hexdigest()
    cache = os.path.join(BUILD, "test-logs", "hostile-native-%s.json" % cpu)
    if os.environ.get("PMUVISOR_HOSTILE_NATIVE_CACHE") == "1" and os.path.exists(cache):
        with open(cache) as f:
            saved = json.load(f)
        if saved["key"] == key:
            print("  %s: native results reused from %s" % (name, cache))
            return {tuple(k.split(" ", 1)): v for k, v in saved["results"].items()}
    began = time.monotonic()
    with Machine(name + "-native", hostile_files(cfg_for(classes, True)), cpu=cpu) as m:
        text, stopped, spent = run_payload(m, NATIVE_START)
        m.wait_exit(30)
    print("  %s-native: %.0f s wall (%s)" % (name, time.monotonic() - began, spent))
    if stopped:
        raise TestFailure("the native run stopped in class %s (logs: %s)" % (stopped, m.dir))
    native, _ = results(text)
    with open(cache, "w") as f:
        json.dump({"key": key, "results": {"%s %s" % k: v for k, v in native.items()}}, f)
    return native


def check_console(m, classes):
    """pmuvisor's console still answers, and counted the exits the attacks
    made, and the payload shuts the machine down.  Returns what is wrong."""
    try:
        shell(m, "info", r"^configuration: console 0x2f8 at 115200 baud, polled \d+ times")
        typed = len(m.text("com2"))
        table = shell(m, "stats", r"^total in pmuvisor")
    except TestFailure as e:
        return ["the console does not answer: %s" % e]
    text = m.text("com2")[typed:table.end()]
    missing = sorted({reason for c in classes for reason in CLASS_EXITS[c]
                      if not re.search(r"^%s +[\d,]+ +[\d,]+ +\d+\.\d\d%%$" % re.escape(reason),
                                       text, re.M)})
    problems = ["stats shows no row for %s" % ", ".join(missing)] if missing else []
    if "hidden" in classes:
        touches = re.search(r"^guest touches of pmuvisor's memory: \d+ \(reads [1-9]\d*, "
                            r"writes dropped [1-9]\d*, fetches given #UD [1-9]\d*\)", m.text("com2"),
                            re.M)
        if not touches:
            problems.append("info does not count a read, a dropped write and a fetch of "
                            "pmuvisor's memory")
    m.send("com1", "x")  # the payload waits for it to shut down
    if m.wait_exit(30) is None:
        problems.append("the payload did not shut the machine down")
    try:
        check_absent(m, "com2", r"PANIC|panic", "a panic on pmuvisor's console")
    except TestFailure as e:
        problems.append(str(e))
    return problems


def pmuvisor_runs(name, cpu, classes):
    """Under pmuvisor, booting again after a crash with the classes left
    when PMUVISOR_HOSTILE_RESUME=1.  Returns the results, {class: what
    went wrong} for the classes that crashed or were not run, and what is
    wrong with pmuvisor's console after the last class."""
    found, trouble, console, left, boot = {}, {}, [], list(classes), 0
    resume = os.environ.get("PMUVISOR_HOSTILE_RESUME") == "1"
    while left:
        run = name if not boot else "%s-resume%d" % (name, boot)
        began = time.monotonic()
        with Machine(run, hostile_files(cfg_for(left, False)), cpu=cpu) as m:
            text, stopped, spent = run_payload(m, GUEST_START)
            got, begun = results(text)
            found.update(got)
            if ("hypercall", "log-good") in got:
                # What pmuvisor printed since it started the payload (the
                # firmware's own escapes come before).
                com2 = m.text("com2")
                com2 = com2[re.search(GUEST_START, com2, re.M).end():]
                found[("hypercall", "log-on-console")] = (
                    "raw" if "\x1b[2J" in com2 or "\x07" in com2 else
                    "sanitized" if "hostile: log ?[2Jescape?\n" in com2 else "absent")
            if stopped is None:
                console = check_console(m, left)
            com2 = m.text("com2").strip().splitlines()
        print("  %s: %.0f s wall (%s)%s" % (run, time.monotonic() - began, spent,
                                            ", stopped in class %s" % stopped if stopped else ""))
        if stopped is None:
            break
        if stopped not in left:
            raise TestFailure("under pmuvisor the payload stopped %s (logs: %s):\n  %s" % (
                stopped, m.dir, "\n  ".join(com2[-12:])))
        trouble[stopped] = "stopped here (logs: %s); pmuvisor's console ended:\n        %s" % (
            m.dir, "\n        ".join(com2[-12:]))
        left = left[left.index(stopped) + 1:]
        if not resume:
            for cls in left:
                trouble[cls] = ("not run: pmuvisor stopped in class %s before it "
                                "(PMUVISOR_HOSTILE_RESUME=1 runs the rest after a crash)" % stopped)
            break
        boot += 1
    return found, trouble, console


def compare(classes, native, found, trouble):
    """Per class, the lines that are not what they should be."""
    report = {}
    for cls in classes:
        bad = []
        for name, rule in sorted(NATIVE_EXPECT.get(cls, {}).items()):
            got = native.get((cls, name))
            want = rule(native, got) if got is not None else "a line"
            if want is not None:
                bad.append("native %s: got %r, expected %s" % (name, got, want))
        if cls in trouble:
            bad.append(trouble[cls])
        for name, rule in sorted(EXPECT[cls].items()):
            got = found.get((cls, name))
            if got is None:
                if cls not in trouble:
                    bad.append("%s: missing" % name)
                continue
            want = rule(native, got)
            if want is not None:
                bad.append("%s: got %r, expected %s" % (name, got, want))
        bad += ["%s: unexpected line %r" % (n, v) for (c, n), v in sorted(found.items())
                if c == cls and n not in EXPECT[cls]]
        if bad:
            report[cls] = bad
    return report


def hostile(name, cpu):
    classes = os.environ.get("PMUVISOR_HOSTILE_CLASSES", ",".join(CLASSES)).split(",")
    unknown = [c for c in classes if c not in CLASSES]
    if unknown:
        raise TestFailure("PMUVISOR_HOSTILE_CLASSES: unknown %s (known: %s)" %
                          (", ".join(unknown), ", ".join(CLASSES)))
    native = native_run(name, cpu, classes)
    found, trouble, console = pmuvisor_runs(name, cpu, classes)
    report = compare(classes, native, found, trouble)
    if report or console:
        raise TestFailure("%d of %d classes not as expected:\n%s" % (
            len(report), len(classes), "\n".join(
                "  %s:\n%s" % (cls, "\n".join("    " + line for line in lines))
                for cls, lines in list(report.items()) +
                ([("pmuvisor's console after the last class", console)] if console else []))))


test("hostile-bochs-skylake")(lambda: hostile("hostile-bochs-skylake", "corei7_skylake_x"))
test("hostile-bochs-haswell")(lambda: hostile("hostile-bochs-haswell", "corei7_haswell_4770"))
