/* One function per VM-exit reason (vmx/exit_handlers.c, vmx/exit_io.c). */
#ifndef VMX_EXIT_HANDLERS_H
#define VMX_EXIT_HANDLERS_H

#include "vmx/exit.h"
#include "vmx/caps.h"
#include "vmx/ept.h"
#include "vmx/cpuid_policy.h"

#include <stdbool.h>
#include <stdint.h>

/* What the handlers need to know about this VM (set up by vmx/core.c). */
struct vm_config {
	uint64_t resident_phys, resident_size; /* pmuvisor's memory: not the guest's */
	uint64_t phys_top;                      /* guest-physical memory mapped 1:1 */
	uint64_t ept_pml4;                      /* host pointer to the EPT PML4 */
	uint64_t eptp;
	uint64_t decoy_page;                    /* what the guest reads instead of pmuvisor: 0xff */
	uint64_t scratch_page;                  /* where one write to it lands, until the next exit */
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	int unrestricted_guest;
	uint16_t console_port;                  /* CONSOLE_PORTS owned from here (0: none) */
	uint32_t preemption_timer_value;        /* the console's poll interval */
	unsigned timer_shift;                   /* the timer counts TSC >> this */
	uint64_t xcr0_supported;
	unsigned maxphyaddr;                    /* CPUID.80000008H:EAX[7:0] */
	bool x2apic;                            /* CPUID.1:ECX[21] */
	int guest_control;                      /* guest_control=on */
	int pmu_owned;                          /* the PMU counts: pmuvisor's, hidden */
};

extern struct vm_config vm;

#define CONSOLE_PORTS 8u /* a 16550 UART's register block */

/* 'port' is one of pmuvisor's serial port's: hidden from the guest. */
static inline bool vm_console_owns(uint16_t port)
{
	return vm.console_port && port >= vm.console_port && port < vm.console_port + CONSOLE_PORTS;
}

/* Host pointer to guest-physical [gpa, gpa + len) (root mode maps guest
 * memory 1:1), or NULL if it is not the guest's to hand over: beyond guest
 * memory, or inside pmuvisor's own. */
void *vm_guest_phys(uint64_t gpa, uint64_t len);
extern struct vmx_raw vm_raw;

/* Maps guest-physical 'gpa' 1:1 where the EPT has nothing yet (beyond the
 * memory map: vmx/ept.h, on demand); 0, or -1 and why. */
int vm_ept_map(uint64_t gpa, const char **why);
const struct ept_on_demand *vm_ept_on_demand(void); /* capability MSRs, for the VM-entry checker */

void handle_exception_nmi(struct guest_regs *regs);
void handle_triple_fault(struct guest_regs *regs);
void handle_init(struct guest_regs *regs);
void handle_sipi(struct guest_regs *regs);
void handle_task_switch(struct guest_regs *regs); /* vmx/exit_task.c */
void handle_nmi_window(struct guest_regs *regs);
void handle_cpuid(struct guest_regs *regs);
/* CPUID 'leaf'.'subleaf' as the guest on this CPU sees it. */
struct cpuid_result cpuid_as_guest_sees(uint32_t leaf, uint32_t subleaf);
void handle_invd(struct guest_regs *regs);
void handle_rdpmc(struct guest_regs *regs);
void handle_vmcall(struct guest_regs *regs);
void handle_vmx_instruction(struct guest_regs *regs);
void handle_cr_access(struct guest_regs *regs);
void handle_io(struct guest_regs *regs);
void handle_rdmsr(struct guest_regs *regs);
void handle_wrmsr(struct guest_regs *regs);
void handle_ept_violation(struct guest_regs *regs);
void handle_preemption_timer(struct guest_regs *regs);
void handle_xsetbv(struct guest_regs *regs);

void exit_deliver_pending_nmi(void);

/* pmuvisor's memory as the guest finds it (vmx/exit_ept.c). */
struct hidden_memory {
	uint64_t touches, reads, writes, fetches;
	uint64_t *scratch_pte; /* a write's page, backed by the scratch page until the next exit */
};

extern struct hidden_memory hidden;
#define HIDDEN_WRITE_TICKS 2 /* preemption-timer ticks a write to it stays */
/* At the exit after a write to pmuvisor's memory: the write is dropped. */
void hidden_page_restore(void);

#endif
