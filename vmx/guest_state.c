#include "vmx/guest_state.h"
#include "vmx/segments.h"
#include "vmx/vmcs.h"
#include "lib/cpu.h"

#define MSR_IA32_SYSENTER_CS 0x174
#define MSR_IA32_SYSENTER_ESP 0x175
#define MSR_IA32_SYSENTER_EIP 0x176
#define MSR_IA32_DEBUGCTL 0x1d9
#define MSR_IA32_PAT 0x277
#define MSR_IA32_EFER 0xc0000080
#define MSR_FS_BASE 0xc0000100
#define MSR_GS_BASE 0xc0000101

struct descriptor_table {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

uint32_t segment_access_rights(uint64_t d, uint16_t selector)
{
	uint32_t ar;

	if ((selector & ~3u) == 0)
		return AR_UNUSABLE;
	ar = (uint32_t)((d >> 40) & 0xff) | (uint32_t)(((d >> 52) & 0xf) << 12);
	/* The CPU sets "accessed" on load; VM entry wants it set on usable
	 * code and data segments (SDM 27.3.1.2). */
	if (ar & AR_S)
		ar |= AR_ACCESSED;
	return ar;
}

uint64_t segment_base(uint64_t d)
{
	return ((d >> 16) & 0xffffff) | (((d >> 56) & 0xff) << 24);
}

uint32_t segment_limit(uint64_t d)
{
	uint32_t limit = (uint32_t)((d & 0xffff) | ((d >> 32) & 0xf0000));

	return (d & (1ull << 55)) ? (limit << 12) | 0xfff : limit;
}

struct segment_fields {
	enum vmcs_field selector, base, limit, ar;
};

static const struct segment_fields fields[SEG_COUNT] = {
	[SEG_ES] = { GUEST_ES_SELECTOR, GUEST_ES_BASE, GUEST_ES_LIMIT, GUEST_ES_AR },
	[SEG_CS] = { GUEST_CS_SELECTOR, GUEST_CS_BASE, GUEST_CS_LIMIT, GUEST_CS_AR },
	[SEG_SS] = { GUEST_SS_SELECTOR, GUEST_SS_BASE, GUEST_SS_LIMIT, GUEST_SS_AR },
	[SEG_DS] = { GUEST_DS_SELECTOR, GUEST_DS_BASE, GUEST_DS_LIMIT, GUEST_DS_AR },
	[SEG_FS] = { GUEST_FS_SELECTOR, GUEST_FS_BASE, GUEST_FS_LIMIT, GUEST_FS_AR },
	[SEG_GS] = { GUEST_GS_SELECTOR, GUEST_GS_BASE, GUEST_GS_LIMIT, GUEST_GS_AR },
	[SEG_LDTR] = { GUEST_LDTR_SELECTOR, GUEST_LDTR_BASE, GUEST_LDTR_LIMIT, GUEST_LDTR_AR },
	[SEG_TR] = { GUEST_TR_SELECTOR, GUEST_TR_BASE, GUEST_TR_LIMIT, GUEST_TR_AR },
};

static uint16_t selector_of(unsigned seg)
{
	uint16_t s = 0;

	switch (seg) {
	case SEG_ES: __asm__ volatile("mov %%es, %0" : "=r"(s)); break;
	case SEG_CS: __asm__ volatile("mov %%cs, %0" : "=r"(s)); break;
	case SEG_SS: __asm__ volatile("mov %%ss, %0" : "=r"(s)); break;
	case SEG_DS: __asm__ volatile("mov %%ds, %0" : "=r"(s)); break;
	case SEG_FS: __asm__ volatile("mov %%fs, %0" : "=r"(s)); break;
	case SEG_GS: __asm__ volatile("mov %%gs, %0" : "=r"(s)); break;
	case SEG_LDTR: __asm__ volatile("sldt %0" : "=r"(s)); break;
	case SEG_TR: __asm__ volatile("str %0" : "=r"(s)); break;
	default: break;
	}
	return s;
}

static void write_segment(unsigned seg, const struct descriptor_table *gdt)
{
	uint16_t sel = selector_of(seg);
	const uint64_t *table = (const uint64_t *)(uintptr_t)gdt->base;
	uint64_t d = 0, base;
	uint32_t ar;

	if ((sel & ~7u) && (sel | 7u) <= gdt->limit)
		d = table[sel >> 3];
	ar = segment_access_rights(d, sel);
	base = segment_base(d);
	/* System descriptors are 16 bytes in IA-32e mode: base bits 63:32 follow. */
	if ((seg == SEG_TR || seg == SEG_LDTR) && !(ar & AR_UNUSABLE))
		base |= table[(sel >> 3) + 1] << 32;
	if (seg == SEG_TR && (ar & AR_UNUSABLE)) {
		/* Firmware often runs without a TSS, but VM entry needs TR
		 * usable: a busy 64-bit TSS of minimal size (SDM 27.3.1.2). */
		ar = 0x8b;
		base = 0;
		d = 0x67; /* limit 0x67, byte granularity */
	}
	vmcs_write(fields[seg].selector, sel);
	vmcs_write(fields[seg].base, base);
	vmcs_write(fields[seg].limit, (ar & AR_UNUSABLE) ? 0 : segment_limit(d));
	vmcs_write(fields[seg].ar, ar);
}

static uint64_t read_dr7(void)
{
	uint64_t v;

	__asm__ volatile("mov %%dr7, %0" : "=r"(v));
	return v;
}

void guest_state_write(const struct launch_params *p, uint64_t firmware_cr0,
		       uint64_t firmware_cr4, const struct cr_fixed *cr0, const struct cr_fixed *cr4,
		       bool unrestricted_guest)
{
	struct descriptor_table gdt, idt;
	unsigned seg;

	__asm__ volatile("sgdt %0" : "=m"(gdt));
	__asm__ volatile("sidt %0" : "=m"(idt));
	for (seg = 0; seg < SEG_COUNT; seg++)
		write_segment(seg, &gdt);
	/* In IA-32e mode FS and GS bases live in MSRs. */
	vmcs_write(GUEST_FS_BASE, rdmsr(MSR_FS_BASE));
	vmcs_write(GUEST_GS_BASE, rdmsr(MSR_GS_BASE));
	vmcs_write(GUEST_GDTR_BASE, gdt.base);
	vmcs_write(GUEST_GDTR_LIMIT, gdt.limit);
	vmcs_write(GUEST_IDTR_BASE, idt.base);
	vmcs_write(GUEST_IDTR_LIMIT, idt.limit);

	vmcs_write(GUEST_CR0, cr0_actual(cr0, firmware_cr0, unrestricted_guest));
	vmcs_write(CR0_READ_SHADOW, firmware_cr0);
	vmcs_write(GUEST_CR3, p->guest_cr3);
	vmcs_write(GUEST_CR4, cr4_actual(cr4, firmware_cr4));
	vmcs_write(CR4_READ_SHADOW, firmware_cr4);
	vmcs_write(GUEST_DR7, read_dr7());
	vmcs_write(GUEST_RSP, p->guest_rsp);
	vmcs_write(GUEST_RIP, p->guest_rip);
	vmcs_write(GUEST_RFLAGS, p->guest_rflags);
	vmcs_write(GUEST_IA32_DEBUGCTL, rdmsr(MSR_IA32_DEBUGCTL));
	vmcs_write(GUEST_IA32_PAT, rdmsr(MSR_IA32_PAT));
	vmcs_write(GUEST_IA32_EFER, rdmsr(MSR_IA32_EFER));
	vmcs_write(GUEST_SYSENTER_CS, rdmsr(MSR_IA32_SYSENTER_CS));
	vmcs_write(GUEST_SYSENTER_ESP, rdmsr(MSR_IA32_SYSENTER_ESP));
	vmcs_write(GUEST_SYSENTER_EIP, rdmsr(MSR_IA32_SYSENTER_EIP));
	vmcs_write(GUEST_ACTIVITY_STATE, 0);
	vmcs_write(GUEST_INTERRUPTIBILITY_INFO, 0);
	vmcs_write(GUEST_PENDING_DBG_EXCEPTIONS, 0);
	vmcs_write(VMCS_LINK_POINTER, ~0ull); /* no shadow VMCS (SDM 27.3.1.5) */
}
