"""pmuvisor's integration tests: what a user sees on the two serial lines.

COM1 is the guest's console (the guest's markers are "PMUVISOR-GUEST: ...",
the test payload's "PMUVISOR-PAYLOAD: ..."); COM2 is pmuvisor's console.
"""

import os
import re
import time

from machine import BUILD, Machine, TestFailure

PMUVISOR_EFI = os.path.join(BUILD, "pmuvisor.efi")
HELLO_EFI = os.path.join(BUILD, "payloads", "hello.efi")
GUEST = os.path.join(BUILD, "guest")
BOOT_PATH = "\\EFI\\BOOT\\BOOTX64.EFI"

# What Linux must see in /proc/cmdline: exactly the cmdline= of pmuvisor.cfg.
LINUX_CMDLINE = "console=ttyS0,115200 loglevel=4 pmuvisor.test=boot"
LINUX_CFG = ('# demo configuration\n'
             'payload=\\vmlinuz\n'
             'initrd=\\initrd.cpio\n'
             'cmdline="%s"\n' % LINUX_CMDLINE)

BANNER = r"^pmuvisor \d+\.\d+\.\d+ \(build \S+, gcc \d[^)]*\)$"
# Bochs advertises an architectural PMU whose counters hold no value.
BOCHS_PMU = (r"^PMU: advertised \(version %s\) but does not count: "
             r"its counters do not keep a written value$")


class Test:
    def __init__(self, name, func, skip_reason=None):
        self.name = name
        self.func = func
        self.skip_reason = skip_reason


TESTS = []


def test(name, skip_reason=None):
    def register(func):
        TESTS.append(Test(name, func, skip_reason))
        return func
    return register


def kvm_nested_skip_reason():
    if not os.path.exists("/dev/kvm"):
        return "no /dev/kvm on this host"
    with open("/proc/cpuinfo") as f:
        if not re.search(r"^flags\s*:.*\bvmx\b", f.read(), re.M):
            return "the host CPU has no VMX (nested VT-x needs an Intel host with kvm_intel nested=1)"
    try:
        with open("/sys/module/kvm_intel/parameters/nested") as f:
            if f.read().strip() not in ("Y", "1"):
                return "kvm_intel is loaded with nested=0"
    except OSError:
        return "kvm_intel is not loaded"
    return None


# Under QEMU/KVM with nested VT-x (an Intel host with kvm_intel nested=1).
KVM = {"emulator": "qemu", "cpu": "host,+vmx,pmu=on"}


def vtx_test(name):
    """Register a test that runs in Bochs and again, as NAME-kvm, under
    QEMU/KVM where the host offers nested VT-x (skipped elsewhere, with the
    reason).  The test function takes (test name, Machine arguments)."""
    def register(func):
        TESTS.append(Test(name, lambda: func(name, {})))
        TESTS.append(Test(name + "-kvm", lambda: func(name + "-kvm", KVM), kvm_nested_skip_reason))
        return func
    return register


def linux_files(cfg=LINUX_CFG):
    return {BOOT_PATH: PMUVISOR_EFI, "\\EFI\\BOOT\\pmuvisor.cfg": cfg,
            "\\vmlinuz": os.path.join(GUEST, "vmlinuz"),
            "\\initrd.cpio": os.path.join(GUEST, "initrd.cpio")}


def hello_files(cfg, cfg_path="\\pmuvisor.cfg", **extra):
    files = {BOOT_PATH: PMUVISOR_EFI, cfg_path: cfg, "\\hello.efi": HELLO_EFI}
    files.update(extra)
    return files


def check_equal(what, got, expected):
    if got != expected:
        raise TestFailure("%s: expected %r, got %r" % (what, expected, got))


def check_absent(m, line, pattern, what):
    if re.search(pattern, m.text(line), re.M):
        raise TestFailure("%s: /%s/ appeared on %s (logs: %s)" % (what, pattern, line, m.dir))


GUEST_START = r"^starting the payload as pmuvisor's guest$"
NATIVE_START = r"^starting the payload natively$"


def boot_linux_through_pmuvisor(m, vmx_line, pmu_line, start_line=GUEST_START):
    """The chain-load: banner and report on COM2, then Linux userspace on
    COM1 with pmuvisor's cmdline= as its /proc/cmdline."""
    m.expect("com2", BANNER, 120)
    m.expect("com2", vmx_line, 30)
    m.expect("com2", pmu_line, 30)
    m.expect("com2", r"^  payload +\\vmlinuz \(\d+ KiB, Linux 6\.\d+\.\d+-\S+-cloud-amd64\)$", 60)
    m.expect("com2", r"^  initrd +\\initrd\.cpio \(\d+ KiB, through the LoadFile2 initrd", 10)
    m.expect("com2", start_line, 30)
    m.expect("com1", r"^PMUVISOR-GUEST: userspace uptime=", 300)
    got = m.expect("com1", r"^PMUVISOR-GUEST: cmdline=(.*)$", 30).group(1)
    check_equal("guest /proc/cmdline", got, LINUX_CMDLINE)
    m.expect("com1", r"^PMUVISOR-GUEST: scenario=boot result=pass$", 120)
    check_absent(m, "com1", r"^pmuvisor \d", "pmuvisor's log on the guest console")


def kernel_warnings(m):
    """The guest kernel's warning-or-worse log lines, with numbers blanked
    out: KASLR moves addresses (and code bytes) from one boot to the next."""
    lines = re.findall(r"^PMUVISOR-GUEST: klog: (.*)$", m.text("com1"), re.M)
    return {re.sub(r"\b(?:0x)?[0-9a-fA-F]{2,}\b|\d+", "#", line) for line in lines}


def check_guest_sees_pmuvisor(m):
    m.expect("com1", r"^PMUVISOR-GUEST: hypervisor=yes$", 10)
    m.expect("com1", r"^PMUVISOR-GUEST: hypervisor_signature=pmuvisor$", 10)
    m.expect("com1", r"^PMUVISOR-GUEST: cpuinfo_hypervisor=yes$", 10)


def linux_through_pmuvisor(name, vm, pmu_line):
    with Machine(name, linux_files(), **vm) as m:
        boot_linux_through_pmuvisor(m, r"^VT-x available$", pmu_line)
        m.expect("com2", r"^hypervisor: running; this firmware is now pmuvisor's guest$", 5)
        check_guest_sees_pmuvisor(m)


def linux_vs_native(name, cpu, pmu):
    """The same kernel and initrd, natively (vmx=off) and under pmuvisor:
    under pmuvisor the kernel warns about nothing it does not warn about
    natively, and sees pmuvisor."""
    vm = {"cpu": cpu}
    with Machine(name + "-native", linux_files(LINUX_CFG + "vmx=off\n"), **vm) as m:
        boot_linux_through_pmuvisor(m, r"^VT-x available$", BOCHS_PMU % pmu, NATIVE_START)
        m.expect("com1", r"^PMUVISOR-GUEST: hypervisor=no$", 10)
        m.expect("com1", r"^PMUVISOR-GUEST: klog-end$", 30)
        native = kernel_warnings(m)
    with Machine(name, linux_files(), **vm) as m:
        boot_linux_through_pmuvisor(m, r"^VT-x available$", BOCHS_PMU % pmu)
        m.expect("com2", r"^hypervisor: running; this firmware is now pmuvisor's guest$", 5)
        check_guest_sees_pmuvisor(m)
        m.expect("com1", r"^PMUVISOR-GUEST: klog-end$", 30)
        extra = kernel_warnings(m) - native
    if extra:
        raise TestFailure("under pmuvisor the guest kernel warned: %s" % "; ".join(sorted(extra)))


test("linux-bochs-skylake")(lambda: linux_vs_native(
    "linux-bochs-skylake", "corei7_skylake_x", r"4, 4 GP \+ 3 fixed counters"))
test("linux-bochs-haswell")(lambda: linux_vs_native(
    "linux-bochs-haswell", "corei7_haswell_4770", r"3, 4 GP \+ 3 fixed counters"))
test("linux-kvm", kvm_nested_skip_reason)(lambda: linux_through_pmuvisor(
    "linux-kvm", KVM, r"^PMU: "))


@test("linux-qemu-no-vtx")
def linux_qemu_no_vtx():
    """QEMU's TCG has no VMX: pmuvisor says so and boots the payload natively."""
    with Machine("linux-qemu-no-vtx", linux_files(), emulator="qemu", cpu="qemu64") as m:
        boot_linux_through_pmuvisor(
            m, r"^VT-x not available: the CPU does not offer VMX \(CPUID\.1:ECX\.VMX\[bit 5\] is 0\)$",
            r"^PMU: none advertised$", NATIVE_START)


@vtx_test("bad-config")
def bad_config(name, vm):
    """Unknown key, bad values and garbage are reported with file and line;
    the rest of the file still applies and the payload still boots."""
    cfg = ("payload=\\hello.efi\n"
           "colour=blue\n"
           "baud=fast\n"
           "console=com9\n"
           "cmdline=\"unterminated\n"
           "garbage\x01here=1\n"
           "cmdline=\"still booted\"\n"
           "symbols=\\nothere.map\n")
    with Machine(name, hello_files(cfg), **vm) as m:
        m.expect("com2", r"^pmuvisor\.cfg:2: unknown key 'colour' \(known keys: payload, initrd, "
                 r"cmdline, console, baud, symbols, on_error, vmx, selftest, poll_hz, guest_control, "
                 r"prof_samples, vpmu, device\)$", 120)
        m.expect("com2", r"^pmuvisor\.cfg:3: baud: bad value 'fast': expected a rate that divides "
                 r"115200", 5)
        m.expect("com2", r"^pmuvisor\.cfg:4: console: bad value 'com9': expected com1, com2", 5)
        m.expect("com2", r"^pmuvisor\.cfg:5: cmdline: missing closing \" quote$", 5)
        m.expect("com2", r"^pmuvisor\.cfg:6: line has a non-text byte 0x01 at column 8; "
                 r"line ignored$", 5)
        m.expect("com2", r"^config: \\pmuvisor\.cfg \(with errors, see above\)$", 5)
        m.expect("com2", r"^  console +0x2f8 at 115200 baud$", 5)
        m.expect("com2", r"^pmuvisor\.cfg:8: symbols \\nothere\.map: cannot read it: not found$", 5)
        m.expect("com2", GUEST_START, 60)
        got = m.expect("com1", r"^PMUVISOR-PAYLOAD: load-options=(.*)$", 60).group(1)
        check_equal("payload load options", got, "still booted")


@vtx_test("missing-payload")
def missing_payload(name, vm):
    """A payload that is not there: pmuvisor says why and returns to the
    firmware, which goes on to its next boot option (here the UEFI shell,
    which runs startup.nsh)."""
    files = {BOOT_PATH: PMUVISOR_EFI, "\\EFI\\BOOT\\pmuvisor.cfg": "payload=\\nope.efi\n",
             "\\startup.nsh": "@echo -off\r\necho PMUVISOR-FIRMWARE: next boot option\r\n"}
    with Machine(name, files, **vm) as m:
        m.expect("com2", r"^pmuvisor\.cfg:1: payload \\nope\.efi: cannot read it: not found$", 120)
        m.expect("com2", r"^pmuvisor: returning to the firmware \(not found\)$", 10)
        m.expect("com1", r"BdsDxe: failed to start Boot\d+ .*: Not Found$", 30)
        m.expect("com1", r"startup\.nsh", 60)
        m.send("com1", "\r")  # skip the shell's 5-second countdown
        m.expect("com1", r"^PMUVISOR-FIRMWARE: next boot option", 60)


@vtx_test("load-options")
def load_options(name, vm):
    """Started from the UEFI shell with arguments: the load options win over
    the pmuvisor.cfg found beside the .efi."""
    files = {"\\EFI\\pmuvisor\\pmuvisor.efi": PMUVISOR_EFI,
             "\\EFI\\pmuvisor\\pmuvisor.cfg": "payload=\\nope.efi\ncmdline=from-file\n",
             "\\hello.efi": HELLO_EFI,
             "\\bad.map": "ffffffff81000000 T _text\nthis is not a symbol\n",
             "\\startup.nsh": ("@echo -off\r\nfs0:\r\n"
                               "\\EFI\\pmuvisor\\pmuvisor.efi payload=\\hello.efi "
                               "cmdline=\"from the shell\" symbols=\\bad.map\r\n")}
    with Machine(name, files, **vm) as m:
        m.expect("com1", r"startup\.nsh", 120)
        m.send("com1", "\r")
        m.expect("com2", r"^load options: note: payload overrides pmuvisor\.cfg:1$", 60)
        m.expect("com2", r"^load options: note: cmdline overrides pmuvisor\.cfg:2$", 5)
        m.expect("com2", r"^config: \\EFI\\pmuvisor\\pmuvisor\.cfg$", 5)
        m.expect("com2", r"^symbols \\bad\.map:2: not 'ADDRESS TYPE NAME'; guest kernel names "
                 r"will come from its kallsyms$", 30)
        got = m.expect("com1", r"^PMUVISOR-PAYLOAD: load-options=(.*)$", 60).group(1)
        check_equal("payload load options", got, "from the shell")


@test("on-error-halt")
def on_error_halt():
    """on_error=halt on a CPU without VT-x: the payload is not started."""
    cfg = "payload=\\hello.efi\non_error=halt\n"
    with Machine("on-error-halt", hello_files(cfg), emulator="qemu", cpu="qemu64") as m:
        m.expect("com2", r"^VT-x not available: the CPU does not offer VMX", 60)
        m.expect("com2", r"^on_error=halt: not starting the payload\. Halted\.$", 30)
        m.wait_exit(3)
        check_absent(m, "com1", r"PMUVISOR-PAYLOAD", "payload output after on_error=halt")



@vtx_test("fault-guard")
def fault_guard(name, vm):
    """The #GP guard the PMU probe relies on, on a real (emulated) CPU: a
    faulting WRMSR returns an error and execution goes on."""
    files = {BOOT_PATH: os.path.join(BUILD, "payloads", "faultguard.efi")}
    with Machine(name, files, **vm) as m:
        m.expect("com1", r"^PMUVISOR-PAYLOAD: faultguard read=0 bad-write=-1 good-write=0 "
                 r"reread=0 value=0x1234000$", 120)


@vtx_test("bad-guest-state")
def bad_guest_state(name, vm):
    """A deliberately broken guest state (selftest=bad-guest-state clears
    CR0.NE): pmuvisor names the VM-entry rule and the fields, does not
    launch, and starts the payload natively."""
    cfg = "payload=\\hello.efi\ncmdline=after the check\nselftest=bad-guest-state\n"
    with Machine(name, hello_files(cfg), **vm) as m:
        m.expect("com2", r"^VM entry would fail: guest\.cr0\.fixed \(SDM 27\.3\.1\.1\): guest CR0 "
                 r"must have every bit of IA32_VMX_CR0_FIXED0 set", 120)
        m.expect("com2", r"^  GUEST_CR0 += 0x[0-9a-f]+$", 5)
        m.expect("com2", r"^  IA32_VMX_CR0_FIXED0 = 0x[0-9a-f]+$", 5)
        m.expect("com2", r"^VT-x not used: the VMCS breaks a VM-entry rule \(see above\)$", 5)
        m.expect("com2", NATIVE_START, 30)
        got = m.expect("com1", r"^PMUVISOR-PAYLOAD: load-options=(.*)$", 60).group(1)
        check_equal("payload load options", got, "after the check")


def vmtest(name, vm):
    """The guest test payload: the virtual CPU as specified, seen from
    inside the guest (tests/payloads/vmtest.c)."""
    files = {BOOT_PATH: PMUVISOR_EFI, "\\pmuvisor.cfg": "payload=\\vmtest.efi\n",
             "\\vmtest.efi": os.path.join(BUILD, "payloads", "vmtest.efi")}
    with Machine(name, files, **vm) as m:
        m.expect("com2", GUEST_START, 120)
        done = m.expect("com1", r"^PMUVISOR-VMTEST: done pass=(\d+) fail=(\d+)$", 120)
        failures = re.findall(r"^PMUVISOR-VMTEST: (\S+ fail .*)$", m.text("com1"), re.M)
        if failures or done.group(2) != "0":
            raise TestFailure("guest checks failed: %s" % "; ".join(failures))
        check_equal("checks passed", done.group(1), "9")
        m.expect("com1", r"^PMUVISOR-VMTEST: cost cpuid=\d+ vmcall=\d+ rdmsr=\d+$", 5)


test("vmtest-bochs-skylake")(lambda: vmtest("vmtest-bochs-skylake", {"cpu": "corei7_skylake_x"}))
test("vmtest-bochs-haswell")(lambda: vmtest("vmtest-bochs-haswell", {"cpu": "corei7_haswell_4770"}))
test("vmtest-kvm", kvm_nested_skip_reason)(lambda: vmtest("vmtest-kvm", KVM))


def progress(m):
    """The last progress count the spinning guest printed."""
    counts = re.findall(r"^PMUVISOR-GUEST: progress (\d+)$", m.text("com1"), re.M)
    return int(counts[-1]) if counts else 0


def shell(m, command, reply, timeout=60):
    """Type a command on pmuvisor's console and wait for its reply."""
    start = len(m.text("com2"))
    m.send("com2", command + "\r")
    return m.expect("com2", reply, timeout, start=start)


@test("shell-bochs")
def shell_bochs():
    """pmuvisor's shell on COM2 while Linux spins on COM1: help, info,
    stats, pause/continue, garbage; the guest console never sees pmuvisor."""
    cfg = LINUX_CFG.replace("pmuvisor.test=boot", "pmuvisor.test=spin")
    with Machine("shell-bochs", linux_files(cfg)) as m:
        m.expect("com1", r"^PMUVISOR-GUEST: progress \d+$", 300)
        shell(m, "help", r"^cpuid LEAF \[SUBLEAF\] +CPUID as the guest sees it$")
        shell(m, "info", r"^configuration: console 0x2f8 at 115200 baud, polled 100 times")
        table = shell(m, "stats", r"^total in pmuvisor")
        text = m.text("com2")[table.start() - 4000:table.end()]
        for reason in ("CPUID", "RDMSR", "VMX-preemption timer"):
            if not re.search(r"^%s +[\d,]+ +[\d,]+ +\d+\.\d\d%%$" % re.escape(reason), text, re.M):
                raise TestFailure("stats shows no %s row (logs: %s)" % (reason, m.dir))
        shell(m, "cpuid 0x40000000", r"EBX=76756d70 ECX=726f7369 EDX=00000000$")
        shell(m, "pause", r"^guest paused at RIP 0x[0-9a-f]+")
        held = progress(m)
        time.sleep(8)
        if progress(m) > held + 2000:
            raise TestFailure("the guest kept running while paused (%d -> %d)" % (held, progress(m)))
        shell(m, "continue", r"^guest continues$")
        m.expect("com1", r"^PMUVISOR-GUEST: progress %d$" % (progress(m) + 2000), 120)
        shell(m, "frobnicate", r"^unknown command 'frobnicate' \(type help\)$")
        shell(m, "cpuid 0xZZ", r"^bad number '0xZZ' for LEAF")
        shell(m, "x" * 300, r"^line too long \(at most 255 characters\)$")
        m.send("com2", "\x00\x01\x1b[Zgarbage\x7f\x7f\x7f\x7f\x7f\x7f\x7fhelp\r")
        m.expect("com2", r"^stats \[reset\] +VM exits per reason", 60)
        check_absent(m, "com1", r"pmuvisor>", "pmuvisor's prompt on the guest console")


def client(name, guest_control):
    """The guest-side client (tests/guests/pmuvisor.c) sends commands to
    pmuvisor's shell by hypercall; pmuvisor answers only with
    guest_control=on."""
    cfg = LINUX_CFG.replace("pmuvisor.test=boot", "pmuvisor.test=client")
    cfg += "guest_control=%s\n" % ("on" if guest_control else "off")
    with Machine(name, linux_files(cfg)) as m:
        m.expect("com1", r"^PMUVISOR-GUEST: scenario=client begin$", 300)
        if guest_control:
            m.expect("com1", r"^PMUVISOR-GUEST: client: CPUID 0x40000000\.0 as the guest sees it: "
                     r"EAX=40000000 EBX=76756d70 ECX=726f7369 EDX=00000000$", 60)
            m.expect("com1", r"^PMUVISOR-GUEST: client-status cpuid 0x40000000 = 0$", 30)
            m.expect("com1", r"^PMUVISOR-GUEST: client: unknown command 'frobnicate' \(type help\)$", 30)
            m.expect("com1", r"^PMUVISOR-GUEST: client-status frobnicate = 1$", 30)
            m.expect("com1", r"^PMUVISOR-GUEST: client: pause: only from pmuvisor's console", 30)
        else:
            m.expect("com1", r"^PMUVISOR-GUEST: client: pmuvisor: refused: the guest may not "
                     r"control pmuvisor \(guest_control=off in pmuvisor\.cfg\)$", 60)
            m.expect("com1", r"^PMUVISOR-GUEST: client-status cpuid 0x40000000 = 2$", 30)
        m.expect("com1", r"^PMUVISOR-GUEST: scenario=client result=pass$", 60)


test("client-guest-control-on")(lambda: client("client-guest-control-on", True))
test("client-guest-control-off")(lambda: client("client-guest-control-off", False))

import prof_scenarios  # noqa: E402,F401  (registers the profiler's tests)
import perf_scenarios  # noqa: E402,F401  (guest-wide profiling with perf)
import hostile_scenarios  # noqa: E402,F401  (a hostile guest, compared with native)
