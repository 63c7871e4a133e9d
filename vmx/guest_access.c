#include "vmx/guest_access.h"
#include "vmx/exit_handlers.h"
#include "vmx/vmcs.h"

#define CR0_WP (1ull << 16)

static void *map(void *ctx, uint64_t gpa, uint64_t len)
{
	(void)ctx;
	return vm_guest_phys(gpa, len);
}

struct guest_memory guest_memory_now(void)
{
	uint64_t cr0 = vmcs_read(GUEST_CR0), cr4 = vmcs_read(GUEST_CR4);
	struct guest_memory m = {
		.map = map,
		.cr3 = vmcs_read(GUEST_CR3),
		.paging = guest_paging_mode(cr0, cr4, vmcs_read(GUEST_IA32_EFER)),
		.pse = (cr4 >> 4) & 1,
		.wp_off = !(cr0 & CR0_WP),
	};

	/* With EPT, the CPU keeps PAE paging's PDPTEs in the VMCS (SDM Vol.
	 * 3C, 28.3.4): what the guest's CR3 page holds now may differ. */
	if (m.paging == GUEST_PAGING_PAE)
		for (unsigned i = 0; i < 4; i++)
			m.pdpte[i] = vmcs_read(GUEST_PDPTE0 + 2 * i);
	return m;
}

unsigned guest_cpl(void)
{
	return (unsigned)(vmcs_read(GUEST_SS_AR) >> 5) & 3;
}

uint32_t guest_pf_error(const struct guest_memory *m, uint64_t linear, bool write, bool user)
{
	uint64_t gpa;

	return (guest_translate(m, linear, false, false, &gpa) ? 1u : 0) | (write ? 2u : 0) |
	       (user ? 4u : 0);
}
