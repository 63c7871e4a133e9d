/* The VM-exit handlers: small functions, one per reason (see vmx/exit.c). */
#include "vmx/exit_handlers.h"
#include "vmx/controls.h"
#include "vmx/cpuid_policy.h"
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
#define VECTOR_NMI 2
#define INTERRUPTIBILITY_BLOCKING_BY_NMI (1u << 3)
#define PROC_NMI_WINDOW_EXITING (1u << 22)
#define MSR_IA32_EFER 0xc0000080u
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)

static uint64_t *gpr(struct guest_regs *regs, unsigned n)
{
	return &((uint64_t *)regs)[n];
}

/* Register n of the SDM's numbering; 4 (RSP) lives in the VMCS. */
static uint64_t read_gpr(struct guest_regs *regs, unsigned n)
{
	return n == 4 ? vmcs_read(GUEST_RSP) : *gpr(regs, n);
}

static void inject_nmi_or_wait(void)
{
	uint32_t blocking = (uint32_t)vmcs_read(GUEST_INTERRUPTIBILITY_INFO);

	if ((vmcs_read(VM_ENTRY_INTR_INFO) & INTR_VALID) ||
	    (blocking & INTERRUPTIBILITY_BLOCKING_BY_NMI)) {
		/* Deliver when the guest can take it (SDM 26.7.6). */
		vmcs_write(CPU_BASED_VM_EXEC_CONTROL,
			   vmcs_read(CPU_BASED_VM_EXEC_CONTROL) | PROC_NMI_WINDOW_EXITING);
		return;
	}
	vmcs_write(VM_ENTRY_INTR_INFO, INTR_VALID | (INTR_TYPE_NMI << 8) | VECTOR_NMI);
}

void exit_deliver_pending_nmi(void)
{
	host_nmi_pending = 0;
	inject_nmi_or_wait();
}

void handle_exception_nmi(struct guest_regs *regs)
{
	uint32_t info = (uint32_t)vmcs_read(VM_EXIT_INTR_INFO);

	/* With NMI exiting, every NMI in the guest exits here: the profiler's
	 * PMI is taken as a guest sample; any other NMI is the guest's. */
	if (INTR_TYPE(info) == INTR_TYPE_NMI && (info & 0xff) == VECTOR_NMI) {
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
	vmcs_write(VM_ENTRY_INTR_INFO, INTR_VALID | (INTR_TYPE_NMI << 8) | VECTOR_NMI);
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

enum pmu_view { PMU_AS_IS, PMU_HIDDEN, PMU_VIRTUAL };

static inline __attribute__((always_inline)) void emulate_cpuid(struct guest_regs *regs,
								  enum pmu_view view)
{
	uint32_t leaf = (uint32_t)regs->rax, subleaf = (uint32_t)regs->rcx;
	struct cpuid_regs native = cpuid(leaf, subleaf);
	struct cpuid_result r = { native.eax, native.ebx, native.ecx, native.edx };

	/* Only leaf 1 depends on the guest's CR4: read it only then. */
	cpuid_policy_apply(leaf, leaf == 1 ? vmcs_read(GUEST_CR4) : 0, &r);
	if (view != PMU_AS_IS)
		cpuid_hide_pmu(leaf, &r);
	if (view == PMU_VIRTUAL && leaf == 0xa)
		vpmu_cpuid(&vpmu_guest.regs.cfg, &r.eax, &r.ebx, &r.ecx, &r.edx);
	regs->rax = r.eax;
	regs->rbx = r.ebx;
	regs->rcx = r.ecx;
	regs->rdx = r.edx;
	exit_skip_instruction();
}

void handle_cpuid(struct guest_regs *regs)
{
	emulate_cpuid(regs, PMU_AS_IS);
}

/* The CPUID handler while pmuvisor owns the PMU (vmx/core.c puts it in
 * the table): the plain one stays as short as it was. */
void handle_cpuid_pmu_hidden(struct guest_regs *regs)
{
	emulate_cpuid(regs, PMU_HIDDEN);
}

/* ... and with the guest's virtual PMU (vpmu=on). */
void handle_cpuid_vpmu(struct guest_regs *regs)
{
	emulate_cpuid(regs, PMU_VIRTUAL);
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
	const char *text = vm_guest_phys(gpa, len);

	if (!text)
		return -1;
	log_printf("%.*s", (int)len, text);
	return 0;
}

void handle_vmcall(struct guest_regs *regs)
{
	struct hypercall_regs h = { regs->rax, regs->rbx, regs->rcx, regs->rdx };
	/* CPL is SS.DPL (SDM Vol. 3C, 25.4.1), bits 6:5 of the access rights. */
	struct hypercall_env env = { (unsigned)(vmcs_read(GUEST_SS_AR) >> 5) & 3, log_guest_text,
				     vm.guest_control, console_guest_command };

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

static void write_cr0(uint64_t value)
{
	struct cr_fixed f = { vm.cr0_fixed0, vm.cr0_fixed1 };
	uint64_t old = vmcs_read(CR0_READ_SHADOW);
	uint64_t efer = vmcs_read(GUEST_IA32_EFER);

	vmcs_write(CR0_READ_SHADOW, value);
	vmcs_write(GUEST_CR0, cr0_actual(&f, value, vm.unrestricted_guest));
	/* Paging switched with EFER.LME set: IA-32e mode follows (SDM 10.8.5). */
	if ((old ^ value) & CR0_PG && efer & EFER_LME) {
		uint64_t entry = vmcs_read(VM_ENTRY_CONTROLS);
		int lma = (value & CR0_PG) != 0;

		vmcs_write(GUEST_IA32_EFER, lma ? efer | EFER_LMA : efer & ~EFER_LMA);
		vmcs_write(VM_ENTRY_CONTROLS, lma ? entry | (1u << ENTRY_IA32E_MODE_GUEST)
						  : entry & ~(1u << ENTRY_IA32E_MODE_GUEST));
	}
}

static int write_cr4(uint64_t value)
{
	struct cr_fixed f = { vm.cr4_fixed0, vm.cr4_fixed1 };

	if (cr4_write_faults(&f, value))
		return -1;
	vmcs_write(CR4_READ_SHADOW, value);
	vmcs_write(GUEST_CR4, cr4_actual(&f, value));
	return 0;
}

void handle_cr_access(struct guest_regs *regs)
{
	/* Exit qualification for CR accesses (SDM Vol. 3C, Table 28-3). */
	uint64_t q = vmcs_read(EXIT_QUALIFICATION);
	unsigned cr = q & 0xf, access = (q >> 4) & 3, reg = (q >> 8) & 0xf;
	uint64_t value = read_gpr(regs, reg);

	if (access != 0 || (cr != 0 && cr != 4))
		exit_stop("unexpected control-register access", EXIT_REASON_CR_ACCESS, regs);
	if (cr == 0)
		write_cr0(value);
	else if (write_cr4(value) < 0) {
		exit_inject_gp();
		return;
	}
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

	/* XSETBV's #GP rules (SDM Vol. 2C, XSETBV): XCR0 only, x87 state
	 * always on, AVX only with SSE, nothing the CPU does not support. */
	if (index != 0 || !(value & 1) || ((value & 4) && !(value & 2)) ||
	    (value & ~vm.xcr0_supported)) {
		exit_inject_gp();
		return;
	}
	__asm__ volatile("xsetbv" : : "c"(index), "a"((uint32_t)value), "d"((uint32_t)(value >> 32)));
	exit_skip_instruction();
}
