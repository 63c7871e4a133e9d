/* The VM-exit handlers: small functions, one per reason (see vmx/exit.c). */
#include "vmx/exit_handlers.h"
#include "vmx/controls.h"
#include "vmx/cpuid_policy.h"
#include "vmx/pcpu.h"
#include "vmx/cpu_rules.h"
#include "vmx/cr_policy.h"
#include "vmx/host.h"
#include "console/console.h"
#include "vmx/hypercall.h"
#include "vmx/msr.h"
#include "vmx/vmcs.h"
#include "console/log.h"
#include "lib/cpu.h"
#include "lib/cpu_safe.h"
#include "pmu/guest_view.h"
#include "pmu/prof_hw.h"
#include "pmu/vpmu_guest.h"

struct vm_config vm;

/* Interruption-information fields (SDM Vol. 3C, 25.8.3 and 25.9.2). */
#define INTR_VALID (1u << 31)
#define INTR_TYPE(info) (((info) >> 8) & 7)
#define INTR_TYPE_NMI 2
/* Interruptibility state (SDM Vol. 3C, 25.4.2, Table 25-3). */
#define BLOCKING_BY_STI (1u << 0)
#define BLOCKING_BY_MOV_SS (1u << 1)
#define BLOCKING_BY_NMI (1u << 3)
#define PROC_NMI_WINDOW_EXITING (1u << 22)
#define MSR_IA32_EFER 0xc0000080u

static uint64_t *gpr(struct guest_regs *regs, unsigned n)
{
	return &((uint64_t *)regs)[n];
}

/* Register n of the SDM's numbering; 4 (RSP) lives in the VMCS. */
static uint64_t read_gpr(struct guest_regs *regs, unsigned n)
{
	return n == 4 ? vmcs_read(GUEST_RSP) : *gpr(regs, n);
}

/* An NMI for the guest, now or, while it cannot take one, at its next
 * NMI window (SDM 26.7.6): when another event is being injected, while
 * it handles an NMI (virtual-NMI blocking), and in a MOV-SS or STI
 * shadow, where VM entry refuses to inject an NMI (27.3.1.5; STI
 * blocking only on some processors, treated alike).  NMIs that fall due
 * while one waits merge into it, as on the CPU. */
static void inject_nmi_or_wait(void)
{
	uint32_t blocking = (uint32_t)vmcs_read(GUEST_INTERRUPTIBILITY_INFO);

	if ((vmcs_read(VM_ENTRY_INTR_INFO) & INTR_VALID) ||
	    (blocking & (BLOCKING_BY_NMI | BLOCKING_BY_MOV_SS | BLOCKING_BY_STI))) {
		vmcs_write(CPU_BASED_VM_EXEC_CONTROL,
			   vmcs_read(CPU_BASED_VM_EXEC_CONTROL) | PROC_NMI_WINDOW_EXITING);
		return;
	}
	vmcs_write(VM_ENTRY_INTR_INFO, INTR_VALID | (INTR_TYPE_NMI << 8) | VECTOR_NMI);
}

void exit_deliver_pending_nmi(void)
{
	this_pcpu()->nmi_pending = 0;
	inject_nmi_or_wait();
}

void handle_exception_nmi(struct guest_regs *regs)
{
	uint32_t info = (uint32_t)vmcs_read(VM_EXIT_INTR_INFO);

	/* With NMI exiting, every NMI in the guest exits here: the profiler's
	 * PMI is taken as a guest sample; any other NMI is the guest's.  An
	 * NMI that exits leaves NMIs blocked until the next IRET (SDM Vol. 3C,
	 * "Changes to Event Blocking" under NMI exiting), and VM entry does
	 * not lift that block under NMI exiting: one IRET here lets the next
	 * NMI in (to the root-mode handler, if it comes before VM entry). */
	if (INTR_TYPE(info) == INTR_TYPE_NMI && (info & 0xff) == VECTOR_NMI) {
		nmi_unblock();
		if (!prof_hw_guest_nmi(regs))
			inject_nmi_or_wait();
		return;
	}
	exit_stop("unexpected exception exit", EXIT_REASON_EXCEPTION_NMI, regs);
}

void handle_nmi_window(struct guest_regs *regs)
{
	vmcs_write(CPU_BASED_VM_EXEC_CONTROL,
		   vmcs_read(CPU_BASED_VM_EXEC_CONTROL) & ~PROC_NMI_WINDOW_EXITING);
	inject_nmi_or_wait();
}

/* Reset the platform through the PCI reset-control register (0xCF9). */
static void reset_machine(void) __attribute__((noreturn));
static void reset_machine(void)
{
	log_printf("pmuvisor: resetting the machine\n");
	outb(0xcf9, 0x02);
	outb(0xcf9, 0x06);
	for (;;)
		cpu_halt();
}

void handle_triple_fault(struct guest_regs *regs)
{
	exit_dump("the guest triple-faulted (shutdown)", EXIT_REASON_TRIPLE_FAULT, regs);
	reset_machine();
}

void handle_init(struct guest_regs *regs)
{
	/* The boot CPU gets INIT only as part of a platform reset. */
	exit_dump("INIT received by the boot CPU", EXIT_REASON_INIT, regs);
	reset_machine();
}

void handle_sipi(struct guest_regs *regs)
{
	exit_stop("start-up IPI for the boot CPU (only application processors wait for one)",
		  EXIT_REASON_SIPI, regs);
}

/* CPUID as the guest sees it (also the shell's 'cpuid'). */
static inline __attribute__((always_inline)) struct cpuid_result
guest_cpuid(uint32_t leaf, uint32_t subleaf, enum cpuid_pmu_view view)
{
	struct cpuid_regs native = cpuid(leaf, subleaf);
	struct cpuid_result r = { native.eax, native.ebx, native.ecx, native.edx };

	/* Only leaf 1 depends on the guest's CR4: read it only then. */
	cpuid_policy_apply(leaf, leaf == 1 ? vmcs_read(GUEST_CR4) : 0, &r);
	if (view != CPUID_PMU_AS_IS)
		cpuid_hide_pmu(leaf, &r);
	if (view == CPUID_PMU_VIRTUAL && leaf == 0xa)
		vpmu_cpuid(&vpmu_guest.regs.cfg, &r.eax, &r.ebx, &r.ecx, &r.edx);
	return r;
}

struct cpuid_result cpuid_as_guest_sees(uint32_t leaf, uint32_t subleaf)
{
	return guest_cpuid(leaf, subleaf, this_pcpu()->cpuid_view);
}

static inline __attribute__((always_inline)) void emulate_cpuid(struct guest_regs *regs,
								  enum cpuid_pmu_view view)
{
	struct cpuid_result r = guest_cpuid((uint32_t)regs->rax, (uint32_t)regs->rcx, view);

	regs->rax = r.eax;
	regs->rbx = r.ebx;
	regs->rcx = r.ecx;
	regs->rdx = r.edx;
	exit_skip_instruction();
}

/* The view is the CPU's (vmx/pcpu.h); the plain one keeps its own
 * inlined path, as short as it was. */
void handle_cpuid(struct guest_regs *regs)
{
	enum cpuid_pmu_view view = this_pcpu()->cpuid_view;

	if (view == CPUID_PMU_AS_IS)
		emulate_cpuid(regs, CPUID_PMU_AS_IS);
	else
		emulate_cpuid(regs, view);
}

/* RDMSR and RDPMC answer in EDX:EAX (upper halves of RAX/RDX cleared). */
static void return_edx_eax(struct guest_regs *regs, uint64_t value)
{
	regs->rax = (uint32_t)value;
	regs->rdx = value >> 32;
	exit_skip_instruction();
}

void handle_rdpmc(struct guest_regs *regs)
{
	uint64_t value;

	/* The virtual PMU's counters; else (pmuvisor owns the PMU) as on a
	 * CPU without one. */
	if (!vpmu_emulated() || vpmu_rdpmc(&vpmu_guest.regs, (uint32_t)regs->rcx, &value) < 0) {
		exit_inject_gp();
		return;
	}
	return_edx_eax(regs, value);
}

void handle_invd(struct guest_regs *regs)
{
	/* INVD would drop pmuvisor's dirty lines too: write them back instead. */
	__asm__ volatile("wbinvd" ::: "memory");
	exit_skip_instruction();
}

void *vm_guest_phys(uint64_t gpa, uint64_t len)
{
	if (gpa + len < gpa || gpa + len > vm.phys_top ||
	    (gpa < vm.resident_phys + vm.resident_size && gpa + len > vm.resident_phys))
		return 0;
	return (void *)(uintptr_t)gpa;
}

static int log_guest_text(uint64_t gpa, uint64_t len)
{
	static char printable[HYPERCALL_LOG_MAX];
	const char *text = vm_guest_phys(gpa, len);

	if (!text || len > sizeof(printable))
		return -1;
	log_printf("%.*s", (int)hypercall_printable(text, len, printable), printable);
	return 0;
}

static int guest_log_closed;

static void close_guest_log(void)
{
	guest_log_closed = 1;
}

void handle_vmcall(struct guest_regs *regs)
{
	struct hypercall_regs h = { regs->rax, regs->rbx, regs->rcx, regs->rdx };
	/* CPL is SS.DPL (SDM Vol. 3C, 25.4.1), bits 6:5 of the access rights. */
	struct hypercall_env env = { (unsigned)(vmcs_read(GUEST_SS_AR) >> 5) & 3, log_guest_text,
				     vm.guest_control, console_guest_command, guest_log_closed,
				     close_guest_log };

	hypercall_dispatch(&h, &env);
	regs->rax = h.rax;
	regs->rbx = h.rbx;
	regs->rcx = h.rcx;
	regs->rdx = h.rdx;
	exit_skip_instruction();
}

void handle_vmx_instruction(struct guest_regs *regs)
{
	/* VMX is hidden from the guest: as on a CPU without it. */
	exit_inject_ud();
}

static void flush_guest_tlb(void)
{
	/* All-context INVVPID (SDM Vol. 3C, 31.3 INVVPID type 2). */
	struct { uint64_t vpid, linear; } desc = { 0, 0 };

	__asm__ volatile("invvpid %0, %1" : : "m"(desc), "r"(2ull) : "cc", "memory");
}

/* A control register as the guest sees it: the bits pmuvisor owns from
 * the read shadow, the rest from the register (SDM Vol. 3C, 26.3). */
static uint64_t guest_view(enum vmcs_field reg, enum vmcs_field shadow, enum vmcs_field mask)
{
	uint64_t owned = vmcs_read(mask);

	return (vmcs_read(reg) & ~owned) | (vmcs_read(shadow) & owned);
}

static struct cr_context cr_context(void)
{
	return (struct cr_context){
		.cr0 = guest_view(GUEST_CR0, CR0_READ_SHADOW, CR0_GUEST_HOST_MASK),
		.cr4 = guest_view(GUEST_CR4, CR4_READ_SHADOW, CR4_GUEST_HOST_MASK),
		.cr3 = vmcs_read(GUEST_CR3),
		.efer = vmcs_read(GUEST_IA32_EFER),
		.cs_long = (vmcs_read(GUEST_CS_AR) >> 13) & 1, /* CS.L (SDM 25.4.1) */
		.cr4_supported = vm.cr4_fixed1,
	};
}

static void write_cr0(uint64_t old, uint64_t value)
{
	struct cr_fixed f = { vm.cr0_fixed0, vm.cr0_fixed1 };
	uint64_t efer = vmcs_read(GUEST_IA32_EFER);

	vmcs_write(CR0_READ_SHADOW, value);
	vmcs_write(GUEST_CR0, cr0_actual(&f, value, vm.unrestricted_guest));
	/* Paging switched with EFER.LME set: IA-32e mode follows (SDM 10.8.5). */
	if (((old ^ value) & CR0_PG) && (efer & EFER_LME)) {
		uint64_t entry = vmcs_read(VM_ENTRY_CONTROLS);
		int lma = (value & CR0_PG) != 0;

		vmcs_write(GUEST_IA32_EFER, lma ? efer | EFER_LMA : efer & ~EFER_LMA);
		vmcs_write(VM_ENTRY_CONTROLS, lma ? entry | (1u << ENTRY_IA32E_MODE_GUEST)
						  : entry & ~(1u << ENTRY_IA32E_MODE_GUEST));
	}
}

static void write_cr4(uint64_t value)
{
	struct cr_fixed f = { vm.cr4_fixed0, vm.cr4_fixed1 };

	vmcs_write(CR4_READ_SHADOW, value);
	vmcs_write(GUEST_CR4, cr4_actual(&f, value));
}

/* Exit qualification for CR accesses (SDM Vol. 3C, Table 28-3). */
enum cr_access { CR_MOV_TO, CR_MOV_FROM, CR_CLTS, CR_LMSW };
#define CR0_TS (1ull << 3)
#define LMSW_BITS 0xfull /* PE, MP, EM, TS; LMSW never clears PE (SDM Vol. 2A, LMSW) */

void handle_cr_access(struct guest_regs *regs)
{
	uint64_t q = vmcs_read(EXIT_QUALIFICATION);
	unsigned cr = q & 0xf, access = (q >> 4) & 3, reg = (q >> 8) & 0xf;
	struct cr_context c = cr_context();
	uint64_t value;

	/* Only CR0 and CR4 exit (no CR3/CR8 exiting), and reads never do:
	 * they come from the read shadows. */
	if (access == CR_MOV_FROM || (cr != 0 && cr != 4))
		exit_stop("unexpected control-register access", EXIT_REASON_CR_ACCESS, regs);
	value = access == CR_MOV_TO ? read_gpr(regs, reg)
		: access == CR_CLTS ? c.cr0 & ~CR0_TS
				    : (c.cr0 & ~(LMSW_BITS & ~CR0_PE)) | ((q >> 16) & LMSW_BITS);
	if (cr == 0 ? cr0_write_faults(&c, value) : cr4_write_faults(&c, value)) {
		exit_inject_gp();
		return;
	}
	if (cr == 0)
		write_cr0(c.cr0, value);
	else
		write_cr4(value);
	flush_guest_tlb();
	exit_skip_instruction();
}

static int is_vmx_capability_msr(uint32_t msr)
{
	return msr >= MSR_IA32_VMX_BASIC && msr <= 0x491;
}

/* MSRs outside the bitmap's two ranges always exit (SDM 26.1.3): do what
 * the CPU would have done, #GP included. */

void handle_rdmsr(struct guest_regs *regs)
{
	uint32_t msr = (uint32_t)regs->rcx;
	uint64_t value;

	if (msr == MSR_IA32_FEATURE_CONTROL) {
		/* Locked with VMX disabled: a guest never tries VMXON. */
		value = 1;
	} else if (vpmu_emulated() && pmu_msr_hidden(msr)) {
		if (vpmu_rdmsr(&vpmu_guest.regs, msr, &value) < 0) {
			exit_inject_gp();
			return;
		}
	} else if (is_vmx_capability_msr(msr) || (vm.pmu_owned && pmu_msr_hidden(msr))) {
		exit_inject_gp();
		return;
	} else if (msr_read_guarded(msr, &value) < 0) {
		exit_inject_gp();
		return;
	}
	return_edx_eax(regs, value);
}

static bool apic_base_refused(uint64_t value)
{
	struct apic_base_context c = { 0, vm.maxphyaddr, vm.x2apic, vm.resident_phys,
				       vm.resident_size, vm.phys_top };

	return msr_read_guarded(MSR_IA32_APIC_BASE, &c.current) < 0 ||
	       apic_base_write_faults(&c, value);
}

void handle_wrmsr(struct guest_regs *regs)
{
	uint32_t msr = (uint32_t)regs->rcx;

	uint64_t value = (regs->rdx << 32) | (uint32_t)regs->rax;

	/* FEATURE_CONTROL is locked, the VMX MSRs are read-only. */
	if (vpmu_emulated() && pmu_msr_hidden(msr)) {
		if (vpmu_wrmsr(&vpmu_guest.regs, msr, value) < 0) {
			exit_inject_gp();
			return;
		}
		vpmu_guest_wrote();
		exit_skip_instruction();
		return;
	}
	if (msr == MSR_IA32_APIC_BASE && apic_base_refused(value)) {
		exit_inject_gp();
		return;
	}
	if (msr == MSR_IA32_FEATURE_CONTROL || is_vmx_capability_msr(msr) ||
	    (vm.pmu_owned && pmu_msr_hidden(msr)) || msr_write_guarded(msr, value) < 0) {
		exit_inject_gp();
		return;
	}
	exit_skip_instruction();
}

void handle_preemption_timer(struct guest_regs *regs)
{
	/* Nothing to do here: the exit path polls the console, takes the
	 * profiler's samples and rearms the timer (vmx/exit.c). */
}

void handle_xsetbv(struct guest_regs *regs)
{
	uint32_t index = (uint32_t)regs->rcx;
	uint64_t value = (regs->rdx << 32) | (uint32_t)regs->rax;

	/* The SDM's rules first; should this CPU refuse something else too,
	 * its #GP is caught and handed on. */
	if (xsetbv_faults(index, value, vm.xcr0_supported) || xsetbv_guarded(index, value) < 0) {
		exit_inject_gp();
		return;
	}
	exit_skip_instruction();
}
