/*
 * Control registers under VMX (pure; unit tested).
 *
 * Bits set in the CR0/CR4 guest/host masks are owned by pmuvisor: the
 * guest reads them from the read shadow and a MOV that changes them exits
 * (SDM Vol. 3C, 26.3 "Changes to Instruction Behavior in VMX Non-Root
 * Operation").  pmuvisor owns the bits the VMX fixed MSRs force, so that
 * the guest sees what it wrote while the CPU keeps what VMX requires.
 */
#ifndef VMX_CR_POLICY_H
#define VMX_CR_POLICY_H

#include "lib/cpu_bits.h"

#include <stdbool.h>
#include <stdint.h>


struct cr_fixed {
	uint64_t fixed0, fixed1; /* IA32_VMX_CRn_FIXED0/1: 1s forced, 0s forbidden */
};

/* The guest/host mask: every bit whose value VMX fixes, less PE and PG
 * for CR0 under unrestricted guest (SDM 27.3.1.1), plus CR4.VMXE. */
uint64_t cr0_guest_host_mask(const struct cr_fixed *f, bool unrestricted_guest);
uint64_t cr4_guest_host_mask(const struct cr_fixed *f);

/* The CPU's value for what the guest wants; the shadow is 'wanted'. */
uint64_t cr0_actual(const struct cr_fixed *f, uint64_t wanted, bool unrestricted_guest);
uint64_t cr4_actual(const struct cr_fixed *f, uint64_t wanted);

#endif
