/* Reads this CPU's MTRRs into struct mtrr_state (hardware access). */
#include "vmx/mtrr_read.h"
#include "lib/cpu.h"
#include "lib/string.h"

#define CPUID1_EDX_MTRR (1u << 12)

void mtrr_read(struct mtrr_state *s)
{
	unsigned i, count;

	memset(s, 0, sizeof(*s));
	if (cpuid(0x80000000, 0).eax >= 0x80000008)
		s->maxphyaddr = cpuid(0x80000008, 0).eax & 0xff;
	/* Without MTRRs everything is as if they were disabled: UC. */
	if (!(cpuid(1, 0).edx & CPUID1_EDX_MTRR))
		return;
	s->cap = rdmsr(MSR_IA32_MTRRCAP);
	s->def_type = rdmsr(MSR_IA32_MTRR_DEF_TYPE);
	if (s->cap & MTRRCAP_FIX)
		for (i = 0; i < MTRR_FIXED_MSRS; i++)
			s->fixed[i] = rdmsr(mtrr_fixed_msrs[i].msr);
	count = mtrr_variable_count(s);
	for (i = 0; i < count; i++) {
		s->variable[i].base = rdmsr(MSR_IA32_MTRR_PHYSBASE(i));
		s->variable[i].mask = rdmsr(MSR_IA32_MTRR_PHYSMASK(i));
	}
}
