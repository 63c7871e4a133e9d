#ifndef VMX_CHECK_READ_H
#define VMX_CHECK_READ_H

#include "vmx/check.h"

/* Fills 'state' from the current VMCS and this CPU's capabilities, for
 * vmx_check() (hardware access: VMREAD, RDMSR, CPUID). */
void vmx_state_read(struct vmx_state *state, const struct vmx_raw *raw);

/* Checks the current VMCS; prints the first broken rule to the log.
 * Returns 0 if every rule holds. */
int vmx_check_current(const struct vmx_raw *raw);

#endif
