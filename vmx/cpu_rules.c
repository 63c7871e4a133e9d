#include "vmx/cpu_rules.h"

bool cr0_write_faults(const struct cr_context *c, uint64_t value)
{
	bool paging_on = !(c->cr0 & CR0_PG) && (value & CR0_PG);

	return (value >> 32) != 0 ||                            /* reserved bits 63:32 */
	       ((value & CR0_PG) && !(value & CR0_PE)) ||         /* paging without protection */
	       ((value & CR0_NW) && !(value & CR0_CD)) ||         /* not-write-through, caching on */
	       (c->cs_long && !(value & CR0_PG)) ||               /* leaving paging in 64-bit mode */
	       (paging_on && (c->efer & EFER_LME) && !(c->cr4 & CR4_PAE)) || /* IA-32e without PAE */
	       (!(value & CR0_WP) && (c->cr4 & CR4_CET));         /* WP off while CET is on */
}

bool cr4_write_faults(const struct cr_context *c, uint64_t value)
{
	bool long_mode = (c->efer & EFER_LMA) != 0;
	bool pcide_on = !(c->cr4 & CR4_PCIDE) && (value & CR4_PCIDE);

	return (value & CR4_VMXE) ||                              /* VMX is hidden */
	       (value & ~c->cr4_supported) ||                     /* reserved bits */
	       (long_mode && !(value & CR4_PAE)) ||                 /* IA-32e needs PAE */
	       (long_mode && ((value ^ c->cr4) & CR4_LA57)) ||      /* LA57 fixed in IA-32e */
	       (pcide_on && (!long_mode || (c->cr3 & 0xfff))) ||    /* PCIDs: IA-32e, PCID 0 */
	       ((value & CR4_CET) && !(c->cr0 & CR0_WP));           /* CET needs WP */
}

/* XCR0 components whose bits go together (SDM Vol. 1, 13.3). */
#define XCR0_X87 (1ull << 0)
#define XCR0_SSE (1ull << 1)
#define XCR0_AVX (1ull << 2)
#define XCR0_MPX (3ull << 3)       /* BNDREGS, BNDCSR */
#define XCR0_AVX512 (7ull << 5)    /* opmask, ZMM_Hi256, Hi16_ZMM */
#define XCR0_AMX (3ull << 17)      /* TILECFG, TILEDATA */

static bool all_or_none(uint64_t value, uint64_t bits)
{
	return (value & bits) == 0 || (value & bits) == bits;
}

bool xsetbv_faults(uint32_t index, uint64_t value, uint64_t supported)
{
	return index != 0 ||                                   /* only XCR0 is writable */
	       (value & ~supported) ||                         /* a component the CPU lacks */
	       !(value & XCR0_X87) ||                          /* x87 state is always on */
	       ((value & XCR0_AVX) && !(value & XCR0_SSE)) ||
	       !all_or_none(value, XCR0_MPX) ||
	       !all_or_none(value, XCR0_AVX512) ||
	       ((value & XCR0_AVX512) && !(value & XCR0_AVX)) ||
	       !all_or_none(value, XCR0_AMX);
}

static bool overlaps(uint64_t base, uint64_t size, uint64_t start, uint64_t len)
{
	return size && start < base + size && base < start + len;
}

bool apic_base_write_faults(const struct apic_base_context *c, uint64_t value)
{
	uint64_t reserved = 0xffull | (1ull << 9) | (c->x2apic ? 0 : APIC_BASE_EXTD);
	uint64_t mode = value & (APIC_BASE_EN | APIC_BASE_EXTD), now = c->current & (APIC_BASE_EN | APIC_BASE_EXTD);
	uint64_t address = value & ~0xfffull;

	if (c->maxphyaddr < 64)
		reserved |= ~0ull << c->maxphyaddr;
	return (value & reserved) ||
	       mode == APIC_BASE_EXTD ||                                  /* EXTD without EN */
	       (now == (APIC_BASE_EN | APIC_BASE_EXTD) && mode == APIC_BASE_EN) || /* x2APIC -> xAPIC */
	       (now == 0 && mode == (APIC_BASE_EN | APIC_BASE_EXTD)) ||  /* disabled -> x2APIC */
	       ((value & APIC_BASE_EN) && (overlaps(c->hidden_base, c->hidden_size, address, 4096) ||
					   address + 4096 > c->reachable_top));
}

uint32_t beyond_reach_pf_error(uint64_t qualification, unsigned cpl)
{
	const uint64_t write = 1u << 1, fetch = 1u << 2;

	return 1u | 8u | (qualification & write ? 2u : 0) | (cpl == 3 ? 4u : 0) |
	       (qualification & fetch ? 16u : 0);
}
