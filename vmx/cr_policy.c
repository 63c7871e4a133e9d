#include "vmx/cr_policy.h"

uint64_t cr0_guest_host_mask(const struct cr_fixed *f, bool unrestricted_guest)
{
	uint64_t fixed = f->fixed0 | ~f->fixed1;

	if (unrestricted_guest)
		fixed &= ~(CR0_PE | CR0_PG);
	return fixed;
}

uint64_t cr4_guest_host_mask(const struct cr_fixed *f)
{
	return f->fixed0 | ~f->fixed1 | CR4_VMXE;
}

uint64_t cr0_actual(const struct cr_fixed *f, uint64_t wanted, bool unrestricted_guest)
{
	uint64_t fixed0 = f->fixed0;

	if (unrestricted_guest)
		fixed0 &= ~(CR0_PE | CR0_PG);
	return (wanted | fixed0) & f->fixed1;
}

uint64_t cr4_actual(const struct cr_fixed *f, uint64_t wanted)
{
	return (wanted | f->fixed0) & f->fixed1;
}
