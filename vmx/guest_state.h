/* The guest's starting state: the CPU as the firmware left it, taken at
 * the launch point (vmx/guest_state.c writes it into the current VMCS). */
#ifndef VMX_GUEST_STATE_H
#define VMX_GUEST_STATE_H

#include "vmx/cr_policy.h"
#include "vmx/launch.h"

#include <stdbool.h>
#include <stdint.h>

/* Pure: VMCS access rights from a segment descriptor (SDM Vol. 3C,
 * 25.4.1, Table 25-2): descriptor bits 47:40 and 55:52, with bit 16 set
 * for an unusable (null) selector. */
uint32_t segment_access_rights(uint64_t descriptor, uint16_t selector);
uint64_t segment_base(uint64_t descriptor);
uint32_t segment_limit(uint64_t descriptor);

/* Writes every guest-state field from the current CPU; CR0/CR4 go
 * through the fixed bits, their shadows hold what the firmware had. */
void guest_state_write(const struct launch_params *p, uint64_t firmware_cr0,
		       uint64_t firmware_cr4, const struct cr_fixed *cr0, const struct cr_fixed *cr4,
		       bool unrestricted_guest);

#endif
