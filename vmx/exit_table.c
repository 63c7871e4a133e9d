/* The exit reasons: their names and handlers (const; vmx/exit.c
 * dispatches through it, profiles and the shell name reasons with it). */
#include "vmx/exit_table.h"
#include "vmx/exit_handlers.h"

const struct exit_entry exit_table[EXIT_REASON_COUNT] = {
	[EXIT_REASON_EXCEPTION_NMI] = { "exception or NMI", handle_exception_nmi },
	[EXIT_REASON_EXTERNAL_INTERRUPT] = { "external interrupt", 0 },
	[EXIT_REASON_TRIPLE_FAULT] = { "triple fault", handle_triple_fault },
	[EXIT_REASON_INIT] = { "INIT signal", handle_init },
	[EXIT_REASON_SIPI] = { "start-up IPI", handle_sipi },
	[EXIT_REASON_NMI_WINDOW] = { "NMI window", handle_nmi_window },
	[EXIT_REASON_TASK_SWITCH] = { "task switch", handle_task_switch },
	[EXIT_REASON_CPUID] = { "CPUID", handle_cpuid },
	[EXIT_REASON_GETSEC] = { "GETSEC", handle_vmx_instruction },
	[EXIT_REASON_HLT] = { "HLT", 0 },
	[EXIT_REASON_RDPMC] = { "RDPMC", handle_rdpmc },
	[EXIT_REASON_INVD] = { "INVD", handle_invd },
	[EXIT_REASON_VMCALL] = { "VMCALL", handle_vmcall },
	[EXIT_REASON_VMCLEAR] = { "VMCLEAR", handle_vmx_instruction },
	[EXIT_REASON_VMLAUNCH] = { "VMLAUNCH", handle_vmx_instruction },
	[EXIT_REASON_VMPTRLD] = { "VMPTRLD", handle_vmx_instruction },
	[EXIT_REASON_VMPTRST] = { "VMPTRST", handle_vmx_instruction },
	[EXIT_REASON_VMREAD] = { "VMREAD", handle_vmx_instruction },
	[EXIT_REASON_VMRESUME] = { "VMRESUME", handle_vmx_instruction },
	[EXIT_REASON_VMWRITE] = { "VMWRITE", handle_vmx_instruction },
	[EXIT_REASON_VMXOFF] = { "VMXOFF", handle_vmx_instruction },
	[EXIT_REASON_VMXON] = { "VMXON", handle_vmx_instruction },
	[EXIT_REASON_CR_ACCESS] = { "control-register access", handle_cr_access },
	[EXIT_REASON_IO] = { "I/O instruction", handle_io },
	[EXIT_REASON_RDMSR] = { "RDMSR", handle_rdmsr },
	[EXIT_REASON_WRMSR] = { "WRMSR", handle_wrmsr },
	[EXIT_REASON_INVALID_GUEST_STATE] = { "VM entry: invalid guest state", 0 },
	[EXIT_REASON_MSR_LOADING] = { "VM entry: MSR loading", 0 },
	[EXIT_REASON_MACHINE_CHECK] = { "machine check", 0 },
	[EXIT_REASON_EPT_VIOLATION] = { "EPT violation", handle_ept_violation },
	[EXIT_REASON_EPT_MISCONFIG] = { "EPT misconfiguration", 0 },
	[EXIT_REASON_INVEPT] = { "INVEPT", handle_vmx_instruction },
	[EXIT_REASON_PREEMPTION_TIMER] = { "VMX-preemption timer", handle_preemption_timer },
	[EXIT_REASON_INVVPID] = { "INVVPID", handle_vmx_instruction },
	[EXIT_REASON_XSETBV] = { "XSETBV", handle_xsetbv },
	[EXIT_REASON_VMFUNC] = { "VMFUNC", handle_vmx_instruction },
};

const void *exit_handler_address(unsigned reason)
{
	return reason < EXIT_REASON_COUNT ? (const void *)exit_table[reason].handle : 0;
}

const char *exit_reason_name(unsigned reason)
{
	return reason < EXIT_REASON_COUNT && exit_table[reason].name ? exit_table[reason].name
									: "unknown";
}

