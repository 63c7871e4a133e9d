#!/usr/bin/env python3
"""make bench: pmuvisor's costs, native vs pmuvisor, from one run.

In Bochs with `clock: sync=none` the TSC counts executed instructions, so
every figure here is an exact instruction count, the same on every run:
  - round trips of CPUID, VMCALL and an intercepted RDMSR, measured by the
    guest test payload (tests/payloads/vmtest.c) natively (vmx=off) and
    under pmuvisor: the difference is what pmuvisor spends per exit;
  - a CPU-bound loop: what the console's periodic polling costs the guest;
  - the same loop sampled by the timer backend every 20,000 instructions,
    without and with 8-frame call chains: instructions per sample and the
    guest's slowdown;
  - with the guest's virtual PMU on, the CPUID round trip under each
    accounting policy and backend: what they add to every exit (the hw
    backend forced with vpmu=hw: Bochs's PMU does not count, but the exit
    path is the one real hardware would run);
  - perf record in a Linux guest (guest-wide) vs pmuvisor's profiler
    (system-wide, timer backend) at the same sample period: the slowdown
    of a 30,000,000-instruction program timed by its own RDTSC;
  - Linux boot to userspace: the guest's TSC when its init runs;
  - pmuvisor's resident memory (from its log) and the size of pmuvisor.efi.
Boots run two at a time.
"""

import concurrent.futures
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "integration"))

import perf_scenarios  # noqa: E402
import scenarios  # noqa: E402
from machine import BUILD, Machine, TestFailure  # noqa: E402

CPU = os.environ.get("PMUVISOR_CPU", "corei7_skylake_x")
TARGETS = {"cpuid": 120, "boot_ratio": 1.05, "resident_kib": 4096, "efi_kib": 256}


def vmtest(name, extra_cfg):
    files = {scenarios.BOOT_PATH: scenarios.PMUVISOR_EFI,
             "\\pmuvisor.cfg": "payload=\\vmtest.efi\n" + extra_cfg,
             "\\vmtest.efi": os.path.join(BUILD, "payloads", "vmtest.efi")}
    with Machine(name, files, cpu=CPU) as m:
        cost = m.expect("com1", r"^PMUVISOR-VMTEST: cost cpuid=(\d+) vmcall=(\d+) rdmsr=(\d+)$",
                        180)
        spin = m.expect("com1", r"^PMUVISOR-VMTEST: spin instructions=(\d+) ticks=(\d+)$", 300)
        memory = re.search(r"^core: resident memory: (.*)$", m.text("com2"), re.M)
        result = {"cpuid": int(cost.group(1)), "vmcall": int(cost.group(2)),
                  "rdmsr": int(cost.group(3)), "spin": int(spin.group(2)),
                  "memory": memory.group(1) if memory else None}
        if "vpmu=" in extra_cfg:
            for policy in ("cpu-switch", "domain-switch"):
                cost = m.expect("com1", r"^PMUVISOR-VMTEST: vpmu policy=%s cpuid=(\d+)$" % policy, 300)
                result[policy] = int(cost.group(1))
        elif "vmx=off" not in extra_cfg:
            for chain in (0, 8):
                prof = m.expect("com1", r"^PMUVISOR-VMTEST: prof chain=%d ticks=(\d+) samples=(\d+)$"
                                % chain, 300)
                result["prof%d" % chain] = (int(prof.group(1)), int(prof.group(2)))
        return result


def linux(name, extra_cfg):
    with Machine(name, scenarios.linux_files(scenarios.LINUX_CFG + extra_cfg), cpu=CPU) as m:
        tsc = m.expect("com1", r"^PMUVISOR-GUEST: tsc=(\d+)$", 400)
        return {"tsc": int(tsc.group(1))}


def perf_slowdown(name, extra_cfg):
    files = perf_scenarios.perf_files("benchperf", extra_cfg)
    with Machine(name, files, cpu=CPU, esp_mb=perf_scenarios.PERF_ESP_MB) as m:
        m.expect("com1", r"^PMUVISOR-GUEST: scenario=benchperf result=pass$", 900)
        text = m.text("com1")
        plain = re.search(r"^PMUVISOR-GUEST: bench plain profload: tsc=(\d+)$", text, re.M)
        guest = re.search(r"^PMUVISOR-GUEST: bench guest-wide profload: tsc=(\d+) samples=(\d+)$",
                          text, re.M)
        system = re.search(r"^PMUVISOR-GUEST: bench system-wide profload: tsc=(\d+) prof: stopped: "
                           r"([\d,]+) samples", text, re.M)
        if not plain or not guest or not system:
            raise TestFailure("benchperf printed no figures (see %s)" % m.dir)
        return {"plain": int(plain.group(1)),
                "guest-wide": (int(guest.group(1)), int(guest.group(2))),
                "system-wide": (int(system.group(1)), int(system.group(2).replace(",", "")))}


def main():
    jobs = {
        "vmtest-native": (vmtest, "bench-vmtest-native", "vmx=off\n"),
        "vmtest-pmuvisor": (vmtest, "bench-vmtest-pmuvisor", "guest_control=on\n"),
        "vmtest-vpmu": (vmtest, "bench-vmtest-vpmu", "guest_control=on\nvpmu=on\n"),
        "vmtest-vpmu-hw": (vmtest, "bench-vmtest-vpmu-hw", "guest_control=on\nvpmu=hw\n"),
        "perf-slowdown": (perf_slowdown, "bench-perf-slowdown", ""),
        "linux-native": (linux, "bench-linux-native", "vmx=off\n"),
        "linux-pmuvisor": (linux, "bench-linux-pmuvisor", ""),
    }
    print("make bench: Bochs %s, OVMF; %d boots, two at a time (logs: build/test-logs/bench-*)"
          % (CPU, len(jobs)), flush=True)
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        futures = {k: pool.submit(f, name, cfg) for k, (f, name, cfg) in jobs.items()}
        results = {k: f.result() for k, f in futures.items()}

    native, guest = results["vmtest-native"], results["vmtest-pmuvisor"]
    print()
    print("%-34s %12s %12s %14s" % ("round trip (instructions)", "native", "pmuvisor",
                                     "in pmuvisor"))
    for key, label in (("cpuid", "CPUID"), ("rdmsr", "RDMSR IA32_FEATURE_CONTROL"),
                       ("vmcall", "VMCALL ping")):
        base = native[key] if key != "vmcall" else native["cpuid"]
        note = " (base: a CPUID loop's)" if key == "vmcall" else ""
        print("%-34s %12s %12d %14d%s" % (label, native[key] if key != "vmcall" else "#UD",
                                           guest[key], guest[key] - base, note))
    spin_n, spin_p = native["spin"], guest["spin"]
    polling = 100.0 * (spin_p - spin_n) / spin_n
    print()
    print("%-34s %12s %12s %14s" % ("CPU-bound guest (TSC ticks)", "native", "pmuvisor",
                                     "overhead"))
    print("%-34s %12d %12d %13.5f%%" % ("100,000,000-instruction loop", spin_n, spin_p, polling))
    print()
    print("%-34s %12s %12s %14s" % ("profiling, timer backend", "samples", "per sample",
                                     "slowdown"))
    slowdown = {}
    for chain, label in ((0, "every 20,000 instructions"), (8, "... with 8-frame call chains")):
        ticks, samples = guest["prof%d" % chain]
        per_sample = (ticks - spin_p) / samples if samples else float("nan")
        slowdown[chain] = 100.0 * (ticks - spin_n) / spin_n
        print("%-34s %12d %12.0f %13.3f%%" % (label, samples, per_sample, slowdown[chain]))
    print("  (instructions per sample beyond the unprofiled loop under pmuvisor; slowdown of")
    print("   the 100,000,000-instruction loop against native)")
    print()
    print("%-34s %12s %12s %14s" % ("guest's virtual PMU", "CPUID", "in pmuvisor",
                                     "vs vpmu=off"))
    for key, backend in (("vmtest-vpmu", "timer"), ("vmtest-vpmu-hw", "hw")):
        vpmu = results[key]
        for policy in ("cpu-switch", "domain-switch"):
            print("%-34s %12d %12d %+14d" % ("%s backend, %s" % (backend, policy), vpmu[policy],
                                              vpmu[policy] - native["cpuid"],
                                              vpmu[policy] - guest["cpuid"]))
    print("  (a CPUID round trip with the virtual PMU on and a counter at work: what each")
    print("   backend and policy adds to every exit)")
    perf = results["perf-slowdown"]
    print()
    print("%-34s %12s %12s %14s" % ("profiling a Linux program", "samples", "per sample",
                                     "slowdown"))
    for key, label in (("guest-wide", "guest-wide: perf record -c 20000"),
                       ("system-wide", "system-wide: prof period=20000")):
        ticks, samples = perf[key]
        print("%-34s %12d %12.0f %13.2f%%" % (label, samples,
                                              (ticks - perf["plain"]) / samples if samples else 0,
                                              100.0 * (ticks - perf["plain"]) / perf["plain"]))
    print("  (profload timed 30 in the Linux guest, %d TSC ticks unprofiled; per sample:"
          % perf["plain"])
    print("   ticks added to it per sample taken)")
    boot_n, boot_p = results["linux-native"]["tsc"], results["linux-pmuvisor"]["tsc"]
    ratio = boot_p / boot_n
    print()
    print("%-34s %12s %12s %14s" % ("Linux to userspace (TSC ticks)", "native", "pmuvisor", "ratio"))
    print("%-34s %12d %12d %14.4f" % ("guest TSC at init's first program", boot_n, boot_p, ratio))
    efi_kib = os.path.getsize(scenarios.PMUVISOR_EFI) / 1024
    used = re.search(r"(\d+) KiB in use", guest["memory"] or "")
    print()
    print("resident memory: %s" % (guest["memory"] or "not reported"))
    print("pmuvisor.efi: %.1f KiB" % efi_kib)
    print()
    cpuid_vmm = guest["cpuid"] - native["cpuid"]
    checks = [("CPUID round trip in pmuvisor", cpuid_vmm, "<=", TARGETS["cpuid"]),
              ("boot ratio", round(ratio, 4), "<=", TARGETS["boot_ratio"]),
              ("console polling overhead (%)", round(polling, 5), "<=", 0.1),
              ("sampling slowdown, 1/20,000 (%)", round(slowdown[0], 3), "<=", 1.0),
              ("resident memory (KiB)", int(used.group(1)) if used else None, "<=",
               TARGETS["resident_kib"]),
              ("pmuvisor.efi (KiB)", round(efi_kib, 1), "<=", TARGETS["efi_kib"])]
    for label, value, _, target in checks:
        verdict = "met" if value is not None and value <= target else "MISSED"
        print("target %-30s %10s <= %-8s %s" % (label, value, target, verdict))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except TestFailure as e:
        print("make bench: %s" % e)
        sys.exit(1)
