/*
 * The hostile-guest payload's interrupt classes (see hostile.c): self-NMIs
 * through the local APIC, and the virtual PMU's PMIs where their delivery
 * is delicate.  The handlers are registered with the firmware's CPU
 * protocol, so the firmware's IDT and interrupt entry stay in use.
 */
#include "tests/payloads/hostile.h"

#include "lib/cpu.h"
#include "lib/cpu_safe.h"

/* xAPIC registers (SDM Vol. 3A, Table 11-1). */
#define APIC_TPR 0x080
#define APIC_EOI 0x0b0
#define APIC_ICR_LOW 0x300
#define APIC_ICR_HIGH 0x310
#define APIC_LVT_PMC 0x340
#define ICR_NMI 0x4400u /* delivery mode NMI (100b), level assert (11.6.1) */
#define ICR_PENDING (1u << 12)
#define LVT_NMI 0x400u  /* LVT delivery mode NMI (11.5.1, Figure 11-8) */
#define LVT_MASKED (1u << 16)

/* Architectural PMU MSRs (SDM Vol. 3B, 20.2; Vol. 4, Table 2-2). */
#define MSR_PMC0 0xc1u
#define MSR_PERFEVTSEL0 0x186u
#define MSR_FIXED_CTR0 0x309u
#define MSR_FIXED_CTR_CTRL 0x38du
#define MSR_GLOBAL_STATUS 0x38eu
#define MSR_GLOBAL_CTRL 0x38fu
#define MSR_GLOBAL_OVF_CTRL 0x390u
#define GLOBAL_PMC0 (1ull << 0)
#define GLOBAL_FIXED0 (1ull << 32)
/* Fixed counter 0 (INST_RETIRED.ANY) at every ring with a PMI on overflow
 * (20.2.2, Figure 20-2: bits 1:0 = 3, bit 3 = PMI). */
#define FIXED0_ALL_RINGS_PMI 0xbull
/* PMC0 counting instructions retired (event C0H, umask 0) in user and
 * kernel mode, enabled (Figure 20-1, Table 20-1). */
#define EVTSEL_INSTRUCTIONS (0xc0ull | 1ull << 16 | 1ull << 17 | 1ull << 22)

/* Interrupt handlers, through the firmware's CPU protocol.  They may not
 * use the fault guard (it swaps the IDT), so their MSR accesses are plain:
 * they only run when the virtual PMU has these MSRs. */
static struct {
	volatile uint64_t nmis;     /* NMIs seen */
	volatile uint64_t vectored; /* PMIs seen at the LVT's vector */
	volatile uint64_t pmis;     /* overflows handled and re-armed */
	volatile uint64_t spurious; /* a PMI with no overflow flagged */
	volatile uint64_t late;     /* handled half a period after the overflow */
	volatile uint64_t latest;   /* the most instructions from overflow to handler */
	uint64_t period, top;       /* fixed counter 0 restarts at top - period */
	uint32_t lvt;               /* the LVT entry to unmask */
	int rearm;
} pmi;

/* An overflow's PMI: count it and start the next period.  The counter
 * has counted on since it wrapped; that count is kept, so that a period
 * is 'period' instructions however late its PMI came, and one PMI lost
 * leaves the counter wrapped and unarmed for good (pmu_stop sees it). */
static void pmi_rearm(void)
{
	uint64_t since_wrap;

	if (!(rdmsr(MSR_GLOBAL_STATUS) & GLOBAL_FIXED0)) {
		pmi.spurious++;
		return;
	}
	since_wrap = rdmsr(MSR_FIXED_CTR0) & (pmi.top - 1);
	if (since_wrap > pmi.latest)
		pmi.latest = since_wrap;
	if (since_wrap >= pmi.period / 2) {
		pmi.late++;
		since_wrap = pmi.period / 2;
	}
	wrmsr(MSR_FIXED_CTR0, pmi.top - pmi.period + since_wrap);
	wrmsr(MSR_GLOBAL_OVF_CTRL, GLOBAL_FIXED0);
	pmi.pmis++;
	apic_write(APIC_LVT_PMC, pmi.lvt); /* the APIC masked it on delivery */
}

static void EFIAPI nmi_handler(INTN vector, void *context)
{
	pmi.nmis++;
	if (pmi.rearm)
		pmi_rearm();
}

static void EFIAPI vector_handler(INTN vector, void *context)
{
	pmi.vectored++;
	if (pmi.rearm)
		pmi_rearm();
	apic_write(APIC_EOI, 0);
}

static int set_handler(INTN vector, cpu_interrupt_handler handler)
{
	machine.cpu->register_interrupt_handler(machine.cpu, vector, NULL);
	return handler && EFI_ERROR(machine.cpu->register_interrupt_handler(machine.cpu, vector,
									     handler)) ? -1 : 0;
}

/* 6. Self-NMIs through the ICR, one at a time (SDM Vol. 3A, 11.6.1). */
#define NMI_WAIT 1000000

void attack_nmi(void)
{
	uint32_t apic_id = cpuid(1, 0).ebx >> 24;
	unsigned i, spin;

	if (!machine.cpu || !machine.apic || set_handler(2, nmi_handler) < 0) {
		result("self-nmis", "skip no CPU protocol or no xAPIC");
		return;
	}
	pmi.nmis = 0;
	pmi.rearm = 0;
	for (i = 0; i < 5; i++) {
		uint64_t before = pmi.nmis;

		for (spin = 0; (apic_read(APIC_ICR_LOW) & ICR_PENDING) && spin < NMI_WAIT; spin++)
			cpu_pause();
		apic_write(APIC_ICR_HIGH, apic_id << 24);
		apic_write(APIC_ICR_LOW, ICR_NMI);
		for (spin = 0; pmi.nmis == before && spin < NMI_WAIT; spin++)
			cpu_pause();
	}
	set_handler(2, NULL);
	result("self-nmis", "%lu", (unsigned long)pmi.nmis);
	result("vmm-answers", "%s", vmm_answers());
}

/* 7. The virtual PMU's PMIs where delivery is delicate: in MOV-SS and STI
 * shadows (SDM Vol. 3A, 6.8.3; VM entry cannot inject there, Vol. 3C,
 * 27.3.1.5), while IF=0, and at exits that inject #GP. */
/* Half a period is "late".  The default domain-switch policy counts
 * pmuvisor's exits too, and a PMI due at an exit in a shadow waits for the
 * NMI-window exit: two exits of a few hundred instructions each are
 * counted before the handler runs, a legitimate delay well under 1,000. */
#define PMI_PERIOD 2000
#define SHADOW_ROUNDS 200000 /* 8 shadows and a loop each */
#define EXIT_ROUNDS 20000    /* 8 shadows with a CPUID exit in each */
#define GP_ROUNDS 10000

static void movss_stretch(void)
{
	uint64_t n = SHADOW_ROUNDS;

	__asm__ volatile("mov %%ss, %%eax\n"
			 "1:\n"
			 ".rept 8\n\t"
			 "mov %%ax, %%ss\n\t"
			 "nop\n"
			 ".endr\n\t"
			 "dec %0\n\t"
			 "jnz 1b"
			 : "+r"(n)
			 :
			 : "rax", "memory", "cc");
}

static void sti_stretch(void)
{
	uint64_t n = SHADOW_ROUNDS;

	__asm__ volatile("1:\n"
			 ".rept 8\n\t"
			 "cli\n\t"
			 "sti\n\t"
			 "nop\n"
			 ".endr\n\t"
			 "cli\n\t"
			 "dec %0\n\t"
			 "jnz 1b"
			 : "+r"(n)
			 :
			 : "memory", "cc");
}

/* The same with an instruction that exits (CPUID) in each shadow: Bochs
 * holds the VMX-preemption timer's exit off in a shadow, as it does an
 * interrupt, but an instruction there exits with the blocking recorded in
 * the guest's interruptibility state (SDM Vol. 3C, 25.4.2), and a PMI
 * found due at that exit must not be injected into the shadow. */
static void movss_exit_stretch(void)
{
	uint64_t n = EXIT_ROUNDS;

	__asm__ volatile("mov %%ss, %%r8d\n"
			 "1:\n"
			 ".rept 8\n\t"
			 "xor %%eax, %%eax\n\t"
			 "mov %%r8w, %%ss\n\t"
			 "cpuid\n"
			 ".endr\n\t"
			 "dec %0\n\t"
			 "jnz 1b"
			 : "+r"(n)
			 :
			 : "rax", "rbx", "rcx", "rdx", "r8", "memory", "cc");
}

static void sti_exit_stretch(void)
{
	uint64_t n = EXIT_ROUNDS;

	__asm__ volatile("1:\n"
			 ".rept 8\n\t"
			 "xor %%eax, %%eax\n\t"
			 "sti\n\t"
			 "cpuid\n\t"
			 "cli\n"
			 ".endr\n\t"
			 "dec %0\n\t"
			 "jnz 1b"
			 : "+r"(n)
			 :
			 : "rax", "rbx", "rcx", "rdx", "memory", "cc");
}

static void spin(uint64_t n)
{
	__asm__ volatile("1: dec %0; jnz 1b" : "+r"(n) : : "cc");
}

/* The counters are started and stopped inside one fault guard, around
 * exactly the stretch measured: entering and leaving a guard copies the
 * IDT with interrupts off, and a PMI due meanwhile would look late. */

/* Fixed counter 0 to overflow after 'period' instructions, PMC0 counting
 * all of them; -1 if the virtual PMU refused a write. */
static int pmu_start(uint64_t period, uint32_t lvt, int rearm)
{
	pmi.vectored = pmi.nmis = pmi.pmis = pmi.spurious = pmi.late = pmi.latest = 0;
	pmi.period = period;
	pmi.lvt = lvt;
	pmi.rearm = rearm;
	apic_write(APIC_LVT_PMC, lvt);
	return msr_write_safe(MSR_GLOBAL_CTRL, 0) | msr_write_safe(MSR_PMC0, 0) |
	       msr_write_safe(MSR_PERFEVTSEL0, EVTSEL_INSTRUCTIONS) |
	       msr_write_safe(MSR_FIXED_CTR0, pmi.top - period) |
	       msr_write_safe(MSR_FIXED_CTR_CTRL, FIXED0_ALL_RINGS_PMI) |
	       msr_write_safe(MSR_GLOBAL_OVF_CTRL, GLOBAL_FIXED0 | GLOBAL_PMC0) |
	       msr_write_safe(MSR_GLOBAL_CTRL, GLOBAL_FIXED0 | GLOBAL_PMC0);
}

struct pmu_count {
	uint64_t instructions; /* PMC0: every instruction since pmu_start */
	uint64_t overflows;    /* of fixed counter 0, from its own count */
	int lost;              /* an overflow whose PMI never came */
};

/* Stops the counters.  Armed, fixed counter 0 sits in [top - period,
 * top); below, it has wrapped and its PMI was not handled: in flight if
 * it wrapped lately, lost if two periods ago or more (the stretches end
 * with three periods of plain instructions for the last PMI to land). */
static struct pmu_count pmu_stop(void)
{
	struct pmu_count c = { 0, 0, 0 };
	uint64_t fixed = 0;

	msr_write_safe(MSR_GLOBAL_CTRL, 0);
	msr_read_safe(MSR_PMC0, &c.instructions);
	msr_read_safe(MSR_FIXED_CTR0, &fixed);
	c.overflows = pmi.pmis + (fixed < pmi.top - pmi.period);
	c.lost = fixed < pmi.top - pmi.period && fixed >= 2 * pmi.period;
	return c;
}

/* PMIs handled, overflows counted, and PMC0's instructions / period: more
 * than the overflows, by what the counters miss while the handler moves
 * fixed counter 0 (its RDMSR and WRMSR exits). */
static void print_pmis(const char *name, const struct pmu_count *c, const char *extra,
		       int refused)
{
	result(name, "pmis=%lu overflows=%lu expected=%lu lost=%d spurious=%lu late=%lu "
	       "max-delay=%lu%s%s", (unsigned long)pmi.pmis, (unsigned long)c->overflows,
	       (unsigned long)(c->instructions / pmi.period), c->lost,
	       (unsigned long)pmi.spurious, (unsigned long)pmi.late, (unsigned long)pmi.latest,
	       extra, refused ? " setup-refused" : "");
}

static void vpmu_shadows(void)
{
	const struct { const char *name; void (*stretch)(void); } stretches[] = {
		{ "nmi-movss", movss_stretch },
		{ "nmi-sti", sti_stretch },
		{ "nmi-movss-exit", movss_exit_stretch },
		{ "nmi-sti-exit", sti_exit_stretch },
	};
	unsigned i;

	if (set_handler(2, nmi_handler) < 0) {
		result("nmi", "skip the NMI handler was refused");
		return;
	}
	for (i = 0; i < sizeof(stretches) / sizeof(stretches[0]); i++) {
		struct fault_guard guard;
		struct pmu_count c;
		int refused;

		fault_guard_enter(&guard); /* and IF=0 */
		refused = pmu_start(PMI_PERIOD, LVT_NMI, 1);
		stretches[i].stretch();
		spin(3 * PMI_PERIOD / 2);
		c = pmu_stop();
		fault_guard_leave(&guard);
		print_pmis(stretches[i].name, &c, "", refused);
	}
	pmi.rearm = 0;
	set_handler(2, NULL);
}

/* A vector-mode PMI due while IF=0 waits for STI, and arrives once, with
 * the LVT entry masked by its delivery (SDM Vol. 3A, 11.5.1). */
static void vpmu_vector_if0(void)
{
	struct fault_guard guard;
	uint64_t before;
	int refused;

	fault_guard_enter(&guard); /* and IF=0 */
	refused = pmu_start(PMI_PERIOD, pmi.lvt, 0);
	spin(10 * PMI_PERIOD);
	pmu_stop();
	before = pmi.vectored;
	__asm__ volatile("sti; nop; nop; cli" ::: "memory");
	fault_guard_leave(&guard);
	result("vector-if0", "before=%lu after=%lu masked=%u%s", (unsigned long)before,
	       (unsigned long)pmi.vectored, (apic_read(APIC_LVT_PMC) & LVT_MASKED) ? 1 : 0,
	       refused ? " setup-refused" : "");
}

/* PMIs falling due at RDMSR exits that inject #GP, with IF=1: an MSR that
 * does not exist (if the CPU here refuses it; Bochs may be told to ignore
 * unknown MSRs), else IA32_VMX_BASIC, which pmuvisor refuses itself. */
static void vpmu_vector_gp_exits(void)
{
	uint32_t msr = 0x12345678;
	uint64_t value;
	struct fault_guard guard;
	struct pmu_count c;
	unsigned i, faulted = 0;
	char extra[48];
	int refused;

	if (msr_read_guarded(msr, &value) == 0)
		msr = 0x480;
	fault_guard_enter(&guard);
	refused = pmu_start(PMI_PERIOD, pmi.lvt, 1);
	__asm__ volatile("sti" ::: "memory");
	for (i = 0; i < GP_ROUNDS; i++)
		faulted += msr_read_safe(msr, &value) < 0;
	spin(3 * PMI_PERIOD / 2);
	__asm__ volatile("cli" ::: "memory");
	c = pmu_stop();
	pmi.rearm = 0;
	fault_guard_leave(&guard);
	format_buf(extra, sizeof(extra), " msr=0x%x faulted=%u", msr, faulted);
	print_pmis("vector-gp-exits", &c, extra, refused);
}

/* What an exit costs the guest's count: a loop with CPUID (which exits)
 * against the same loop with NOP; on a CPU both retire one instruction,
 * and under cpu-switch pmuvisor's time is not the guest's (README). */
#define CHARGE_ROUNDS 10000

static uint64_t count_loop(int exits)
{
	uint64_t n = CHARGE_ROUNDS;

	pmu_start(1ull << 40, LVT_MASKED | LVT_NMI, 0); /* no overflow, no PMI */
	if (exits)
		__asm__ volatile("1: xor %%eax, %%eax; cpuid; dec %0; jnz 1b"
				 : "+r"(n) : : "rax", "rbx", "rcx", "rdx", "cc");
	else
		__asm__ volatile("1: xor %%eax, %%eax; nop; dec %0; jnz 1b" : "+r"(n) : : "rax", "cc");
	return pmu_stop().instructions;
}

static void vpmu_exit_charge(void)
{
	struct fault_guard guard;
	uint64_t with_exits, without;

	fault_guard_enter(&guard);
	with_exits = count_loop(1);
	without = count_loop(0);
	fault_guard_leave(&guard);
	result("exit-charge", "cpuid-loop=%lu nop-loop=%lu extra-per-exit=%lu",
	       (unsigned long)with_exits, (unsigned long)without,
	       (unsigned long)(with_exits > without ? (with_exits - without) / CHARGE_ROUNDS : 0));
}

static const INTN free_vectors[] = { 0xf3, 0xf4, 0xe3, 0xd3 };

void attack_vpmu(void)
{
	struct cpuid_regs pmu = cpuid(0xa, 0);
	uint32_t saved_lvt;
	unsigned i;

	if (!machine.under_pmuvisor || (pmu.eax & 0xff) < 2 || ((pmu.eax >> 8) & 0xff) < 1 ||
	    (pmu.edx & 0x1f) < 1) {
		result("skip", "no virtual PMU (CPUID.0AH EAX=0x%x EDX=0x%x)", pmu.eax, pmu.edx);
		return;
	}
	if (!machine.cpu || !machine.apic) {
		result("skip", "no CPU protocol or no xAPIC");
		return;
	}
	pmi.top = 1ull << ((pmu.edx >> 5) & 0xff); /* the fixed counters' width */
	saved_lvt = apic_read(APIC_LVT_PMC);
	vpmu_shadows();
	vpmu_exit_charge();
	for (i = 0; i < sizeof(free_vectors) / sizeof(free_vectors[0]); i++)
		if (set_handler(free_vectors[i], vector_handler) == 0)
			break;
	if (i == sizeof(free_vectors) / sizeof(free_vectors[0])) {
		result("vector", "skip no free vector");
	} else {
		/* The firmware's timer (OVMF: the APIC timer, vector 0x20)
		 * held off by the task priority while IF=1 here, so that its
		 * handler, which runs with IF=0, does not delay the PMI
		 * (SDM Vol. 3A, 11.8.3.1): only the PMI's priority class is
		 * above the TPR. */
		uint32_t saved_tpr = apic_read(APIC_TPR);

		pmi.lvt = (uint32_t)free_vectors[i];
		apic_write(APIC_TPR, (pmi.lvt & 0xf0) - 0x10);
		vpmu_vector_if0();
		vpmu_vector_gp_exits();
		apic_write(APIC_TPR, saved_tpr);
		set_handler(free_vectors[i], NULL);
	}
	msr_write_guarded(MSR_FIXED_CTR_CTRL, 0);
	msr_write_guarded(MSR_PERFEVTSEL0, 0);
	apic_write(APIC_LVT_PMC, saved_lvt);
	result("vmm-answers", "%s", vmm_answers());
}
