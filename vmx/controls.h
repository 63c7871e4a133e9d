/*
 * The five VMX control fields pmuvisor writes to the VMCS: what it wants,
 * adjusted to what the capability MSRs allow (SDM Vol. 3D, Appendix
 * A.3-A.5).
 *
 * Pure: vmx_controls_compute() takes the raw MSR values of struct vmx_raw
 * (read by boot code, or taken from a real CPU in the unit tests).
 */
#ifndef VMX_CONTROLS_H
#define VMX_CONTROLS_H

#include "lib/format.h"
#include "vmx/caps.h"

#include <stdbool.h>
#include <stdint.h>

/* Control bit numbers not already in vmx/caps.h (SDM Vol. 3C, 25.6.1,
 * 25.6.2, 25.7.1 and 25.8.1). */
#define PIN_EXTERNAL_INTERRUPT_EXITING 0
#define PROC_CR3_LOAD_EXITING 15
#define PROC_CR3_STORE_EXITING 16
#define PROC2_ENABLE_RDTSCP 3
#define PROC2_ENABLE_INVPCID 12
#define PROC2_ENABLE_XSAVES 20
#define EXIT_SAVE_DEBUG_CONTROLS 2
#define EXIT_HOST_ADDRESS_SPACE_SIZE 9
#define EXIT_ACKNOWLEDGE_INTERRUPT_ON_EXIT 15
#define EXIT_SAVE_EFER 20
#define EXIT_LOAD_EFER 21
#define ENTRY_LOAD_DEBUG_CONTROLS 2
#define ENTRY_IA32E_MODE_GUEST 9
#define ENTRY_LOAD_EFER 15

/* IA32_VMX_BASIC bit 55: the TRUE_* capability MSRs exist (A.1). */
#define VMX_BASIC_TRUE_CONTROLS 55

enum vmx_control_field {
	CONTROLS_PIN_BASED,
	CONTROLS_PRIMARY,   /* primary processor-based VM-execution controls */
	CONTROLS_SECONDARY, /* secondary processor-based VM-execution controls */
	CONTROLS_EXIT,
	CONTROLS_ENTRY,
	CONTROL_FIELDS
};

struct vmx_controls {
	uint32_t value[CONTROL_FIELDS]; /* what goes into the VMCS */
	bool true_controls;             /* adjusted to the TRUE_* MSRs */

	/* The optional controls that ended up on. */
	bool preemption_timer;      /* pin: activate VMX-preemption timer */
	bool save_preemption_timer; /* exit: save VMX-preemption timer value */
	bool vpid, rdtscp, invpcid, xsaves; /* secondary: enable ... */
	bool exit_save_efer, exit_load_efer, entry_load_efer;
	bool exit_load_perf_global_ctrl, exit_save_perf_global_ctrl;
	bool entry_load_perf_global_ctrl;
};

/* The adjustment of A.3-A.5: bits 31:0 of a capability MSR are the
 * allowed-0 settings (a 1 there forces the control to 1), bits 63:32 the
 * allowed-1 settings (a 0 there forces it to 0).  Returns
 * (wanted | allowed-0) & allowed-1 and, if 'dropped' is not NULL, stores
 * the wanted bits that could not be set. */
uint32_t vmx_adjust(uint64_t capability_msr, uint32_t wanted, uint32_t *dropped);

/* Fills 'controls' and returns 0, or returns -1 after writing to 'why'
 * one line per required control the CPU cannot set.  After -1 the values
 * are for reports only, never for a VMCS. */
int vmx_controls_compute(const struct vmx_raw *raw, struct vmx_controls *controls,
			 const struct out *why);

/* The aligned report: the five values and each optional control. */
void vmx_controls_report(const struct out *o, const struct vmx_controls *controls);

static inline bool vmx_control_on(const struct vmx_controls *controls,
				  enum vmx_control_field field, unsigned bit)
{
	return (controls->value[field] >> bit) & 1;
}

#endif
