/*
 * VT-x capabilities decoded from CPUID and the VMX capability MSRs.
 *
 * Pure: vmx_caps_decode() takes raw values (read by boot code, or taken
 * from a real CPU in the unit tests) and says what the CPU offers.
 */
#ifndef VMX_CAPS_H
#define VMX_CAPS_H

#include "lib/format.h"

#include <stdbool.h>
#include <stdint.h>

/* Raw inputs. 'vmx_cpuid' is CPUID.1:ECX.VMX[bit 5]; the MSRs are read
 * only when it is set (they raise #GP otherwise). */
struct vmx_raw {
	bool vmx_cpuid;
	bool smx_cpuid;
	uint64_t feature_control;
	uint64_t basic, pinbased, procbased, exit, entry, misc;
	uint64_t procbased2;   /* valid if procbased allows secondary controls */
	uint64_t ept_vpid_cap; /* valid if procbased2 allows EPT or VPID */
	uint64_t true_pinbased, true_procbased, true_exit, true_entry; /* if basic bit 55 */
};

struct vmx_caps {
	bool vmx;
	bool fc_locked, fc_vmx_outside_smx, fc_vmx_inside_smx;
	uint32_t vmcs_revision;
	uint32_t vmcs_size;
	unsigned vmcs_memory_type;
	bool true_controls;
	bool secondary_controls;
	bool ept, ept_4level, ept_wb, ept_2m, ept_1g, ept_ad, invept, vpid, invvpid;
	bool unrestricted_guest;
	bool msr_bitmaps, io_bitmaps;
	bool nmi_exiting, virtual_nmis;
	bool preemption_timer, save_preemption_timer;
	unsigned preemption_timer_shift; /* timer ticks at TSC >> shift */
	bool activity_hlt, activity_shutdown, activity_wait_for_sipi;
	bool entry_load_perf_global_ctrl, exit_load_perf_global_ctrl;
	bool exit_save_perf_global_ctrl;
	uint32_t msr_list_max; /* recommended maximum entries per MSR list */
};

void vmx_caps_decode(const struct vmx_raw *raw, struct vmx_caps *caps);

/* NULL if pmuvisor can use VT-x on this CPU, else the reason in words. */
const char *vmx_unavailable_reason(const struct vmx_caps *caps);

/* The aligned, plain-English capability report. */
void vmx_caps_report(const struct out *o, const struct vmx_caps *caps);

/* Control bit numbers (SDM Vol. 3C, 25.6 and 25.7 "VM-Execution/Exit/Entry
 * Control Fields"); the allowed-1 settings are the high dword of each
 * capability MSR (Appendix A.3-A.5). */
#define PIN_NMI_EXITING 3
#define PIN_VIRTUAL_NMIS 5
#define PIN_PREEMPTION_TIMER 6
#define PROC_RDPMC_EXITING 11
#define PROC_USE_IO_BITMAPS 25
#define PROC_USE_MSR_BITMAPS 28
#define PROC_SECONDARY_CONTROLS 31
#define PROC2_ENABLE_EPT 1
#define PROC2_ENABLE_VPID 5
#define PROC2_UNRESTRICTED_GUEST 7
#define EXIT_LOAD_PERF_GLOBAL_CTRL 12
#define EXIT_SAVE_PREEMPTION_TIMER 22
#define EXIT_SAVE_PERF_GLOBAL_CTRL 30
#define ENTRY_LOAD_PERF_GLOBAL_CTRL 13

#endif
