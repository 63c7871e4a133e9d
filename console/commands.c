#include "console/commands.h"
#include "console/console.h"
#include "console/log.h"
#include "vmx/cpuid_policy.h"
#include "vmx/pcpu.h"
#include "vmx/device.h"
#include "vmx/exit_handlers.h"
#include "vmx/exit_table.h"
#include "pmu/guest_view.h"
#include "pmu/prof.h"
#include "vmx/vmcs.h"
#include "lib/cpu.h"
#include "lib/number.h"
#include "lib/string.h"

#include "build-id.h"

struct guest_regs *console_commands_regs;
struct console_info console_info;

static int cmd_info(struct shell *sh, int argc, char **argv)
{
	struct cpuid_regs r;
	uint32_t brand[13] = { 0 };
	unsigned i;

	for (i = 0; i < 3 && cpuid(0x80000000, 0).eax >= 0x80000004; i++) {
		r = cpuid(0x80000002 + i, 0);
		brand[i * 4] = r.eax;
		brand[i * 4 + 1] = r.ebx;
		brand[i * 4 + 2] = r.ecx;
		brand[i * 4 + 3] = r.edx;
	}
	out_printf(sh->out, "pmuvisor %s (build %s, gcc %s)\nCPU: %s\n", PMUVISOR_VERSION,
		   PMUVISOR_BUILD_ID, __VERSION__, (const char *)brand);
	if (console_info.report_vmx)
		console_info.report_vmx(sh->out);
	out_printf(sh->out, "%s\n", console_info.pmu_summary ? console_info.pmu_summary : "PMU: ?");
	if (console_info.report_memory)
		console_info.report_memory(sh->out);
	out_printf(sh->out, "configuration: console 0x%x at %u baud, polled %u times per second\n",
		   console_port, console_info.baud, console_info.poll_hz);
	return 0;
}

static int cmd_stats(struct shell *sh, int argc, char **argv)
{
	struct exit_stats *exit_stats = &this_pcpu()->stats;
	uint64_t total = rdtsc() - console_info.launch_tsc, in_vmm = 0;
	unsigned r;

	if (argc == 2) {
		if (!str_case_equal(argv[1], "reset")) {
			out_printf(sh->out, "stats: unknown argument '%s' (usage: stats [reset])\n",
				   argv[1]);
			return -1;
		}
		prof_stats_reset();
		memset(exit_stats, 0, sizeof(*exit_stats));
		console_info.launch_tsc = rdtsc();
		out_printf(sh->out, "stats: reset\n");
		return 0;
	}
	out_printf(sh->out, "%-28s %14s %18s %8s\n", "exit reason", "count", "cycles in pmuvisor",
		   "share");
	for (r = 0; r < EXIT_REASON_COUNT; r++) {
		if (!exit_stats->count[r])
			continue;
		in_vmm += exit_stats->cycles[r];
		/* Share of all time since launch (or reset), in hundredths of a percent. */
		out_printf(sh->out, "%-28s %'14lu %'18lu %5lu.%02lu%%\n", exit_reason_name(r),
			   (unsigned long)exit_stats->count[r], (unsigned long)exit_stats->cycles[r],
			   (unsigned long)(exit_stats->cycles[r] * 10000 / (total ? total : 1) / 100),
			   (unsigned long)(exit_stats->cycles[r] * 10000 / (total ? total : 1) % 100));
	}
	out_printf(sh->out, "%-28s %14s %'18lu of %'lu TSC ticks\n", "total in pmuvisor", "",
		   (unsigned long)in_vmm, (unsigned long)total);
	return 0;
}

static int cmd_regs(struct shell *sh, int argc, char **argv)
{
	const struct guest_regs *g = console_commands_regs;

	if (!g) {
		out_printf(sh->out, "regs: no guest state at hand\n");
		return -1;
	}
	out_printf(sh->out,
		   "RIP %016lx RSP %016lx RFLAGS %016lx\n"
		   "RAX %016lx RBX %016lx RCX %016lx RDX %016lx\n"
		   "RSI %016lx RDI %016lx RBP %016lx R8  %016lx\n"
		   "R9  %016lx R10 %016lx R11 %016lx R12 %016lx\n"
		   "R13 %016lx R14 %016lx R15 %016lx\n"
		   "CR0 %016lx CR3 %016lx CR4 %016lx EFER %lx\n"
		   "CS %04lx SS %04lx (CPL %lu)  exit reason %lu (%s)\n",
		   (unsigned long)vmcs_read(GUEST_RIP), (unsigned long)vmcs_read(GUEST_RSP),
		   (unsigned long)vmcs_read(GUEST_RFLAGS), (unsigned long)g->rax,
		   (unsigned long)g->rbx, (unsigned long)g->rcx, (unsigned long)g->rdx,
		   (unsigned long)g->rsi, (unsigned long)g->rdi, (unsigned long)g->rbp,
		   (unsigned long)g->r8, (unsigned long)g->r9, (unsigned long)g->r10,
		   (unsigned long)g->r11, (unsigned long)g->r12, (unsigned long)g->r13,
		   (unsigned long)g->r14, (unsigned long)g->r15,
		   (unsigned long)vmcs_read(CR0_READ_SHADOW), (unsigned long)vmcs_read(GUEST_CR3),
		   (unsigned long)vmcs_read(CR4_READ_SHADOW), (unsigned long)vmcs_read(GUEST_IA32_EFER),
		   (unsigned long)vmcs_read(GUEST_CS_SELECTOR),
		   (unsigned long)vmcs_read(GUEST_SS_SELECTOR),
		   (unsigned long)(vmcs_read(GUEST_SS_AR) >> 5) & 3,
		   (unsigned long)vmcs_read(VM_EXIT_REASON) & 0xffff,
		   exit_reason_name((unsigned)vmcs_read(VM_EXIT_REASON) & 0xffff));
	return 0;
}

static int cmd_cpuid(struct shell *sh, int argc, char **argv)
{
	uint64_t leaf, subleaf = 0;
	struct cpuid_result r;

	if (shell_number(sh, argv[1], "LEAF", 0xffffffff, &leaf) < 0 ||
	    (argc == 3 && shell_number(sh, argv[2], "SUBLEAF", 0xffffffff, &subleaf) < 0))
		return -1;
	r = cpuid_as_guest_sees((uint32_t)leaf, (uint32_t)subleaf);
	out_printf(sh->out, "CPUID 0x%x.%x as the guest sees it: EAX=%08x EBX=%08x ECX=%08x EDX=%08x\n",
		   (uint32_t)leaf, (uint32_t)subleaf, r.eax, r.ebx, r.ecx, r.edx);
	return 0;
}

static int cmd_log(struct shell *sh, int argc, char **argv)
{
	static const char *const names[] = { [LOG_ERROR] = "error", [LOG_INFO] = "info",
					     [LOG_DEBUG] = "debug" };
	unsigned l;

	if (argc == 1) {
		out_printf(sh->out, "log level: %s\n", names[log_level]);
		return 0;
	}
	for (l = 0; l < sizeof(names) / sizeof(names[0]); l++) {
		if (str_case_equal(argv[1], names[l])) {
			log_level = (enum log_level)l;
			out_printf(sh->out, "log level: %s\n", names[l]);
			return 0;
		}
	}
	out_printf(sh->out, "log: unknown level '%s' (error, info or debug)\n", argv[1]);
	return -1;
}

static int cmd_pause(struct shell *sh, int argc, char **argv)
{
	/* Only the console can let a paused guest go again. */
	if (sh->ctx == CONSOLE_FROM_GUEST) {
		out_printf(sh->out, "pause: only from pmuvisor's console, not from the guest\n");
		return -1;
	}
	if (console_paused()) {
		out_printf(sh->out, "pause: the guest is already paused\n");
		return -1;
	}
	console_pause(true);
	out_printf(sh->out, "guest paused at RIP 0x%lx ('continue' resumes it)\n",
		   (unsigned long)vmcs_read(GUEST_RIP));
	return 0;
}

static int cmd_continue(struct shell *sh, int argc, char **argv)
{
	if (!console_paused()) {
		out_printf(sh->out, "continue: the guest is not paused\n");
		return -1;
	}
	console_pause(false);
	out_printf(sh->out, "guest continues\n");
	return 0;
}

/* 'device [status] | device work=N': the demo device (vmx/device.h). */
static int cmd_device(struct shell *sh, int argc, char **argv)
{
	uint64_t n;

	if (argc == 1 || str_case_equal(argv[1], "status")) {
		device_status(&device, sh->out);
		return 0;
	}
	if (strncmp(argv[1], "work=", 5) != 0) {
		out_printf(sh->out, "device: usage: device [status] | device work=INSTRUCTIONS\n");
		return -1;
	}
	if (!device.port) {
		out_printf(sh->out, "device: off (device=PORT in pmuvisor.cfg)\n");
		return -1;
	}
	if (parse_unsigned(argv[1] + 5, DEVICE_WORK_MAX, &n) < 0 || device_set_work(&device, n) < 0) {
		out_printf(sh->out, "device: bad work '%s' (instructions an access, 0 to %u)\n",
			   argv[1] + 5, DEVICE_WORK_MAX);
		return -1;
	}
	out_printf(sh->out, "device: work %u instructions an access\n", device.work);
	return 0;
}

const struct shell_command console_commands[] = {
	{ "info", "info", "version, CPU, VT-x and PMU, memory layout, configuration", 0, 0, cmd_info },
	{ "stats", "stats [reset]", "VM exits per reason: count, cycles in pmuvisor, share", 0, 1,
	  cmd_stats },
	{ "regs", "regs", "the guest vCPU's registers and key VMCS fields", 0, 0, cmd_regs },
	{ "cpuid", "cpuid LEAF [SUBLEAF]", "CPUID as the guest sees it", 1, 2, cmd_cpuid },
	{ "log", "log [error|info|debug]", "show or set the log level", 0, 1, cmd_log },
	{ "pause", "pause", "hold the guest vCPU in pmuvisor", 0, 0, cmd_pause },
	{ "continue", "continue", "resume a paused guest where it was", 0, 0, cmd_continue },
	{ "prof",
	  "prof start [event=NAME|raw=0xUMASK_EVENT] [period=N|freq=HZ] [callchain[=DEPTH]] "
	  "[backend=hw|timer] | stop | status | report [top=N] [by=symbol|module|mode|address|caller|exit] "
	  "| clear | dump",
	  "system-wide profiling: guest user, guest kernel and pmuvisor", 1, 7, console_cmd_prof },
	{ "vpmu", "vpmu [status] | vpmu on|off | vpmu policy cpu-switch|domain-switch",
	  "the guest's virtual PMU: its counters, and whose work they count", 0, 2, console_cmd_vpmu },
	{ "device", "device [status] | device work=INSTRUCTIONS",
	  "the demo device (device=PORT): pmuvisor's work for each guest access", 0, 1, cmd_device },
};

const size_t console_command_count = sizeof(console_commands) / sizeof(console_commands[0]);
