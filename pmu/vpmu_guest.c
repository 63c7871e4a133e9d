#include "pmu/vpmu_guest.h"
#include "pmu/msr.h"
#include "vmx/apic.h"
#include "vmx/exit_handlers.h"
#include "vmx/pcpu.h"
#include "console/log.h"
#include "lib/cpu_safe.h"
#include "pmu/prof.h"
#include "vmx/vmcs.h"

bool vpmu_on, vpmu_stopped, vpmu_hw_on;
struct vpmu vpmu_guest;
struct vpmu_hw vpmu_hw_backend;
static uint64_t enabled_while_stopped; /* counters the guest enabled after 'vpmu off' */

/* Guest time, in TSC ticks, is what the timer backend can count honestly:
 * cycles and reference cycles (and, in Bochs, whose TSC counts
 * instructions, instructions retired).  The other architectural events
 * are marked unavailable in CPUID.0AH:EBX. */
static const uint16_t time_events[] = { 0x003c, 0x00c0, 0x013c };
#define UNAVAILABLE_EVENTS 0x78 /* LLC references and misses, branches, branch misses */

static uint64_t last_entry;

/* With a counter that counts user or kernel time only, the guest is
 * stopped at least this often (TSC ticks): each stretch is charged to the
 * level the guest exits at, a sample of the levels. */
#define CPL_GRAIN 20000

void vpmu_guest_init(bool hw)
{
	const struct vpmu_config cfg = { 2, 4, 48, 3, 48, UNAVAILABLE_EVENTS, false };

	vpmu_init(&vpmu_guest, &cfg, time_events, sizeof(time_events) / sizeof(time_events[0]),
		  &vpmu_cpu_switch);
	last_entry = rdtsc();
	vpmu_on = true;
	vpmu_hw_on = hw;
}

static uint64_t hw_vmcs_read(void *ctx, uint32_t field)
{
	return vmcs_read((enum vmcs_field)field);
}

static void hw_vmcs_write(void *ctx, uint32_t field, uint64_t value)
{
	vmcs_write((enum vmcs_field)field, value);
}

static int hw_rdmsr(void *ctx, uint32_t msr, uint64_t *value)
{
	return msr_read_guarded(msr, value);
}

static int hw_wrmsr(void *ctx, uint32_t msr, uint64_t value)
{
	return msr_write_guarded(msr, value);
}

void vpmu_guest_hw_start(void *store, bool save_control)
{
	vpmu_hw_backend.ops = (struct vpmu_hw_ops){ hw_vmcs_read, hw_vmcs_write, hw_rdmsr, hw_wrmsr, 0 };
	vpmu_hw_start(&vpmu_hw_backend, vpmu_guest.policy, save_control, store,
		      (uint64_t)(uintptr_t)store);
}

void vpmu_guest_set_policy(const struct vpmu_policy *policy)
{
	vpmu_set_policy(&vpmu_guest, policy);
	if (vpmu_hw_on)
		vpmu_hw_set_policy(&vpmu_hw_backend, policy);
}

/* The names of the counters in 'bits' (GLOBAL_CTRL positions). */
static void print_counters(const struct out *o, uint64_t bits)
{
	unsigned bit;
	const char *sep = "";

	for (bit = 0; bit < 64; bit++)
		if (bits & (1ull << bit)) {
			if (bit < GLOBAL_FIXED_SHIFT)
				out_printf(o, "%sPMC%u", sep, bit);
			else
				out_printf(o, "%sFIXED_CTR%u", sep, bit - GLOBAL_FIXED_SHIFT);
			sep = ", ";
		}
}

int vpmu_guest_switch(bool on, const struct out *o)
{
	uint64_t enabled;

	if (!vpmu_on) {
		out_printf(o, "vpmu: the guest booted without a virtual PMU, and its kernel probes the "
			      "PMU only at boot: set vpmu=on in pmuvisor.cfg\n");
		return -1;
	}
	if (vpmu_hw_on) {
		out_printf(o, "vpmu: the hw backend's counters are the CPU's, which the guest's "
			      "kernel drives itself: it stays on\n");
		return -1;
	}
	if (on == !vpmu_stopped) {
		out_printf(o, "vpmu: already %s\n", on ? "on" : "off");
		return 0;
	}
	if (on && prof_running) {
		out_printf(o, "vpmu on: a system-wide profile is running ('prof stop' first); the two "
			      "together are refused\n");
		return -1;
	}
	enabled = vpmu_enabled(&vpmu_guest.regs);
	if (enabled) {
		out_printf(o, "vpmu %s: the guest has counters enabled (", on ? "on" : "off");
		print_counters(o, enabled);
		out_printf(o, "); switching now would change their counts. Stop them in the guest "
			      "first (perf, and the NMI watchdog: echo 0 > /proc/sys/kernel/nmi_watchdog)\n");
		return -1;
	}
	vpmu_stopped = !on;
	enabled_while_stopped = 0;
	last_entry = rdtsc(); /* guest time counts from now */
	pcpu_set_mode(this_pcpu(), !on ? EXIT_MODE_PLAIN : vpmu_hw_on ? EXIT_MODE_VPMU_HW : EXIT_MODE_VPMU);
	out_printf(o, on ? "vpmu: on; the guest's counters count again\n"
			 : "vpmu: off; the guest's counters are stopped and VM exits no longer pay "
			   "for the virtual PMU\n");
	return 0;
}

void vpmu_guest_wrote(void)
{
	uint64_t fresh;

	vpmu_refresh(&vpmu_guest);
	if (!vpmu_stopped)
		return;
	fresh = vpmu_enabled(&vpmu_guest.regs) & ~enabled_while_stopped;
	if (fresh) {
		log_info("vpmu: the guest enabled counters while the virtual PMU is off ('vpmu on'): "
			 "they do not count\n");
		enabled_while_stopped |= fresh;
	}
}

void vpmu_guest_exit(uint64_t now, unsigned cpl, uint64_t rip)
{
	vpmu_guest_ran(&vpmu_guest, now - last_entry, cpl, rip);
}

void vpmu_guest_vmm(uint64_t spent)
{
	vpmu_vmm_ran(&vpmu_guest, spent);
}

uint32_t vpmu_guest_enter(uint64_t now, uint32_t poll, unsigned timer_shift)
{
	struct vpmu_delivery d;
	uint64_t left;

	if (vpmu_guest.pmi_pending) {
		vpmu_entry(&vpmu_guest, apic_lvtpc_read(), &d);
		if (d.inject) {
			apic_lvtpc_write(d.lvtpc); /* masked, as the APIC does on delivery */
			if (d.nmi)
				exit_deliver_pending_nmi();
			else
				apic_self_interrupt(d.vector);
		}
	}
	left = vpmu_events_to_overflow(&vpmu_guest);
	if (left > CPL_GRAIN && vpmu_filters_cpl(&vpmu_guest))
		left = CPL_GRAIN;
	left >>= timer_shift;
	last_entry = rdtsc(); /* guest time from here */
	(void)now;
	return left < poll ? (left ? (uint32_t)left : 1) : poll;
}

void vpmu_guest_status(const struct out *o)
{
	const struct vpmu_regs *r = &vpmu_guest.regs;
	unsigned i;

	if (!vpmu_on) {
		out_printf(o, "vpmu: off (vpmu=on in pmuvisor.cfg gives the guest a virtual PMU)\n");
		return;
	}
	if (vpmu_hw_on) {
		const struct vpmu_hw *h = &vpmu_hw_backend;

		out_printf(o, "vpmu: on; policy %s; backend hw (the guest's counters are the CPU's; "
			      "IA32_PERF_GLOBAL_CTRL switched by the VMCS load controls, saved by %s); "
			      "PMIs raised in pmuvisor and handed to the guest %lu\n",
			   h->policy->name, h->save_control ? "the save control" : "the MSR-store list",
			   (unsigned long)h->pmis_delivered);
		return;
	}
	out_printf(o, "vpmu: %s; policy %s; backend timer (counters run on guest time: cycles, "
		      "instructions, ref-cycles); PMIs delivered %lu, to a masked LVT entry %lu\n",
		   vpmu_stopped ? "off (stopped from the shell: counters do not count)" : "on",
		   vpmu_guest.policy->name, (unsigned long)vpmu_guest.pmis_delivered,
		   (unsigned long)vpmu_guest.pmis_masked);
	if (enabled_while_stopped) {
		out_printf(o, "vpmu: enabled by the guest while off, not counting: ");
		print_counters(o, enabled_while_stopped);
		out_printf(o, "\n");
	}
	out_printf(o, "vpmu: GLOBAL_CTRL 0x%lx GLOBAL_STATUS 0x%lx FIXED_CTR_CTRL 0x%lx\n",
		   (unsigned long)r->global_ctrl, (unsigned long)r->global_status,
		   (unsigned long)r->fixed_ctrl);
	for (i = 0; i < r->cfg.gp; i++)
		out_printf(o, "vpmu: PMC%u %012lx  PERFEVTSEL%u %08lx\n", i, (unsigned long)r->pmc[i], i,
			   (unsigned long)r->evtsel[i]);
	for (i = 0; i < r->cfg.fixed; i++)
		out_printf(o, "vpmu: FIXED_CTR%u %012lx\n", i, (unsigned long)r->fixed[i]);
}
