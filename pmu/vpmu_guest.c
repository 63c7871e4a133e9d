#include "pmu/vpmu_guest.h"
#include "pmu/msr.h"
#include "vmx/apic.h"
#include "vmx/exit_handlers.h"
#include "vmx/vmcs.h"

bool vpmu_on;
struct vpmu vpmu_guest;

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

void vpmu_guest_init(void)
{
	const struct vpmu_config cfg = { 2, 4, 48, 3, 48, UNAVAILABLE_EVENTS, false };

	vpmu_init(&vpmu_guest, &cfg, time_events, sizeof(time_events) / sizeof(time_events[0]),
		  &vpmu_cpu_switch);
	last_entry = rdtsc();
	vpmu_on = true;
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
			else if (!(vmcs_read(VM_ENTRY_INTR_INFO) & (1u << 31)))
				vmcs_write(VM_ENTRY_INTR_INFO, (1u << 31) | d.vector); /* external interrupt */
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
	out_printf(o, "vpmu: on; policy %s; backend timer (counters run on guest time: cycles, "
		      "instructions, ref-cycles); PMIs delivered %lu, to a masked LVT entry %lu\n",
		   vpmu_guest.policy->name, (unsigned long)vpmu_guest.pmis_delivered,
		   (unsigned long)vpmu_guest.pmis_masked);
	out_printf(o, "vpmu: GLOBAL_CTRL 0x%lx GLOBAL_STATUS 0x%lx FIXED_CTR_CTRL 0x%lx\n",
		   (unsigned long)r->global_ctrl, (unsigned long)r->global_status,
		   (unsigned long)r->fixed_ctrl);
	for (i = 0; i < r->cfg.gp; i++)
		out_printf(o, "vpmu: PMC%u %012lx  PERFEVTSEL%u %08lx\n", i, (unsigned long)r->pmc[i], i,
			   (unsigned long)r->evtsel[i]);
	for (i = 0; i < r->cfg.fixed; i++)
		out_printf(o, "vpmu: FIXED_CTR%u %012lx\n", i, (unsigned long)r->fixed[i]);
}
