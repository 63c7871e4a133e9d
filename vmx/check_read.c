#include "vmx/check_read.h"
#include "vmx/msr.h"
#include "vmx/vmcs.h"
#include "console/log.h"
#include "lib/cpu.h"
#include "lib/string.h"

static const enum vmcs_field segment_fields[VMX_SEGMENT_COUNT][4] = {
	[VMX_ES] = { GUEST_ES_SELECTOR, GUEST_ES_BASE, GUEST_ES_LIMIT, GUEST_ES_AR },
	[VMX_CS] = { GUEST_CS_SELECTOR, GUEST_CS_BASE, GUEST_CS_LIMIT, GUEST_CS_AR },
	[VMX_SS] = { GUEST_SS_SELECTOR, GUEST_SS_BASE, GUEST_SS_LIMIT, GUEST_SS_AR },
	[VMX_DS] = { GUEST_DS_SELECTOR, GUEST_DS_BASE, GUEST_DS_LIMIT, GUEST_DS_AR },
	[VMX_FS] = { GUEST_FS_SELECTOR, GUEST_FS_BASE, GUEST_FS_LIMIT, GUEST_FS_AR },
	[VMX_GS] = { GUEST_GS_SELECTOR, GUEST_GS_BASE, GUEST_GS_LIMIT, GUEST_GS_AR },
	[VMX_LDTR] = { GUEST_LDTR_SELECTOR, GUEST_LDTR_BASE, GUEST_LDTR_LIMIT, GUEST_LDTR_AR },
	[VMX_TR] = { GUEST_TR_SELECTOR, GUEST_TR_BASE, GUEST_TR_LIMIT, GUEST_TR_AR },
};

static void read_controls(struct vmx_control_state *c)
{
	c->pinbased = (uint32_t)vmcs_read(PIN_BASED_VM_EXEC_CONTROL);
	c->procbased = (uint32_t)vmcs_read(CPU_BASED_VM_EXEC_CONTROL);
	c->procbased2 = (uint32_t)vmcs_read(SECONDARY_VM_EXEC_CONTROL);
	c->exit = (uint32_t)vmcs_read(VM_EXIT_CONTROLS);
	c->entry = (uint32_t)vmcs_read(VM_ENTRY_CONTROLS);
	c->cr3_target_count = (uint32_t)vmcs_read(CR3_TARGET_COUNT);
	c->io_bitmap_a = vmcs_read(IO_BITMAP_A);
	c->io_bitmap_b = vmcs_read(IO_BITMAP_B);
	c->msr_bitmap = vmcs_read(MSR_BITMAP);
	c->ept_pointer = vmcs_read(EPT_POINTER);
	c->vpid = (uint16_t)vmcs_read(VIRTUAL_PROCESSOR_ID);
	c->exit_msr_store_count = (uint32_t)vmcs_read(VM_EXIT_MSR_STORE_COUNT);
	c->exit_msr_load_count = (uint32_t)vmcs_read(VM_EXIT_MSR_LOAD_COUNT);
	c->entry_msr_load_count = (uint32_t)vmcs_read(VM_ENTRY_MSR_LOAD_COUNT);
	c->exit_msr_store_address = vmcs_read(VM_EXIT_MSR_STORE_ADDR);
	c->exit_msr_load_address = vmcs_read(VM_EXIT_MSR_LOAD_ADDR);
	c->entry_msr_load_address = vmcs_read(VM_ENTRY_MSR_LOAD_ADDR);
	c->entry_interruption_info = (uint32_t)vmcs_read(VM_ENTRY_INTR_INFO);
	c->entry_exception_error_code = (uint32_t)vmcs_read(VM_ENTRY_EXCEPTION_ERROR_CODE);
	c->entry_instruction_length = (uint32_t)vmcs_read(VM_ENTRY_INSTRUCTION_LEN);
}

static void read_host(struct vmx_host_state *h)
{
	h->cr0 = vmcs_read(HOST_CR0);
	h->cr3 = vmcs_read(HOST_CR3);
	h->cr4 = vmcs_read(HOST_CR4);
	h->es_selector = (uint16_t)vmcs_read(HOST_ES_SELECTOR);
	h->cs_selector = (uint16_t)vmcs_read(HOST_CS_SELECTOR);
	h->ss_selector = (uint16_t)vmcs_read(HOST_SS_SELECTOR);
	h->ds_selector = (uint16_t)vmcs_read(HOST_DS_SELECTOR);
	h->fs_selector = (uint16_t)vmcs_read(HOST_FS_SELECTOR);
	h->gs_selector = (uint16_t)vmcs_read(HOST_GS_SELECTOR);
	h->tr_selector = (uint16_t)vmcs_read(HOST_TR_SELECTOR);
	h->fs_base = vmcs_read(HOST_FS_BASE);
	h->gs_base = vmcs_read(HOST_GS_BASE);
	h->tr_base = vmcs_read(HOST_TR_BASE);
	h->gdtr_base = vmcs_read(HOST_GDTR_BASE);
	h->idtr_base = vmcs_read(HOST_IDTR_BASE);
	h->sysenter_esp = vmcs_read(HOST_IA32_SYSENTER_ESP);
	h->sysenter_eip = vmcs_read(HOST_IA32_SYSENTER_EIP);
	h->efer = vmcs_read(HOST_IA32_EFER);
	h->pat = vmcs_read(HOST_IA32_PAT);
	h->perf_global_ctrl = vmcs_read(HOST_IA32_PERF_GLOBAL_CTRL);
	h->rip = vmcs_read(HOST_RIP);
}

static void read_guest(struct vmx_guest_state *g)
{
	unsigned i;

	g->cr0 = vmcs_read(GUEST_CR0);
	g->cr3 = vmcs_read(GUEST_CR3);
	g->cr4 = vmcs_read(GUEST_CR4);
	g->dr7 = vmcs_read(GUEST_DR7);
	g->rsp = vmcs_read(GUEST_RSP);
	g->rip = vmcs_read(GUEST_RIP);
	g->rflags = vmcs_read(GUEST_RFLAGS);
	for (i = 0; i < VMX_SEGMENT_COUNT; i++) {
		g->segment[i].selector = (uint16_t)vmcs_read(segment_fields[i][0]);
		g->segment[i].base = vmcs_read(segment_fields[i][1]);
		g->segment[i].limit = (uint32_t)vmcs_read(segment_fields[i][2]);
		g->segment[i].access_rights = (uint32_t)vmcs_read(segment_fields[i][3]);
	}
	g->gdtr_base = vmcs_read(GUEST_GDTR_BASE);
	g->idtr_base = vmcs_read(GUEST_IDTR_BASE);
	g->gdtr_limit = (uint32_t)vmcs_read(GUEST_GDTR_LIMIT);
	g->idtr_limit = (uint32_t)vmcs_read(GUEST_IDTR_LIMIT);
	g->debugctl = vmcs_read(GUEST_IA32_DEBUGCTL);
	g->sysenter_esp = vmcs_read(GUEST_SYSENTER_ESP);
	g->sysenter_eip = vmcs_read(GUEST_SYSENTER_EIP);
	g->efer = vmcs_read(GUEST_IA32_EFER);
	g->pat = vmcs_read(GUEST_IA32_PAT);
	g->perf_global_ctrl = vmcs_read(GUEST_IA32_PERF_GLOBAL_CTRL);
	g->activity_state = (uint32_t)vmcs_read(GUEST_ACTIVITY_STATE);
	g->interruptibility_state = (uint32_t)vmcs_read(GUEST_INTERRUPTIBILITY_INFO);
	g->pending_debug_exceptions = vmcs_read(GUEST_PENDING_DBG_EXCEPTIONS);
	g->vmcs_link_pointer = vmcs_read(VMCS_LINK_POINTER);
}

static void read_caps(struct vmx_check_caps *c, const struct vmx_raw *raw)
{
	struct cpuid_regs a = { 0, 0, 0, 0 };

	c->msr = *raw;
	c->cr0_fixed0 = rdmsr(MSR_IA32_VMX_CR0_FIXED0);
	c->cr0_fixed1 = rdmsr(MSR_IA32_VMX_CR0_FIXED1);
	c->cr4_fixed0 = rdmsr(MSR_IA32_VMX_CR4_FIXED0);
	c->cr4_fixed1 = rdmsr(MSR_IA32_VMX_CR4_FIXED1);
	c->maxphyaddr = 36;
	c->linear_address_width = 48;
	if (cpuid(0x80000000, 0).eax >= 0x80000008) {
		struct cpuid_regs r = cpuid(0x80000008, 0);

		c->maxphyaddr = r.eax & 0xff;
		c->linear_address_width = (r.eax >> 8) & 0xff;
	}
	if (cpuid(0, 0).eax >= 0xa)
		a = cpuid(0xa, 0);
	c->perf_global_ctrl_valid = ((1ull << ((a.eax >> 8) & 0xff)) - 1) |
				    (((1ull << (a.edx & 0x1f)) - 1) << 32);
}

void vmx_state_read(struct vmx_state *s, const struct vmx_raw *raw)
{
	memset(s, 0, sizeof(*s));
	read_controls(&s->controls);
	read_host(&s->host);
	read_guest(&s->guest);
	read_caps(&s->caps, raw);
}

int vmx_check_current(const struct vmx_raw *raw)
{
	static struct vmx_state state;
	struct vmx_violation violation;
	const struct vmx_rule *rule;

	vmx_state_read(&state, raw);
	rule = vmx_check(&state, &violation);
	if (!rule)
		return 0;
	vmx_check_report(&log_out, rule, &violation);
	return -1;
}
