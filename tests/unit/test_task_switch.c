/* vmx/task_switch.c: hardware task switches as the SDM describes them
 * (Vol. 3A, 8.3), on a flat guest memory with a GDT, TSSs, an LDT and an
 * IDT with a task gate. */
#include "unit.h"

#include "vmx/task_switch.h"
#include "vmx/guest_state.h"

#define MEM (64u << 10)
static uint8_t mem[MEM];
static uint64_t hole_from = MEM, hole_to = MEM; /* unmapped: a #PF */

static int mem_read(void *ctx, uint64_t linear, void *dst, size_t len, uint32_t *pf)
{
	if (linear + len > MEM || (linear < hole_to && linear + len > hole_from)) {
		*pf = 0;
		return -1;
	}
	memcpy(dst, mem + linear, len);
	return 0;
}

static int mem_write(void *ctx, uint64_t linear, const void *src, size_t len, uint32_t *pf)
{
	if (linear + len > MEM || (linear < hole_to && linear + len > hole_from)) {
		*pf = 2;
		return -1;
	}
	memcpy(mem + linear, src, len);
	return 0;
}

static int mem_phys(void *ctx, uint64_t gpa, void *dst, size_t len)
{
	return mem_read(ctx, gpa, dst, len, &(uint32_t){ 0 });
}

static const struct ts_memory memory = { mem_read, mem_write, mem_phys, 0 };

#define GDT 0x1000u
#define TSS_A 0x2000u
#define TSS_B 0x3000u
#define LDT 0x4000u
#define TSS_16 0x5000u
#define IDT 0x6000u
enum {
	CODE0 = 0x08, DATA0 = 0x10, SEL_A = 0x18, SEL_B = 0x20, SEL_LDT = 0x28, SEL_16 = 0x30,
	SEL_ABSENT = 0x38, SEL_TINY = 0x40, CODE3 = 0x4b, DATA3 = 0x53, DATA_ABSENT = 0x58,
	DATA_RO = 0x60, LDT_DATA = 0x04, GDT_ENTRIES = 13,
};

static uint64_t desc(uint64_t base, uint32_t limit, unsigned type, unsigned s, unsigned dpl,
		     unsigned p, unsigned db, unsigned g)
{
	return (limit & 0xffffu) | (base & 0xffffff) << 16 | (uint64_t)type << 40 |
	       (uint64_t)s << 44 | (uint64_t)dpl << 45 | (uint64_t)p << 47 |
	       (uint64_t)((limit >> 16) & 0xf) << 48 | (uint64_t)db << 54 | (uint64_t)g << 55 |
	       (base >> 24) << 56;
}

static void put64(uint32_t at, uint64_t v) { memcpy(mem + at, &v, 8); }
static void put32(uint32_t at, uint32_t v) { memcpy(mem + at, &v, 4); }
static void put16(uint32_t at, uint16_t v) { memcpy(mem + at, &v, 2); }
static uint32_t get32(uint32_t at) { uint32_t v; memcpy(&v, mem + at, 4); return v; }
static uint16_t get16(uint32_t at) { uint16_t v; memcpy(&v, mem + at, 2); return v; }
static unsigned type_of(unsigned selector) { return mem[GDT + (selector & ~7u) + 5] & 0xf; }

static struct ts_segment segment(uint16_t selector)
{
	uint64_t d;

	memcpy(&d, mem + ((selector & 4) ? LDT : GDT) + (selector & ~7u), 8);
	return (struct ts_segment){ selector, segment_base(d), segment_limit(d),
				    segment_access_rights(d, selector) };
}

/* A 32-bit TSS whose task runs flat at CPL 0 (or 3) with 'cr3', 'eip'. */
static void tss32(uint32_t at, uint32_t cr3, uint32_t eip, uint32_t eflags, unsigned cpl)
{
	uint16_t code = cpl ? CODE3 : CODE0, data = cpl ? DATA3 : DATA0;

	memset(mem + at, 0, 0x68);
	put32(at + 0x1c, cr3);
	put32(at + 0x20, eip);
	put32(at + 0x24, eflags);
	for (unsigned i = 0; i < 8; i++)
		put32(at + 0x28 + 4 * i, 0x100 + i);
	for (unsigned i = 0; i < 6; i++)
		put16(at + 0x48 + 4 * i, i == 1 ? code : data);
	put16(at + 0x60, SEL_LDT);
	put16(at + 0x66, 0x68);
}

static struct ts_cpu cpu;

static int setup(void **state)
{
	const uint64_t gdt[GDT_ENTRIES] = {
		0,
		desc(0, 0xfffff, 0xb, 1, 0, 1, 1, 1),      /* CODE0 */
		desc(0, 0xfffff, 0x3, 1, 0, 1, 1, 1),      /* DATA0 */
		desc(TSS_A, 0x67, 0xb, 0, 0, 1, 0, 0),     /* SEL_A: busy, the running task */
		desc(TSS_B, 0x67, 0x9, 0, 0, 1, 0, 0),     /* SEL_B */
		desc(LDT, 0x17, 0x2, 0, 0, 1, 0, 0),       /* SEL_LDT */
		desc(TSS_16, 0x2b, 0x1, 0, 0, 1, 0, 0),    /* SEL_16 */
		desc(0x7000, 0x67, 0x9, 0, 0, 0, 0, 0),    /* SEL_ABSENT */
		desc(0x7100, 0x20, 0x9, 0, 0, 1, 0, 0),    /* SEL_TINY */
		desc(0, 0xfffff, 0xb, 1, 3, 1, 1, 1),      /* CODE3 */
		desc(0, 0xfffff, 0x3, 1, 3, 1, 1, 1),      /* DATA3 */
		desc(0, 0xfffff, 0x3, 1, 0, 0, 1, 1),      /* DATA_ABSENT */
		desc(0, 0xfffff, 0x1, 1, 0, 1, 1, 1),      /* DATA_RO */
	};

	memset(mem, 0, sizeof(mem));
	hole_from = hole_to = MEM;
	memcpy(mem + GDT, gdt, sizeof(gdt));
	put64(LDT, desc(0x8000, 0xffff, 0x2, 1, 0, 1, 1, 0)); /* LDT_DATA, not yet accessed */
	/* IDT vector 0x80: a task gate for SEL_B, DPL 0; 0x81: DPL 3. */
	put64(IDT + 0x80 * 8, (uint64_t)SEL_B << 16 | 0x85ull << 40);
	put64(IDT + 0x81 * 8, (uint64_t)SEL_B << 16 | 0xe5ull << 40);
	tss32(TSS_A, 0x9000, 0, 0x2, 0);
	tss32(TSS_B, 0xa000, 0x5678, 0x202, 0);
	cpu = (struct ts_cpu){ .eip = 0x1234, .eflags = 0x246, .gdtr_base = GDT,
			       .gdtr_limit = GDT_ENTRIES * 8 - 1, .idtr_base = IDT, .idtr_limit = 0x7ff,
			       .cr0 = 0x80000011, .cr3 = 0x9000, .dr7 = 0x455 };
	for (unsigned i = 0; i < 8; i++)
		cpu.gpr[i] = 0x10 + i;
	for (unsigned s = 0; s < 6; s++)
		cpu.seg[s] = segment(s == SEG_CS ? CODE0 : DATA0);
	cpu.seg[SEG_LDTR] = (struct ts_segment){ 0, 0, 0, AR_UNUSABLE };
	cpu.seg[SEG_TR] = segment(SEL_A);
	return 0;
}

static enum ts_result run(uint16_t selector, enum ts_source source, struct ts_fault *f)
{
	struct ts_request req = { .selector = selector, .source = source };

	return task_switch(&cpu, &req, &memory, f);
}

static void assert_fault(const struct ts_fault *f, unsigned vector, uint32_t error)
{
	assert_int_equal(f->vector, vector);
	assert_true(f->has_error);
	assert_int_equal(f->error, error);
}

static void test_jmp_saves_the_old_task_and_runs_the_new(void **state)
{
	struct ts_fault f;

	assert_int_equal(run(SEL_B, TS_JMP, &f), TS_SWITCHED);
	/* The old task's dynamic fields, in TSS A. */
	assert_int_equal(get32(TSS_A + 0x20), 0x1234);
	assert_int_equal(get32(TSS_A + 0x24), 0x246);
	assert_int_equal(get32(TSS_A + 0x28 + 4 * 7), 0x17);
	assert_int_equal(get16(TSS_A + 0x4c), CODE0);
	assert_int_equal(get32(TSS_A + 0x1c), 0x9000); /* static fields untouched */
	/* Busy moves from A to B; no back link for a JMP. */
	assert_int_equal(type_of(SEL_A), 0x9);
	assert_int_equal(type_of(SEL_B), 0xb);
	assert_int_equal(get16(TSS_B), 0);
	/* The new task. */
	assert_int_equal(cpu.seg[SEG_TR].selector, SEL_B);
	assert_int_equal(cpu.seg[SEG_TR].base, TSS_B);
	assert_int_equal(AR_TYPE(cpu.seg[SEG_TR].ar), 0xb);
	assert_int_equal(cpu.eip, 0x5678);
	assert_int_equal(cpu.eflags, 0x202); /* NT not set */
	assert_int_equal(cpu.cr3, 0xa000);
	assert_int_equal(cpu.gpr[4], 0x104);
	assert_true(cpu.cr0 & 8);              /* CR0.TS */
	assert_int_equal(cpu.dr7, 0x400);      /* L0-L3 cleared, G bits kept */
	assert_int_equal(cpu.seg[SEG_LDTR].selector, SEL_LDT);
	assert_int_equal(cpu.seg[SEG_LDTR].base, LDT);
	assert_int_equal(cpu.seg[SEG_CS].selector, CODE0);
	assert_int_equal(cpu.seg[SEG_SS].limit, 0xffffffffu);
}

static void test_call_nests_and_iret_returns(void **state)
{
	struct ts_fault f;

	assert_int_equal(run(SEL_B, TS_CALL, &f), TS_SWITCHED);
	assert_int_equal(get16(TSS_B), SEL_A);      /* the back link */
	assert_true(cpu.eflags & (1u << 14));        /* NT */
	assert_int_equal(type_of(SEL_A), 0xb);      /* still busy: nested */
	assert_int_equal(type_of(SEL_B), 0xb);
	/* IRET with NT: back to A, the link's task; B is free again and its
	 * saved image has NT clear. */
	cpu.eip = 0x5700;
	assert_int_equal(run(SEL_A, TS_IRET, &f), TS_SWITCHED);
	assert_int_equal(type_of(SEL_B), 0x9);
	assert_int_equal(type_of(SEL_A), 0xb);
	assert_false(get32(TSS_B + 0x24) & (1u << 14));
	assert_int_equal(get32(TSS_B + 0x20), 0x5700);
	assert_int_equal(cpu.eip, 0x1234);
	assert_int_equal(cpu.seg[SEG_TR].selector, SEL_A);
	assert_int_equal(cpu.cr3, 0x9000);
}

static void test_bad_new_tss_faults_and_changes_nothing(void **state)
{
	struct ts_fault f;
	struct ts_cpu before = cpu;
	uint8_t image[sizeof(mem)];

	memcpy(image, mem, sizeof(mem));
	assert_int_equal(run(SEL_A, TS_JMP, &f), TS_FAULT); /* busy */
	assert_fault(&f, VECTOR_GP, SEL_A);
	assert_int_equal(run(SEL_B, TS_IRET, &f), TS_FAULT); /* IRET to a free one */
	assert_fault(&f, VECTOR_TS, SEL_B);
	assert_int_equal(run(SEL_ABSENT, TS_JMP, &f), TS_FAULT);
	assert_fault(&f, VECTOR_NP, SEL_ABSENT);
	assert_int_equal(run(SEL_TINY, TS_JMP, &f), TS_FAULT);
	assert_fault(&f, VECTOR_TS, SEL_TINY);
	assert_int_equal(run(CODE0, TS_JMP, &f), TS_FAULT); /* not a TSS */
	assert_fault(&f, VECTOR_GP, CODE0);
	assert_int_equal(run(0x1000 | 0x18, TS_JMP, &f), TS_FAULT); /* beyond the GDT */
	assert_fault(&f, VECTOR_GP, 0x1018);
	assert_int_equal(run(SEL_B | 4, TS_IRET, &f), TS_FAULT); /* a TSS is in the GDT */
	assert_fault(&f, VECTOR_TS, SEL_B | 4);
	assert_memory_equal(&cpu, &before, sizeof(cpu));
	assert_memory_equal(mem, image, sizeof(mem));
}

static void test_unreadable_tss_is_a_page_fault(void **state)
{
	struct ts_fault f;

	hole_from = TSS_B;
	hole_to = TSS_B + 0x1000;
	assert_int_equal(run(SEL_B, TS_JMP, &f), TS_FAULT);
	assert_int_equal(f.vector, VECTOR_PF);
	assert_int_equal(f.cr2, TSS_B);
	assert_int_equal(cpu.seg[SEG_TR].selector, SEL_A);
	assert_int_equal(type_of(SEL_A), 0xb);
}

static void test_bad_segments_fault_in_the_new_task(void **state)
{
	struct ts_fault f;

	put16(TSS_B + 0x4c, DATA0); /* CS: a data segment */
	assert_int_equal(run(SEL_B, TS_JMP, &f), TS_FAULT_IN_NEW_TASK);
	assert_fault(&f, VECTOR_TS, DATA0);
	assert_int_equal(cpu.seg[SEG_TR].selector, SEL_B); /* the switch happened */
	assert_int_equal(cpu.eip, 0x5678);
	assert_int_equal(cpu.seg[SEG_CS].selector, CODE0); /* CS and SS: the old ones */
	assert_int_equal(cpu.seg[SEG_SS].selector, DATA0);

	setup(state);
	put16(TSS_B + 0x50, DATA_ABSENT); /* SS not present: #SS */
	assert_int_equal(run(SEL_B, TS_JMP, &f), TS_FAULT_IN_NEW_TASK);
	assert_fault(&f, VECTOR_SS, DATA_ABSENT);

	setup(state);
	put16(TSS_B + 0x50, DATA_RO); /* SS read-only: #TS */
	assert_int_equal(run(SEL_B, TS_JMP, &f), TS_FAULT_IN_NEW_TASK);
	assert_fault(&f, VECTOR_TS, DATA_RO);

	setup(state);
	put16(TSS_B + 0x54, DATA_ABSENT); /* DS not present: #NP */
	assert_int_equal(run(SEL_B, TS_JMP, &f), TS_FAULT_IN_NEW_TASK);
	assert_fault(&f, VECTOR_NP, DATA_ABSENT);
	assert_int_equal(cpu.seg[SEG_SS].selector, DATA0);

	setup(state);
	put16(TSS_B + 0x54, DATA3); /* DS of DPL 3 at CPL 0: allowed */
	put16(TSS_B + 0x48, CODE3 & ~3); /* ES: readable code of DPL 3 */
	assert_int_equal(run(SEL_B, TS_JMP, &f), TS_SWITCHED);

	setup(state);
	tss32(TSS_B, 0xa000, 0x5678, 0x202, 3);
	put16(TSS_B + 0x54, DATA0); /* DS of DPL 0 at CPL 3: #TS */
	assert_int_equal(run(SEL_B, TS_JMP, &f), TS_FAULT_IN_NEW_TASK);
	assert_fault(&f, VECTOR_TS, DATA0);
	assert_int_equal(cpu.seg[SEG_CS].selector, CODE3);
}

static void test_null_data_selectors_and_the_ldt(void **state)
{
	struct ts_fault f;

	put16(TSS_B + 0x58, 0);        /* FS null: unusable */
	put16(TSS_B + 0x5c, LDT_DATA); /* GS from the task's LDT */
	assert_int_equal(run(SEL_B, TS_JMP, &f), TS_SWITCHED);
	assert_true(cpu.seg[SEG_FS].ar & AR_UNUSABLE);
	assert_int_equal(cpu.seg[SEG_GS].base, 0x8000);
	assert_true(mem[LDT + 5] & 1); /* accessed set in the descriptor */

	setup(state);
	put16(TSS_B + 0x60, DATA0); /* an LDT selector that is not an LDT */
	assert_int_equal(run(SEL_B, TS_JMP, &f), TS_FAULT_IN_NEW_TASK);
	assert_fault(&f, VECTOR_TS, DATA0);
}

static void test_gate_pushes_the_error_code(void **state)
{
	struct ts_request req = { .selector = SEL_B, .source = TS_GATE, .vector = 13,
				  .has_error = true, .error = 0x1230 };
	struct ts_fault f;

	put32(TSS_B + 0x38, 0xf000); /* ESP */
	assert_int_equal(task_switch(&cpu, &req, &memory, &f), TS_SWITCHED);
	assert_int_equal(cpu.gpr[4], 0xeffc);
	assert_int_equal(get32(0xeffc), 0x1230);
	assert_int_equal(get16(TSS_B), SEL_A); /* nested, like CALL */
	assert_true(cpu.eflags & (1u << 14));
}

static void test_software_interrupt_checks_the_gate(void **state)
{
	struct ts_request req = { .selector = SEL_B, .source = TS_GATE, .vector = 0x80, .software = true };
	struct ts_fault f;

	cpu.seg[SEG_SS] = segment(DATA3);
	cpu.seg[SEG_CS] = segment(CODE3);
	assert_int_equal(task_switch(&cpu, &req, &memory, &f), TS_FAULT);
	assert_fault(&f, VECTOR_GP, 0x80 * 8 + 2);
	req.vector = 0x81; /* DPL 3 */
	assert_int_equal(task_switch(&cpu, &req, &memory, &f), TS_SWITCHED);
}

static void test_16_bit_tss(void **state)
{
	struct ts_fault f;

	memset(mem + TSS_16, 0, 0x2c);
	put16(TSS_16 + 0x0e, 0x0100);          /* IP */
	put16(TSS_16 + 0x10, 0x0002);          /* FLAGS */
	put16(TSS_16 + 0x12, 0xaaaa);          /* AX */
	put16(TSS_16 + 0x22, DATA0);           /* ES */
	put16(TSS_16 + 0x24, CODE0);
	put16(TSS_16 + 0x26, DATA0);
	put16(TSS_16 + 0x28, DATA0);
	cpu.gpr[0] = 0x12345678;
	cpu.seg[SEG_FS] = segment(DATA3);
	assert_int_equal(run(SEL_16, TS_JMP, &f), TS_SWITCHED);
	assert_int_equal(cpu.gpr[0], 0x1234aaaa); /* 16-bit registers: upper halves stay */
	assert_int_equal(cpu.eip, 0x0100);
	assert_int_equal(cpu.cr3, 0x9000);        /* no CR3 in a 16-bit TSS */
	assert_int_equal(cpu.seg[SEG_FS].selector, DATA3); /* nor FS and GS */
	assert_int_equal(AR_TYPE(cpu.seg[SEG_TR].ar), 0x3);
	/* Back to A (free since the JMP left it): the 16-bit task's state
	 * goes to its 16-bit TSS. */
	cpu.gpr[0] = 0xbbbb;
	assert_int_equal(type_of(SEL_A), 0x9);
	assert_int_equal(run(SEL_A, TS_JMP, &f), TS_SWITCHED);
	assert_int_equal(type_of(SEL_16), 0x1);
	assert_int_equal(get16(TSS_16 + 0x12), 0xbbbb);
	assert_int_equal(get16(TSS_16 + 0x24), CODE0);
}

static void test_virtual_8086_task(void **state)
{
	struct ts_fault f;

	tss32(TSS_B, 0xa000, 0x10, 0x20202, 0); /* EFLAGS.VM */
	for (unsigned i = 0; i < 6; i++)
		put16(TSS_B + 0x48 + 4 * i, (uint16_t)(0x1000 + i));
	assert_int_equal(run(SEL_B, TS_JMP, &f), TS_SWITCHED);
	assert_int_equal(cpu.seg[SEG_CS].base, 0x10010);
	assert_int_equal(cpu.seg[SEG_SS].limit, 0xffff);
	assert_int_equal(cpu.seg[SEG_DS].ar, 0xf3);
}

static void test_trap_flag_and_pae(void **state)
{
	struct ts_fault f;
	const uint64_t pdpte[4] = { 0x1001, 0x2001, 0x3001, 0x4001 };

	mem[TSS_B + 0x64] = 1; /* T */
	memcpy(mem + 0xa000, pdpte, sizeof(pdpte));
	cpu.pae = true;
	assert_int_equal(run(SEL_B, TS_JMP, &f), TS_FAULT_IN_NEW_TASK);
	assert_int_equal(f.vector, VECTOR_DB);
	assert_false(f.has_error);
	assert_int_equal(cpu.seg[SEG_TR].selector, SEL_B);
	assert_memory_equal(cpu.pdpte, pdpte, sizeof(pdpte));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_jmp_saves_the_old_task_and_runs_the_new, setup),
		cmocka_unit_test_setup(test_call_nests_and_iret_returns, setup),
		cmocka_unit_test_setup(test_bad_new_tss_faults_and_changes_nothing, setup),
		cmocka_unit_test_setup(test_unreadable_tss_is_a_page_fault, setup),
		cmocka_unit_test_setup(test_bad_segments_fault_in_the_new_task, setup),
		cmocka_unit_test_setup(test_null_data_selectors_and_the_ldt, setup),
		cmocka_unit_test_setup(test_gate_pushes_the_error_code, setup),
		cmocka_unit_test_setup(test_software_interrupt_checks_the_gate, setup),
		cmocka_unit_test_setup(test_16_bit_tss, setup),
		cmocka_unit_test_setup(test_virtual_8086_task, setup),
		cmocka_unit_test_setup(test_trap_flag_and_pae, setup),
	};

	return cmocka_run_group_tests_name("task_switch", tests, NULL, NULL);
}
