/* VM-entry checks on the host-state area: SDM Vol. 3C, 27.2.2-27.2.4. */
#include "vmx/check_rules.h"

static bool host_address_space_size(const struct vmx_state *s)
{
	return bit_set(s->controls.exit, EXIT_HOST_ADDRESS_SPACE_SIZE);
}

/* 27.2.2: host control registers and MSRs. */

static bool cr0_fixed(const struct vmx_state *s, struct vmx_violation *v)
{
	involve(v, "HOST_CR0", s->host.cr0);
	involve(v, "IA32_VMX_CR0_FIXED0", s->caps.cr0_fixed0);
	involve(v, "IA32_VMX_CR0_FIXED1", s->caps.cr0_fixed1);
	return (s->host.cr0 & s->caps.cr0_fixed0) == s->caps.cr0_fixed0 &&
	       (s->host.cr0 & ~s->caps.cr0_fixed1) == 0;
}

static bool cr4_fixed(const struct vmx_state *s, struct vmx_violation *v)
{
	involve(v, "HOST_CR4", s->host.cr4);
	involve(v, "IA32_VMX_CR4_FIXED0", s->caps.cr4_fixed0);
	involve(v, "IA32_VMX_CR4_FIXED1", s->caps.cr4_fixed1);
	return (s->host.cr4 & s->caps.cr4_fixed0) == s->caps.cr4_fixed0 &&
	       (s->host.cr4 & ~s->caps.cr4_fixed1) == 0;
}

static bool cr3(const struct vmx_state *s, struct vmx_violation *v)
{
	involve(v, "HOST_CR3", s->host.cr3);
	involve_number(v, "MAXPHYADDR", s->caps.maxphyaddr);
	return within_maxphyaddr(s->host.cr3, s->caps.maxphyaddr);
}

static bool sysenter(const struct vmx_state *s, struct vmx_violation *v)
{
	involve(v, "HOST_IA32_SYSENTER_ESP", s->host.sysenter_esp);
	involve(v, "HOST_IA32_SYSENTER_EIP", s->host.sysenter_eip);
	return is_canonical(s, s->host.sysenter_esp) && is_canonical(s, s->host.sysenter_eip);
}

static bool perf_global_ctrl(const struct vmx_state *s, struct vmx_violation *v)
{
	involve(v, "HOST_IA32_PERF_GLOBAL_CTRL", s->host.perf_global_ctrl);
	involve(v, "implemented bits", s->caps.perf_global_ctrl_valid);
	return !bit_set(s->controls.exit, EXIT_LOAD_PERF_GLOBAL_CTRL) ||
	       (s->host.perf_global_ctrl & ~s->caps.perf_global_ctrl_valid) == 0;
}

static bool pat(const struct vmx_state *s, struct vmx_violation *v)
{
	involve(v, "HOST_IA32_PAT", s->host.pat);
	return !bit_set(s->controls.exit, EXIT_LOAD_PAT) || pat_valid(s->host.pat);
}

static bool efer_reserved(const struct vmx_state *s, struct vmx_violation *v)
{
	involve(v, "HOST_IA32_EFER", s->host.efer);
	return !bit_set(s->controls.exit, EXIT_LOAD_EFER) || (s->host.efer & EFER_RESERVED) == 0;
}

static bool efer_lma(const struct vmx_state *s, struct vmx_violation *v)
{
	bool wide = host_address_space_size(s);

	involve(v, "HOST_IA32_EFER", s->host.efer);
	involve(v, "VM_EXIT_CONTROLS", s->controls.exit);
	return !bit_set(s->controls.exit, EXIT_LOAD_EFER) ||
	       (((s->host.efer & EFER_LMA) != 0) == wide && ((s->host.efer & EFER_LME) != 0) == wide);
}

/* 27.2.3: host segment and descriptor-table registers. */

static bool selector_rpl_ti(const struct vmx_state *s, struct vmx_violation *v)
{
	static const char *const names[] = {
		"HOST_ES_SELECTOR", "HOST_CS_SELECTOR", "HOST_SS_SELECTOR", "HOST_DS_SELECTOR",
		"HOST_FS_SELECTOR", "HOST_GS_SELECTOR", "HOST_TR_SELECTOR",
	};
	const uint16_t selectors[] = {
		s->host.es_selector, s->host.cs_selector, s->host.ss_selector, s->host.ds_selector,
		s->host.fs_selector, s->host.gs_selector, s->host.tr_selector,
	};

	for (size_t i = 0; i < sizeof(selectors) / sizeof(selectors[0]); i++) {
		if (selectors[i] & 7) {
			involve(v, names[i], selectors[i]);
			return false;
		}
	}
	return true;
}

static bool selector_cs_tr(const struct vmx_state *s, struct vmx_violation *v)
{
	involve(v, "HOST_CS_SELECTOR", s->host.cs_selector);
	involve(v, "HOST_TR_SELECTOR", s->host.tr_selector);
	return s->host.cs_selector != 0 && s->host.tr_selector != 0;
}

static bool selector_ss(const struct vmx_state *s, struct vmx_violation *v)
{
	involve(v, "HOST_SS_SELECTOR", s->host.ss_selector);
	involve(v, "VM_EXIT_CONTROLS", s->controls.exit);
	return s->host.ss_selector != 0 || host_address_space_size(s);
}

static bool bases_canonical(const struct vmx_state *s, struct vmx_violation *v)
{
	static const char *const names[] = {
		"HOST_FS_BASE", "HOST_GS_BASE", "HOST_TR_BASE", "HOST_GDTR_BASE", "HOST_IDTR_BASE",
	};
	const uint64_t bases[] = {
		s->host.fs_base, s->host.gs_base, s->host.tr_base, s->host.gdtr_base, s->host.idtr_base,
	};

	for (size_t i = 0; i < sizeof(bases) / sizeof(bases[0]); i++) {
		if (!is_canonical(s, bases[i])) {
			involve(v, names[i], bases[i]);
			return false;
		}
	}
	return true;
}

/* 27.2.4: address-space size. pmuvisor runs VMLAUNCH in IA-32e mode, so
 * only the IA32_EFER.LMA = 1 half of this section applies. */

static bool address_space_size(const struct vmx_state *s, struct vmx_violation *v)
{
	involve(v, "VM_EXIT_CONTROLS", s->controls.exit);
	return host_address_space_size(s);
}

static bool cr4_pae(const struct vmx_state *s, struct vmx_violation *v)
{
	involve(v, "HOST_CR4", s->host.cr4);
	involve(v, "VM_EXIT_CONTROLS", s->controls.exit);
	return !host_address_space_size(s) || (s->host.cr4 & CR4_PAE);
}

static bool rip(const struct vmx_state *s, struct vmx_violation *v)
{
	involve(v, "HOST_RIP", s->host.rip);
	return !host_address_space_size(s) || is_canonical(s, s->host.rip);
}

const struct vmx_rule vmx_host_rules[] = {
	{ "host.cr0.fixed", "27.2.2",
	  "host CR0 must have every bit of IA32_VMX_CR0_FIXED0 set and no bit outside "
	  "IA32_VMX_CR0_FIXED1",
	  cr0_fixed },
	{ "host.cr4.fixed", "27.2.2",
	  "host CR4 must have every bit of IA32_VMX_CR4_FIXED0 set and no bit outside "
	  "IA32_VMX_CR4_FIXED1",
	  cr4_fixed },
	{ "host.cr3", "27.2.2",
	  "host CR3 bits from MAXPHYADDR up must be 0",
	  cr3 },
	{ "host.sysenter", "27.2.2",
	  "host IA32_SYSENTER_ESP and IA32_SYSENTER_EIP must be canonical",
	  sysenter },
	{ "host.perf_global_ctrl", "27.2.2",
	  "with \"load IA32_PERF_GLOBAL_CTRL\" on exit, the host value must set only bits the PMU "
	  "implements",
	  perf_global_ctrl },
	{ "host.pat", "27.2.2",
	  "with \"load IA32_PAT\" on exit, each byte of the host IA32_PAT must be 0, 1, 4, 5, 6 or "
	  "7",
	  pat },
	{ "host.efer.reserved", "27.2.2",
	  "with \"load IA32_EFER\" on exit, the host IA32_EFER may set only SCE, LME, LMA and NXE",
	  efer_reserved },
	{ "host.efer.lma", "27.2.2",
	  "with \"load IA32_EFER\" on exit, host EFER.LMA and EFER.LME must both equal \"host "
	  "address-space size\"",
	  efer_lma },
	{ "host.selector.rpl_ti", "27.2.3",
	  "host ES, CS, SS, DS, FS, GS and TR selectors must have RPL 0 and TI 0",
	  selector_rpl_ti },
	{ "host.selector.cs_tr", "27.2.3",
	  "host CS and TR selectors must not be 0000H",
	  selector_cs_tr },
	{ "host.selector.ss", "27.2.3",
	  "host SS selector must not be 0000H unless \"host address-space size\" is 1",
	  selector_ss },
	{ "host.base.canonical", "27.2.3",
	  "host FS, GS, TR, GDTR and IDTR bases must be canonical",
	  bases_canonical },
	{ "host.address_space_size", "27.2.4",
	  "VM entry from IA-32e mode (as pmuvisor always is) requires \"host address-space size\"",
	  address_space_size },
	{ "host.cr4.pae", "27.2.4",
	  "\"host address-space size\" requires host CR4.PAE",
	  cr4_pae },
	{ "host.rip", "27.2.4",
	  "with \"host address-space size\", host RIP must be canonical",
	  rip },
};

const size_t vmx_host_rule_count = sizeof(vmx_host_rules) / sizeof(vmx_host_rules[0]);
