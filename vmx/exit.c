/*
 * The VM-exit dispatcher: one handler per basic exit reason in a table,
 * per-reason statistics, and the helpers handlers share.  Anything
 * without a handler is reported in full and stops the guest.
 */
#include "vmx/exit.h"
#include "vmx/exit_handlers.h"
#include "vmx/exit_table.h"
#include "vmx/host.h"
#include "vmx/check_read.h"
#include "vmx/pcpu.h"
#include "vmx/redeliver.h"
#include "vmx/vmcs.h"
#include "console/console.h"
#include "console/log.h"
#include "pmu/prof.h"
#include "pmu/prof_exit.h"
#include "pmu/vpmu_guest.h"
#include "lib/cpu.h"
#include "lib/panic.h"

/* VM-entry interruption information (SDM Vol. 3C, 25.8.3). */
#define INTR_VALID (1u << 31)
#define INTR_DELIVER_ERROR_CODE (1u << 11)
#define INTR_TYPE_HARDWARE_EXCEPTION (3u << 8)

void exit_inject_exception(unsigned vector, bool has_error, uint32_t error)
{
	/* No error code in real mode (unrestricted guest): VM entry refuses
	 * one when CR0.PE is 0 (SDM Vol. 3C, 27.2.1.3). */
	bool deliver = has_error && (vmcs_read(GUEST_CR0) & 1);

	vmcs_write(VM_ENTRY_INTR_INFO, INTR_VALID | INTR_TYPE_HARDWARE_EXCEPTION |
					       (deliver ? INTR_DELIVER_ERROR_CODE : 0) | vector);
	if (deliver)
		vmcs_write(VM_ENTRY_EXCEPTION_ERROR_CODE, error);
}

void exit_inject_gp(void)
{
	exit_inject_exception(VECTOR_GP, true, 0);
}

void exit_inject_ud(void)
{
	exit_inject_exception(VECTOR_UD, false, 0);
}

void exit_dump(const char *why, unsigned reason, const struct guest_regs *r)
{
	log_printf("pmuvisor: %s: exit reason %u (%s), qualification 0x%lx\n"
		   "  guest RIP 0x%lx RSP 0x%lx RFLAGS 0x%lx CR0 0x%lx CR3 0x%lx CR4 0x%lx\n"
		   "  RAX %016lx RBX %016lx RCX %016lx RDX %016lx\n"
		   "  RSI %016lx RDI %016lx RBP %016lx R8  %016lx\n"
		   "  R9  %016lx R10 %016lx R11 %016lx R12 %016lx\n"
		   "  R13 %016lx R14 %016lx R15 %016lx\n"
		   "  interruption info 0x%lx, IDT-vectoring info 0x%lx, guest-physical 0x%lx\n",
		   why, reason, exit_reason_name(reason), (unsigned long)vmcs_read(EXIT_QUALIFICATION),
		   (unsigned long)vmcs_read(GUEST_RIP), (unsigned long)vmcs_read(GUEST_RSP),
		   (unsigned long)vmcs_read(GUEST_RFLAGS), (unsigned long)vmcs_read(GUEST_CR0),
		   (unsigned long)vmcs_read(GUEST_CR3), (unsigned long)vmcs_read(GUEST_CR4),
		   (unsigned long)r->rax, (unsigned long)r->rbx, (unsigned long)r->rcx,
		   (unsigned long)r->rdx, (unsigned long)r->rsi, (unsigned long)r->rdi,
		   (unsigned long)r->rbp, (unsigned long)r->r8, (unsigned long)r->r9,
		   (unsigned long)r->r10, (unsigned long)r->r11, (unsigned long)r->r12,
		   (unsigned long)r->r13, (unsigned long)r->r14, (unsigned long)r->r15,
		   (unsigned long)vmcs_read(VM_EXIT_INTR_INFO),
		   (unsigned long)vmcs_read(IDT_VECTORING_INFO),
		   (unsigned long)vmcs_read(GUEST_PHYSICAL_ADDRESS));
}

void exit_stop(const char *why, unsigned reason, const struct guest_regs *regs)
{
	exit_dump(why, reason, regs);
	panic("the guest was stopped; pmuvisor cannot continue it");
}

/* TSC time of the console's next poll (0: at the first timer exit). */
static uint64_t console_due;

/* The console when bytes wait or its poll is due; while someone types,
 * it is polled 32 times as often. */
static __attribute__((noinline)) void poll_console(struct guest_regs *regs)
{
	uint64_t interval = (uint64_t)vm.preemption_timer_value << vm.timer_shift;

	if (console_service(regs))
		interval /= 32;
	console_due = rdtsc() + interval;
}

/* Bytes wait, or the poll the timer stopped the guest for is due. */
static inline bool console_wanted(unsigned reason, uint64_t now)
{
	return console_has_input() || (reason == EXIT_REASON_PREEMPTION_TIMER && now >= console_due);
}

/* The timer value that stops the guest at the console's next poll, or
 * after HIDDEN_WRITE_TICKS while a write to pmuvisor's memory waits to be dropped. */
static inline uint32_t until_poll(uint64_t now)
{
	uint64_t ticks = console_due > now ? (console_due - now) >> vm.timer_shift : 1;

	if (hidden.scratch_pte)
		return HIDDEN_WRITE_TICKS;
	return ticks > UINT32_MAX ? UINT32_MAX : ticks ? (uint32_t)ticks : 1;
}

/* The event this exit interrupted, injected again before the handler
 * runs, so that an NMI it raises waits its turn (inject_nmi_or_wait) and
 * an exception it raises replaces it. */
static void redeliver(void)
{
	struct redelivery r = redelivery_of((uint32_t)vmcs_read(IDT_VECTORING_INFO));

	vmcs_write(VM_ENTRY_INTR_INFO, r.entry_info);
	if (r.error_code)
		vmcs_write(VM_ENTRY_EXCEPTION_ERROR_CODE, vmcs_read(IDT_VECTORING_ERROR_CODE));
	if (r.instruction_length)
		vmcs_write(VM_ENTRY_INSTRUCTION_LEN, vmcs_read(VM_EXIT_INSTRUCTION_LEN));
}

/* The handler and the accounting, shared by both entry points below;
 * returns the TSC at the end. */
static inline __attribute__((always_inline)) uint64_t dispatch(struct pcpu *p, struct guest_regs *regs,
							       uint64_t start, unsigned reason)
{
	uint64_t end;

	if (hidden.scratch_pte)
		hidden_page_restore(); /* a write to pmuvisor's memory is dropped */
	/* Of the exits pmuvisor enables, only these can interrupt an event's
	 * delivery (SDM Vol. 3C, 28.2.4; a task switch through a gate is the
	 * delivery, a triple fault resets): the rest skip the VMREAD. */
	if ((reason == EXIT_REASON_EXCEPTION_NMI || reason == EXIT_REASON_EPT_VIOLATION) &&
	    (vmcs_read(IDT_VECTORING_INFO) & IDT_INFO_VALID))
		redeliver();
	exit_table[reason].handle(regs);
	if (p->nmi_pending)
		exit_deliver_pending_nmi();
#ifdef PMUVISOR_DEBUG
	/* Debug builds check every VM entry in software first. */
	if (vmx_check_current(&vm_raw) < 0)
		exit_stop("the next VM entry would fail", reason, regs);
#endif
	end = rdtsc();
	p->stats.count[reason]++;
	p->stats.cycles[reason] += end - start;
	return end;
}

static inline __attribute__((always_inline)) unsigned exit_reason_checked(struct guest_regs *regs)
{
	uint32_t full = (uint32_t)vmcs_read(VM_EXIT_REASON);
	unsigned reason = full & 0xffff;

	/* Bit 31: the exit happened during VM entry (SDM 28.8). */
	if (full & (1u << 31)) {
		vmx_check_current(&vm_raw);
		exit_stop("VM entry failed after loading guest state", reason, regs);
	}
	if (reason >= EXIT_REASON_COUNT || !exit_table[reason].handle)
		exit_stop("unexpected VM exit", reason, regs);
	return reason;
}

/* The console is served after the accounting, so that time spent typing
 * (or paused) is not charged to the exit.  Each mode's path is inlined
 * into the one orchestrator, vmx_exit_handler(), so that the plain path
 * pays nothing for profiling but the test of the CPU's mode. */
static inline __attribute__((always_inline)) void plain_path(struct pcpu *p, struct guest_regs *regs,
							     uint64_t start)
{
	uint64_t end;
	unsigned reason = exit_reason_checked(regs);

	end = dispatch(p, regs, start, reason);
	if (console_wanted(reason, end))
		poll_console(regs);
	else if (reason != EXIT_REASON_PREEMPTION_TIMER)
		return; /* the timer counts on toward the next poll */
	/* Rearm (a timer exit may also be a sample of a profile stopped since;
	 * a profile started from the console arms its first sample). */
	end = rdtsc();
	vmcs_write(VMX_PREEMPTION_TIMER_VALUE,
		   prof_running ? prof_exit_resume(until_poll(end), end, prof_exit.sampling)
				: until_poll(end));
}

/* While profiling: every exit is accounted; with 'sampling' (the timer
 * backend) the timer stops the guest at the next sample, or at the
 * console's poll if sooner. */
static inline __attribute__((always_inline)) void profiling_path(struct pcpu *p,
								  struct guest_regs *regs,
								  uint64_t start, bool sampling)
{
	uint64_t end;
	unsigned reason = exit_reason_checked(regs);

	prof_exit_begin(start, regs, sampling);
	end = dispatch(p, regs, start, reason);
	prof_exit_end(reason, start, end, sampling);
	if (console_wanted(reason, end)) {
		poll_console(regs);
		end = rdtsc();
	}
	vmcs_write(VMX_PREEMPTION_TIMER_VALUE,
		   prof_running ? prof_exit_resume(until_poll(end), end, sampling) : until_poll(end));
}

/* With the guest's virtual PMU (vpmu=on): its counters run on guest time,
 * and on pmuvisor's as its policy says; the timer stops the guest at the
 * next overflow, so that the PMI comes in time. */
static inline __attribute__((always_inline)) void vpmu_path(struct pcpu *p, struct guest_regs *regs,
							    uint64_t start)
{
	uint64_t end;
	unsigned reason = exit_reason_checked(regs);

	vpmu_guest_exit(start, (unsigned)(vmcs_read(GUEST_SS_AR) >> 5) & 3, vmcs_read(GUEST_RIP));
	end = dispatch(p, regs, start, reason);
	vpmu_guest_vmm(end - start);
	if (console_wanted(reason, end)) {
		poll_console(regs);
		end = rdtsc();
	}
	vmcs_write(VMX_PREEMPTION_TIMER_VALUE, vpmu_guest_enter(end, until_poll(end), vm.timer_shift));
}

/* The virtual PMU's hw backend: the counters switch by VMCS controls;
 * only a policy switch or an owed guest value costs anything here. */
static inline __attribute__((always_inline)) void vpmu_hw_path(struct pcpu *p, struct guest_regs *regs)
{
	vpmu_hw_exit(&vpmu_hw_backend);
	plain_path(p, regs, rdtsc());
	vpmu_hw_entry(&vpmu_hw_backend);
}

/* Called from vmx/vmx_entry.asm on every VM exit: the path this CPU's
 * mode asks for (vmx/pcpu.h), a system-wide profile taking precedence. */
void vmx_exit_handler(struct guest_regs *regs)
{
	/* The exit's time starts here, before the choice of path. */
	uint64_t start = rdtsc();
	struct pcpu *p = this_pcpu();
	enum exit_path path = (enum exit_path)p->path;

	/* The plain path first: one test. */
	if (__builtin_expect(path == EXIT_PATH_PLAIN, 1)) {
		plain_path(p, regs, start);
		return;
	}
	switch (path) {
	case EXIT_PATH_VPMU:
		vpmu_path(p, regs, start);
		return;
	case EXIT_PATH_VPMU_HW:
		vpmu_hw_path(p, regs);
		return;
	case EXIT_PATH_PROF_ACCOUNTING:
		profiling_path(p, regs, start, false);
		return;
	case EXIT_PATH_PROF_SAMPLING:
	default:
		profiling_path(p, regs, start, true);
		return;
	}
}

void vmx_resume_failed(struct guest_regs *regs)
{
	log_printf("pmuvisor: VMRESUME failed, VM-instruction error %lu\n",
		   (unsigned long)vmcs_read(VM_INSTRUCTION_ERROR));
	exit_stop("cannot resume the guest", (unsigned)vmcs_read(VM_EXIT_REASON) & 0xffff, regs);
}
