#include "vmx/task_switch.h"
#include "vmx/guest_state.h"
#include "lib/cpu_bits.h"
#include "lib/string.h"

/* System-descriptor types (SDM Vol. 3A, Table 3-2). */
#define TYPE_TSS16 1u
#define TYPE_LDT 2u
#define TYPE_TSS32 9u
#define TYPE_BUSY 2u /* 3 and 11: the busy forms */
#define DESC_TYPE(d) ((unsigned)((d) >> 40) & 0xfu)
#define DESC_S(d) (((d) >> 44) & 1)
#define DESC_DPL(d) ((unsigned)((d) >> 45) & 3u)
#define DESC_P(d) (((d) >> 47) & 1)
#define CODE 8u       /* type bits of code and data segments */
#define CONFORMING 4u /* code */
#define READABLE 2u   /* code */
#define WRITABLE 2u   /* data */

#define EFLAGS_FIXED 0x2u
#define EFLAGS_RESERVED 0xffc08028u /* bits 31:22, 15, 5, 3 */
#define EFLAGS_NT (1u << 14)
#define EFLAGS_VM (1u << 17)
#define CR0_TS (1ull << 3)
#define DR7_LOCAL_ENABLES 0x55ull /* L0-L3: cleared by every task switch (SDM Vol. 3A, 17.2.4) */
#define V86_AR 0xf3u            /* present, DPL 3, read/write data, accessed */

/* A TSS's layout (SDM Vol. 3A, Figures 8-2 and 8-11): where the dynamic
 * fields are, how wide, and its smallest valid limit. */
struct tss_layout {
	unsigned width; /* of EIP, EFLAGS and the registers: 4 or 2 */
	unsigned eip, eflags, gprs, selectors, selector_count, ldt, min_limit;
	unsigned size; /* bytes read from the new TSS */
};

static const struct tss_layout tss32 = { 4, 0x20, 0x24, 0x28, 0x48, 6, 0x60, 0x67, 0x68 };
static const struct tss_layout tss16 = { 2, 0x0e, 0x10, 0x12, 0x22, 4, 0x2a, 0x2b, 0x2c };
#define TSS32_CR3 0x1c
#define TSS32_TRAP 0x64

struct task_image {
	uint32_t eip, eflags, gpr[8], cr3;
	uint16_t selector[6], ldt;
	bool trap;
};

static uint32_t get(const uint8_t *raw, unsigned at, unsigned width)
{
	uint32_t v = 0;

	memcpy(&v, raw + at, width);
	return v;
}

static void put(uint8_t *raw, unsigned at, unsigned width, uint32_t v)
{
	memcpy(raw + at, &v, width);
}

static int fail(struct ts_fault *f, unsigned vector, bool has_error, uint32_t error)
{
	*f = (struct ts_fault){ vector, has_error, error, 0 };
	return 1;
}

static int fail_selector(struct ts_fault *f, unsigned vector, uint16_t selector)
{
	return fail(f, vector, true, selector & 0xfffcu);
}

/* A guest memory access; a failure becomes the #PF the CPU would raise. */
static int access(const struct ts_memory *m, bool writing, uint64_t linear, void *buf, size_t len,
		  struct ts_fault *f)
{
	uint32_t error = 0;

	if ((writing ? m->write(m->ctx, linear, buf, len, &error)
		     : m->read(m->ctx, linear, buf, len, &error)) == 0)
		return 0;
	fail(f, VECTOR_PF, true, error);
	f->cr2 = linear;
	return 1;
}

static int read(const struct ts_memory *m, uint64_t linear, void *dst, size_t len,
		struct ts_fault *f)
{
	return access(m, false, linear, dst, len, f);
}

static int write(const struct ts_memory *m, uint64_t linear, const void *src, size_t len,
		 struct ts_fault *f)
{
	return access(m, true, linear, (void *)(uintptr_t)src, len, f);
}

/* The descriptor 'selector' names, in the GDT or the current LDT, and its
 * linear address; outside the table: 'vector' (with the selector). */
static int read_descriptor(const struct ts_cpu *c, const struct ts_memory *m, uint16_t selector,
			   unsigned vector, uint64_t *d, uint64_t *at, struct ts_fault *f)
{
	const struct ts_segment *ldt = &c->seg[SEG_LDTR];
	bool local = selector & 4;
	uint64_t base = local ? ldt->base : c->gdtr_base;
	uint32_t limit = local ? ldt->limit : c->gdtr_limit, offset = selector & ~7u;

	if ((local && (ldt->ar & AR_UNUSABLE)) || offset + 7 > limit)
		return fail_selector(f, vector, selector);
	*at = base + offset;
	return read(m, *at, d, 8, f);
}

/* Loads segment register 'seg' of the new task with 'selector' at 'cpl',
 * with the checks of SDM Vol. 3A, 8.3 step 13 (#TS, #NP, #SS). */
static int load_segment(struct ts_cpu *c, const struct ts_memory *m, unsigned seg,
			uint16_t selector, unsigned cpl, struct ts_fault *f)
{
	unsigned rpl = selector & 3u, type, dpl;
	uint64_t d, at;
	bool ok;

	if (!(selector & ~3u)) {
		if (seg == SEG_CS || seg == SEG_SS)
			return fail(f, VECTOR_TS, true, 0);
		c->seg[seg] = (struct ts_segment){ selector, 0, 0, AR_UNUSABLE };
		return 0;
	}
	if ((seg == SEG_LDTR && (selector & 4)) ||
	    read_descriptor(c, m, selector, VECTOR_TS, &d, &at, f))
		return f->vector == VECTOR_PF ? 1 : fail_selector(f, VECTOR_TS, selector);
	type = DESC_TYPE(d);
	dpl = DESC_DPL(d);
	switch (seg) {
	case SEG_LDTR:
		ok = !DESC_S(d) && type == TYPE_LDT;
		break;
	case SEG_CS:
		ok = DESC_S(d) && (type & CODE) && (type & CONFORMING ? dpl <= rpl : dpl == rpl);
		break;
	case SEG_SS:
		ok = DESC_S(d) && !(type & CODE) && (type & WRITABLE) && rpl == cpl && dpl == cpl;
		break;
	default: /* data, or readable code; privilege unless conforming code */
		ok = DESC_S(d) && (!(type & CODE) || (type & READABLE)) &&
		     ((type & (CODE | CONFORMING)) == (CODE | CONFORMING) || (dpl >= cpl && dpl >= rpl));
		break;
	}
	if (!ok)
		return fail_selector(f, VECTOR_TS, selector);
	if (!DESC_P(d))
		return fail_selector(f, seg == SEG_SS ? VECTOR_SS : seg == SEG_LDTR ? VECTOR_TS : VECTOR_NP,
				     selector);
	if (DESC_S(d) && !(type & AR_ACCESSED)) {
		uint8_t access = (uint8_t)(d >> 40) | AR_ACCESSED;

		if (write(m, at + 5, &access, 1, f))
			return 1;
	}
	c->seg[seg] = (struct ts_segment){ selector, segment_base(d), segment_limit(d),
					   segment_access_rights(d, selector) };
	return 0;
}

/* The new task's segment registers: LDTR, CS and SS together, then the
 * data segments.  A fault leaves the registers it did not reach, and CS
 * and SS both if either fails, with the old task's values. */
static int load_segments(struct ts_cpu *c, const struct ts_memory *m, const struct task_image *t,
			 const struct tss_layout *l, const struct ts_segment *old, struct ts_fault *f)
{
	static const unsigned data[] = { SEG_DS, SEG_ES, SEG_FS, SEG_GS };
	unsigned cpl = t->selector[SEG_CS] & 3u, i;

	if (t->eflags & EFLAGS_VM) { /* virtual-8086 mode: real-mode segments at CPL 3 */
		for (i = 0; i < l->selector_count; i++)
			c->seg[i] = (struct ts_segment){ t->selector[i], (uint64_t)t->selector[i] << 4,
							 0xffff, V86_AR };
		return load_segment(c, m, SEG_LDTR, t->ldt, 3, f);
	}
	if (load_segment(c, m, SEG_LDTR, t->ldt, cpl, f))
		return 1;
	if (load_segment(c, m, SEG_CS, t->selector[SEG_CS], cpl, f) ||
	    load_segment(c, m, SEG_SS, t->selector[SEG_SS], cpl, f)) {
		c->seg[SEG_CS] = old[SEG_CS];
		c->seg[SEG_SS] = old[SEG_SS];
		return 1;
	}
	for (i = 0; i < sizeof(data) / sizeof(data[0]); i++) {
		if (data[i] >= l->selector_count)
			continue; /* a 16-bit TSS has no FS and GS: they stay */
		if (load_segment(c, m, data[i], t->selector[data[i]], cpl, f))
			return 1;
	}
	return 0;
}

static void decode(const uint8_t *raw, const struct tss_layout *l, struct task_image *t)
{
	t->eip = get(raw, l->eip, l->width);
	t->eflags = get(raw, l->eflags, l->width);
	for (unsigned i = 0; i < 8; i++)
		t->gpr[i] = get(raw, l->gprs + i * l->width, l->width);
	for (unsigned i = 0; i < l->selector_count; i++)
		t->selector[i] = (uint16_t)get(raw, l->selectors + i * l->width, 2);
	t->ldt = (uint16_t)get(raw, l->ldt, 2);
	t->cr3 = l == &tss32 ? get(raw, TSS32_CR3, 4) : 0;
	t->trap = l == &tss32 && (raw[TSS32_TRAP] & 1);
}

/* The old task's registers into its TSS: EIP to the segment selectors,
 * the rest of the TSS untouched. */
static int save_old_task(const struct ts_cpu *c, const struct ts_memory *m,
			 const struct tss_layout *l, uint32_t eflags, struct ts_fault *f)
{
	uint64_t base = c->seg[SEG_TR].base;
	unsigned len = l->selectors + l->selector_count * l->width - l->eip;
	uint8_t raw[0x68];

	if (read(m, base + l->eip, raw + l->eip, len, f))
		return 1;
	put(raw, l->eip, l->width, c->eip);
	put(raw, l->eflags, l->width, eflags);
	for (unsigned i = 0; i < 8; i++)
		put(raw, l->gprs + i * l->width, l->width, c->gpr[i]);
	for (unsigned i = 0; i < l->selector_count; i++)
		put(raw, l->selectors + i * l->width, 2, c->seg[i].selector);
	return write(m, base + l->eip, raw + l->eip, len, f);
}

static int set_busy(const struct ts_memory *m, uint64_t at, uint64_t d, bool busy,
		    struct ts_fault *f)
{
	uint8_t access = (uint8_t)(d >> 40);

	access = busy ? access | TYPE_BUSY : access & ~TYPE_BUSY;
	return write(m, at + 5, &access, 1, f);
}

/* The error code of an event delivered through a task gate, on the new
 * task's stack (SDM Vol. 3A, 6.12.2). */
static int push_error(struct ts_cpu *c, const struct ts_memory *m, const struct tss_layout *l,
		      uint32_t error, struct ts_fault *f)
{
	const struct ts_segment *ss = &c->seg[SEG_SS];
	uint32_t esp = c->gpr[4] - l->width;

	if (!(ss->ar & AR_DB))
		esp = (c->gpr[4] & 0xffff0000u) | (esp & 0xffffu);
	if (write(m, ss->base + (ss->ar & AR_DB ? esp : esp & 0xffffu), &error, l->width, f))
		return 1;
	c->gpr[4] = esp;
	return 0;
}

/* The new TSS's descriptor and the checks the CPU makes on it (SDM Vol.
 * 3A, 8.3 steps 2-4): in the GDT, a TSS, busy for IRET and available
 * otherwise, present, its limit large enough. */
static int check_new_tss(const struct ts_cpu *c, const struct ts_memory *m,
			 const struct ts_request *req, uint64_t *d, uint64_t *at,
			 const struct tss_layout **layout, struct ts_fault *f)
{
	unsigned bad = req->source == TS_IRET ? VECTOR_TS : VECTOR_GP, type;

	if ((req->selector & 4) || read_descriptor(c, m, req->selector, bad, d, at, f))
		return f->vector == VECTOR_PF ? 1 : fail_selector(f, bad, req->selector);
	type = DESC_TYPE(*d);
	if (DESC_S(*d) || ((type & ~TYPE_BUSY) != TYPE_TSS16 && (type & ~TYPE_BUSY) != TYPE_TSS32))
		return fail_selector(f, bad, req->selector);
	if (!!(type & TYPE_BUSY) != (req->source == TS_IRET))
		return fail_selector(f, bad, req->selector);
	if (!DESC_P(*d))
		return fail_selector(f, VECTOR_NP, req->selector);
	*layout = (type & ~TYPE_BUSY) == TYPE_TSS32 ? &tss32 : &tss16;
	if (segment_limit(*d) < (*layout)->min_limit)
		return fail_selector(f, VECTOR_TS, req->selector);
	return 0;
}

/* A software interrupt through a task gate: the gate's DPL against the
 * CPL, as for any gate (SDM Vol. 3A, 6.12.1.1). */
static int check_gate(const struct ts_cpu *c, const struct ts_memory *m,
		      const struct ts_request *req, struct ts_fault *f)
{
	uint32_t error = req->vector * 8 + 2; /* IDT bit */
	uint64_t gate;

	if (req->source != TS_GATE || !req->software)
		return 0;
	if (req->vector * 8 + 7 > c->idtr_limit)
		return fail(f, VECTOR_GP, true, error);
	if (read(m, c->idtr_base + req->vector * 8, &gate, 8, f))
		return 1;
	return AR_DPL(c->seg[SEG_SS].ar) > DESC_DPL(gate) ? fail(f, VECTOR_GP, true, error) : 0;
}

enum ts_result task_switch(struct ts_cpu *c, const struct ts_request *req, const struct ts_memory *m,
		struct ts_fault *f)
{
	const struct tss_layout *new_layout, *old_layout;
	bool nested = req->source == TS_CALL || req->source == TS_GATE;
	struct ts_segment old[SEG_COUNT];
	uint64_t new_d, new_at, old_d, old_at;
	struct task_image t;
	uint8_t raw[0x68];
	uint32_t eflags = c->eflags;

	if (check_gate(c, m, req, f) || check_new_tss(c, m, req, &new_d, &new_at, &new_layout, f))
		return TS_FAULT;
	old_layout = AR_TYPE(c->seg[SEG_TR].ar) == (TYPE_TSS32 | TYPE_BUSY) ? &tss32 : &tss16;
	if (read_descriptor(c, m, c->seg[SEG_TR].selector & ~4u, VECTOR_TS, &old_d, &old_at, f) ||
	    read(m, segment_base(new_d), raw, new_layout->size, f))
		return TS_FAULT;
	decode(raw, new_layout, &t);
	/* The old task: its state saved (IRET clears NT in the saved image),
	 * no longer busy unless the new one is nested in it. */
	if (req->source == TS_IRET)
		eflags &= ~EFLAGS_NT;
	if (save_old_task(c, m, old_layout, eflags, f) ||
	    (!nested && set_busy(m, old_at, old_d, false, f)))
		return TS_FAULT;
	if (nested) {
		uint16_t link = c->seg[SEG_TR].selector;

		if (write(m, segment_base(new_d), &link, 2, f))
			return TS_FAULT;
		t.eflags |= EFLAGS_NT;
	}
	if (req->source != TS_IRET) {
		if (set_busy(m, new_at, new_d, true, f))
			return TS_FAULT;
		new_d |= (uint64_t)TYPE_BUSY << 40;
	}
	/* The switch commits: the new task's TR, CR0.TS, CR3, registers;
	 * a fault from here on is the new task's. */
	memcpy(old, c->seg, sizeof(old));
	c->seg[SEG_TR] = (struct ts_segment){ req->selector, segment_base(new_d), segment_limit(new_d),
					      segment_access_rights(new_d, req->selector) };
	c->cr0 |= CR0_TS;
	c->dr7 &= ~DR7_LOCAL_ENABLES;
	if (new_layout == &tss32 && (c->cr0 & CR0_PG)) {
		c->cr3 = t.cr3;
		if (c->pae && m->read_phys(m->ctx, t.cr3 & ~0x1full, c->pdpte, sizeof(c->pdpte)) < 0) {
			fail(f, VECTOR_GP, true, 0);
			return TS_FAULT_IN_NEW_TASK;
		}
	}
	c->eip = new_layout->width == 4 ? t.eip : (c->eip & 0xffff0000u) | t.eip;
	c->eflags = ((new_layout->width == 4 ? t.eflags : (c->eflags & 0xffff0000u) | t.eflags) &
		     ~EFLAGS_RESERVED) | EFLAGS_FIXED;
	for (unsigned i = 0; i < 8; i++)
		c->gpr[i] = new_layout->width == 4 ? t.gpr[i] : (c->gpr[i] & 0xffff0000u) | t.gpr[i];
	if (load_segments(c, m, &t, new_layout, old, f) ||
	    (req->source == TS_GATE && req->has_error && push_error(c, m, new_layout, req->error, f)))
		return TS_FAULT_IN_NEW_TASK;
	if (t.trap) { /* the T flag: a debug trap before the new task's first instruction */
		fail(f, VECTOR_DB, false, 0);
		return TS_FAULT_IN_NEW_TASK;
	}
	return TS_SWITCHED;
}
