#!/usr/bin/env python3
"""make run: boot pmuvisor.efi in Bochs (emulated VT-x machine, OVMF) and let
it start the Linux guest; show both serial lines live, then say what happened.
With the default scenario (demo), profile the whole machine over pmuvisor's
console while the guest runs a workload, and print the report.

Environment: PMUVISOR_CPU (Bochs CPU model, default corei7_skylake_x),
PMUVISOR_TEST (guest scenario, default demo).
"""

import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from machine import Machine, TestFailure  # noqa: E402
import scenarios  # noqa: E402
import perf_scenarios  # noqa: E402

ANSI = re.compile(r"\x1b\[[0-9;=?]*[A-Za-z]|\x1bc")
TIMEOUT = 1500


def show_new_lines(m, cursors):
    for line, prefix in (("com2", "pmuvisor | "), ("com1", "guest    | ")):
        text = m.text(line)
        end = text.rfind("\n") + 1
        for row in text[cursors[line]:end].split("\n")[:-1]:
            row = ANSI.sub("", row).rstrip()
            if row:
                print(prefix + row, flush=True)
        cursors[line] = end


def find(m, line, pattern):
    hit = re.search(pattern, m.text(line), re.M)
    return hit.group(1) if hit else None


def command(m, cursors, line, reply, timeout=120):
    """Type a line on pmuvisor's console (COM2) and wait for its answer."""
    start = len(m.text("com2"))
    m.send("com2", line + "\r")
    hit = m.expect("com2", reply, timeout, start=start)
    show_new_lines(m, cursors)
    return hit


def profile(m, cursors):
    """System-wide profile of the guest's demo workload, from the console."""
    command(m, cursors, "prof start period=50000", r"^prof: started")
    m.expect("com1", r"^PMUVISOR-GUEST: demo workload end$", TIMEOUT)
    show_new_lines(m, cursors)
    command(m, cursors, "prof status", r"^prof: samples")
    command(m, cursors, "prof report top=25", r"^# guest kernel symbols", 300)
    command(m, cursors, "prof report by=mode", r"^ +[\d.]+% +[\d,]+ +pmuvisor +pmuvisor$|"
            r"^  \(\d+ more rows", 60)
    command(m, cursors, "prof report by=exit top=6", r"in pmuvisor, of [\d,]+ TSC ticks profiled$")


def main():
    cpu = os.environ.get("PMUVISOR_CPU", "corei7_skylake_x")
    scenario = os.environ.get("PMUVISOR_TEST", "demo")
    cmdline = scenarios.LINUX_CMDLINE.replace("pmuvisor.test=boot", "pmuvisor.test=" + scenario)
    cfg = scenarios.LINUX_CFG.replace(scenarios.LINUX_CMDLINE, cmdline)
    files = scenarios.linux_files(cfg)
    esp_mb = 64
    if scenario == "demo":
        # The workload waits for the profile to start; the seed experiment
        # needs the virtual PMU, the demo device and perf in the initramfs.
        files = perf_scenarios.perf_files(scenario, "device=0x710\n")
        esp_mb = perf_scenarios.PERF_ESP_MB
    print("make run: booting pmuvisor.efi in Bochs (%s, OVMF); pmuvisor's console is COM2, "
          "the guest's COM1. Logs: build/test-logs/run/" % cpu, flush=True)
    cursors = {"com1": 0, "com2": 0}
    with Machine("run", files, cpu=cpu, esp_mb=esp_mb) as m:
        deadline = time.monotonic() + TIMEOUT
        demo = scenario == "demo"
        elapsed = None   # power-on to the guest's userspace
        while time.monotonic() < deadline:
            show_new_lines(m, cursors)
            text = m.text("com1")
            if elapsed is None and re.search(r"^PMUVISOR-GUEST: userspace", text, re.M):
                elapsed = m.elapsed()
            if re.search(r"^PMUVISOR-GUEST: end$", text, re.M):
                break
            if demo and re.search(r"^PMUVISOR-GUEST: demo ready$", text, re.M):
                demo = False
                profile(m, cursors)
                break
            if m.proc.poll() is not None:
                break
            time.sleep(0.3)
        show_new_lines(m, cursors)
        if elapsed is None:
            elapsed = m.elapsed()
        banner = find(m, "com2", r"^(pmuvisor \d+\.\d+\.\d+ .*)$")
        vmx = find(m, "com2", r"^(VT-x (?:available|not available.*))$")
        pmu = find(m, "com2", r"^(PMU: .*)$")
        userspace = find(m, "com1", r"^(PMUVISOR-GUEST: userspace uptime=\S+)$")
        guest_cmdline = find(m, "com1", r"^PMUVISOR-GUEST: cmdline=(.*)$")
        kernel = find(m, "com1", r"^PMUVISOR-GUEST: kernel=(\S+)$")
        as_guest = find(m, "com2", r"^(hypervisor: running); this firmware is now pmuvisor's guest$")
        signature = find(m, "com1", r"^PMUVISOR-GUEST: hypervisor_signature=(\S+)$")
        report = m.text("com2")
        guest_text = m.text("com1")
        top = {}
        for module in ("vmlinux", "[guest user]", "pmuvisor"):
            row = re.search(r"^ +([\d.]+%) +[\d,]+ +(\[guest user cr3=\S+\]|\S+) +" + re.escape(module) + "$",
                            report, re.M)
            if row:
                top[module] = "%s (%s)" % (row.group(2), row.group(1))
    print()
    print("What happened:")
    print("  pmuvisor     %s" % (banner or "NO BANNER on COM2"))
    print("  VT-x         %s" % (vmx or "no VT-x report"))
    print("  PMU          %s" % (pmu or "no PMU report"))
    if not userspace:
        print("  guest        did not reach userspace within %d s (logs: build/test-logs/run/)"
              % TIMEOUT)
        return 1
    where = "natively, started by pmuvisor.efi"
    if as_guest:
        where = "as pmuvisor's guest" + (" (CPUID 0x40000000 says \"%s\")" % signature
                                         if signature else "")
    print("  guest        Linux %s reached userspace %s, %.0f s after power-on" %
          (kernel, where, elapsed))
    print("  cmdline      %s%s" % (guest_cmdline, "  (= cmdline= in pmuvisor.cfg)"
                                   if guest_cmdline == cmdline else "  (DIFFERS from pmuvisor.cfg)"))
    if scenario == "demo":
        try:
            seed = perf_scenarios.seed_table(perf_scenarios.seed_results(guest_text))
            print("  guest-wide   perf in the guest, the seed paper's experiment (device work "
                  "5,000 instructions an access):")
            for line in seed:
                print("               " + line)
        except TestFailure as e:
            print("  guest-wide   no result from the seed experiment: %s" % e)
        print("  profile      top guest kernel function: %s; top guest address space: %s; top "
              "pmuvisor function: %s" % (top.get("vmlinux", "none"), top.get("[guest user]", "none"),
                                         top.get("pmuvisor", "none")))
    print(userspace)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except TestFailure as e:
        print("make run: %s" % e)
        sys.exit(1)
