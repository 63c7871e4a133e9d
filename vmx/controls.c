#include "vmx/controls.h"
#include "lib/string.h"

enum need { OPTIONAL, REQUIRED };

struct wanted_control {
	enum vmx_control_field field;
	unsigned bit;
	const char *name; /* as the SDM names it */
	enum need need;
};

/*
 * Every control pmuvisor asks for, once.  The rest stay 0 unless the
 * CPU's allowed-0 settings force them to 1; in particular "external-
 * interrupt exiting" and "acknowledge interrupt on exit" stay 0: the
 * guest owns the interrupt controller and pmuvisor takes no exits for
 * external interrupts.
 */
static const struct wanted_control wanted_controls[] = {
	/* Counter overflows (PMIs) arrive as NMIs, so pmuvisor sees every NMI
	 * first; virtual NMIs keep the guest's NMI blocking exact and need
	 * NMI exiting (SDM Vol. 3C, 27.2.1.1). */
	{ CONTROLS_PIN_BASED, PIN_NMI_EXITING, "NMI exiting", REQUIRED },
	{ CONTROLS_PIN_BASED, PIN_VIRTUAL_NMIS, "virtual NMIs", REQUIRED },
	{ CONTROLS_PIN_BASED, PIN_PREEMPTION_TIMER, "activate VMX-preemption timer", OPTIONAL },

	/* Exits only for the ports and MSRs pmuvisor claims. */
	{ CONTROLS_PRIMARY, PROC_USE_IO_BITMAPS, "use I/O bitmaps", REQUIRED },
	{ CONTROLS_PRIMARY, PROC_USE_MSR_BITMAPS, "use MSR bitmaps", REQUIRED },
	{ CONTROLS_PRIMARY, PROC_SECONDARY_CONTROLS, "activate secondary controls", REQUIRED },

	/* EPT keeps pmuvisor's memory from the guest; the firmware guest
	 * starts its processors in real mode, which needs unrestricted guest
	 * (and that needs EPT, 27.2.1.1). */
	{ CONTROLS_SECONDARY, PROC2_ENABLE_EPT, "enable EPT", REQUIRED },
	{ CONTROLS_SECONDARY, PROC2_ENABLE_VPID, "enable VPID", OPTIONAL },
	{ CONTROLS_SECONDARY, PROC2_UNRESTRICTED_GUEST, "unrestricted guest", REQUIRED },
	/* With these 0 the instructions raise #UD in the guest (25.6.2,
	 * Table 25-7) although CPUID, which pmuvisor passes through, says
	 * they exist: whatever the CPU offers must be on. */
	{ CONTROLS_SECONDARY, PROC2_ENABLE_RDTSCP, "enable RDTSCP", OPTIONAL },
	{ CONTROLS_SECONDARY, PROC2_ENABLE_INVPCID, "enable INVPCID", OPTIONAL },
	{ CONTROLS_SECONDARY, PROC2_ENABLE_XSAVES, "enable XSAVES/XRSTORS", OPTIONAL },

	/* Every VM exit sets DR7 to 400H and clears IA32_DEBUGCTL (28.5.1):
	 * without these two the guest's breakpoints and its LBR and
	 * freeze-on-PMI settings vanish at the first exit.  The legacy MSRs
	 * force them; the TRUE MSRs let them go (A.2). */
	{ CONTROLS_EXIT, EXIT_SAVE_DEBUG_CONTROLS, "save debug controls", REQUIRED },
	{ CONTROLS_EXIT, EXIT_HOST_ADDRESS_SPACE_SIZE, "host address-space size", REQUIRED },
	{ CONTROLS_EXIT, EXIT_SAVE_EFER, "save IA32_EFER", OPTIONAL },
	{ CONTROLS_EXIT, EXIT_LOAD_EFER, "load IA32_EFER", OPTIONAL },
	{ CONTROLS_EXIT, EXIT_SAVE_PREEMPTION_TIMER, "save VMX-preemption timer value", OPTIONAL },
	/* Switching the counters with the world switch itself; without these
	 * the VM-exit MSR-load and MSR-store lists stand in. */
	{ CONTROLS_EXIT, EXIT_LOAD_PERF_GLOBAL_CTRL, "load IA32_PERF_GLOBAL_CTRL", OPTIONAL },
	{ CONTROLS_EXIT, EXIT_SAVE_PERF_GLOBAL_CTRL, "save IA32_PERF_GLOBAL_CTRL", OPTIONAL },

	{ CONTROLS_ENTRY, ENTRY_LOAD_DEBUG_CONTROLS, "load debug controls", REQUIRED },
	/* The guest is the 64-bit firmware that started pmuvisor. */
	{ CONTROLS_ENTRY, ENTRY_IA32E_MODE_GUEST, "IA-32e mode guest", REQUIRED },
	{ CONTROLS_ENTRY, ENTRY_LOAD_EFER, "load IA32_EFER", OPTIONAL },
	{ CONTROLS_ENTRY, ENTRY_LOAD_PERF_GLOBAL_CTRL, "load IA32_PERF_GLOBAL_CTRL", OPTIONAL },
};

#define WANTED_CONTROLS (sizeof(wanted_controls) / sizeof(wanted_controls[0]))

struct control_field {
	const char *name;     /* "the <name> control ..." */
	const char *msr;      /* its capability MSR */
	const char *true_msr; /* used instead when IA32_VMX_BASIC bit 55 is set */
};

/* Appendix A.3.1-A.3.3, A.4 and A.5; the secondary controls have no
 * TRUE MSR. */
static const struct control_field fields[CONTROL_FIELDS] = {
	[CONTROLS_PIN_BASED] = { "pin-based", "IA32_VMX_PINBASED_CTLS",
				 "IA32_VMX_TRUE_PINBASED_CTLS" },
	[CONTROLS_PRIMARY] = { "primary processor-based", "IA32_VMX_PROCBASED_CTLS",
			       "IA32_VMX_TRUE_PROCBASED_CTLS" },
	[CONTROLS_SECONDARY] = { "secondary processor-based", "IA32_VMX_PROCBASED_CTLS2",
				 "IA32_VMX_PROCBASED_CTLS2" },
	[CONTROLS_EXIT] = { "VM-exit", "IA32_VMX_EXIT_CTLS", "IA32_VMX_TRUE_EXIT_CTLS" },
	[CONTROLS_ENTRY] = { "VM-entry", "IA32_VMX_ENTRY_CTLS", "IA32_VMX_TRUE_ENTRY_CTLS" },
};

static uint32_t control_bit(unsigned bit)
{
	return (uint32_t)1 << bit;
}

static bool allowed1(uint64_t capability_msr, unsigned bit)
{
	return (capability_msr >> 32) & control_bit(bit);
}

uint32_t vmx_adjust(uint64_t capability_msr, uint32_t wanted, uint32_t *dropped)
{
	uint32_t allowed0_settings = (uint32_t)capability_msr;
	uint32_t allowed1_settings = (uint32_t)(capability_msr >> 32);

	if (dropped)
		*dropped = wanted & ~allowed1_settings;
	return (wanted | allowed0_settings) & allowed1_settings;
}

/* The TRUE MSRs also say which default-1 controls may be 0 (A.2, A.3.1).
 * IA32_VMX_PROCBASED_CTLS2 exists only if primary bit 31 may be 1
 * (A.3.3); without it no secondary control can be 1. */
static void capability_msrs(const struct vmx_raw *raw, bool use_true, uint64_t cap[CONTROL_FIELDS])
{
	cap[CONTROLS_PIN_BASED] = use_true ? raw->true_pinbased : raw->pinbased;
	cap[CONTROLS_PRIMARY] = use_true ? raw->true_procbased : raw->procbased;
	cap[CONTROLS_EXIT] = use_true ? raw->true_exit : raw->exit;
	cap[CONTROLS_ENTRY] = use_true ? raw->true_entry : raw->entry;
	cap[CONTROLS_SECONDARY] =
		allowed1(cap[CONTROLS_PRIMARY], PROC_SECONDARY_CONTROLS) ? raw->procbased2 : 0;
}

static const char *msr_name(enum vmx_control_field field, bool use_true)
{
	return use_true ? fields[field].true_msr : fields[field].msr;
}

static void explain_missing(const struct out *why, const struct wanted_control *w,
			    const uint64_t cap[CONTROL_FIELDS], bool use_true)
{
	const char *field = fields[w->field].name;

	if (w->field == CONTROLS_SECONDARY && !allowed1(cap[CONTROLS_PRIMARY], PROC_SECONDARY_CONTROLS))
		out_printf(why,
			   "VT-x: the CPU cannot set the %s control \"%s\" "
			   "(%s allowed-1 bit %u is 0: no secondary controls)\n",
			   field, w->name, msr_name(CONTROLS_PRIMARY, use_true),
			   PROC_SECONDARY_CONTROLS);
	else
		out_printf(why, "VT-x: the CPU cannot set the %s control \"%s\" (%s allowed-1 bit %u is 0)\n",
			   field, w->name, msr_name(w->field, use_true), w->bit);
}

static void note_optional_controls(struct vmx_controls *c)
{
	c->preemption_timer = vmx_control_on(c, CONTROLS_PIN_BASED, PIN_PREEMPTION_TIMER);
	c->vpid = vmx_control_on(c, CONTROLS_SECONDARY, PROC2_ENABLE_VPID);
	c->rdtscp = vmx_control_on(c, CONTROLS_SECONDARY, PROC2_ENABLE_RDTSCP);
	c->invpcid = vmx_control_on(c, CONTROLS_SECONDARY, PROC2_ENABLE_INVPCID);
	c->xsaves = vmx_control_on(c, CONTROLS_SECONDARY, PROC2_ENABLE_XSAVES);
	c->exit_save_efer = vmx_control_on(c, CONTROLS_EXIT, EXIT_SAVE_EFER);
	c->exit_load_efer = vmx_control_on(c, CONTROLS_EXIT, EXIT_LOAD_EFER);
	c->save_preemption_timer = vmx_control_on(c, CONTROLS_EXIT, EXIT_SAVE_PREEMPTION_TIMER);
	c->exit_load_perf_global_ctrl = vmx_control_on(c, CONTROLS_EXIT, EXIT_LOAD_PERF_GLOBAL_CTRL);
	c->exit_save_perf_global_ctrl = vmx_control_on(c, CONTROLS_EXIT, EXIT_SAVE_PERF_GLOBAL_CTRL);
	c->entry_load_efer = vmx_control_on(c, CONTROLS_ENTRY, ENTRY_LOAD_EFER);
	c->entry_load_perf_global_ctrl = vmx_control_on(c, CONTROLS_ENTRY, ENTRY_LOAD_PERF_GLOBAL_CTRL);
}

int vmx_controls_compute(const struct vmx_raw *raw, struct vmx_controls *c, const struct out *why)
{
	uint64_t cap[CONTROL_FIELDS];
	uint32_t wanted[CONTROL_FIELDS] = { 0 };
	uint32_t dropped[CONTROL_FIELDS];
	int result = 0;
	size_t i;
	int f;

	memset(c, 0, sizeof(*c));
	c->true_controls = (raw->basic >> VMX_BASIC_TRUE_CONTROLS) & 1;
	capability_msrs(raw, c->true_controls, cap);

	for (i = 0; i < WANTED_CONTROLS; i++)
		wanted[wanted_controls[i].field] |= control_bit(wanted_controls[i].bit);
	for (f = 0; f < CONTROL_FIELDS; f++)
		c->value[f] = vmx_adjust(cap[f], wanted[f], &dropped[f]);

	/* "save VMX-preemption timer value" must be 0 while the timer is
	 * inactive (27.2.1.2). */
	if (!vmx_control_on(c, CONTROLS_PIN_BASED, PIN_PREEMPTION_TIMER))
		c->value[CONTROLS_EXIT] &= ~control_bit(EXIT_SAVE_PREEMPTION_TIMER);

	for (i = 0; i < WANTED_CONTROLS; i++) {
		const struct wanted_control *w = &wanted_controls[i];

		if (w->need == REQUIRED && (dropped[w->field] & control_bit(w->bit))) {
			explain_missing(why, w, cap, c->true_controls);
			result = -1;
		}
	}
	note_optional_controls(c);
	return result;
}

void vmx_controls_report(const struct out *o, const struct vmx_controls *c)
{
	size_t i;
	int f;

	out_printf(o, "VMX controls (adjusted to the %s capability MSRs)\n",
		   c->true_controls ? "TRUE" : "legacy");
	for (f = 0; f < CONTROL_FIELDS; f++) {
		out_printf(o, "  %-34s 0x%08x\n", fields[f].name, c->value[f]);
		for (i = 0; i < WANTED_CONTROLS; i++) {
			const struct wanted_control *w = &wanted_controls[i];

			if (w->field == (enum vmx_control_field)f && w->need == OPTIONAL)
				out_printf(o, "    %-32s %s\n", w->name,
					   vmx_control_on(c, w->field, w->bit) ? "on" : "off");
		}
	}
}
