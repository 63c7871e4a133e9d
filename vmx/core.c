/*
 * The resident core's entry: enable VMX on the boot CPU, build the VMCS
 * around the caller's context and VMLAUNCH into it (see vmx/launch.h).
 */
#include "vmx/caps.h"
#include "vmx/caps_read.h"
#include "vmx/check_read.h"
#include "vmx/controls.h"
#include "vmx/pcpu.h"
#include "lib/cpu_safe.h"
#include "lib/spinlock.h"
#include "vmx/device.h"
#include "vmx/ept.h"
#include "vmx/exit.h"
#include "vmx/exit_handlers.h"
#include "vmx/guest_state.h"
#include "vmx/host.h"
#include "vmx/launch.h"
#include "vmx/msr.h"
#include "vmx/mtrr_read.h"
#include "vmx/vmcs.h"
#include "boot/config.h"
#include "console/commands.h"
#include "console/console.h"
#include "console/log.h"
#include "lib/cpu.h"
#include "lib/page_pool.h"
#include "lib/string.h"
#include "pmu/prof.h"
#include "pmu/guest_view.h"
#include "pmu/vpmu_guest.h"

#define HOST_STACK_PAGES 8
#define CRITICAL_STACK_PAGES 2
#define FEATURE_CONTROL_LOCK 1ull
#define FEATURE_CONTROL_VMX_OUTSIDE_SMX 4ull
#define MSR_IA32_EFER 0xc0000080
#define GIB (1ull << 30)

int core_entry(struct launch_params *p);
extern char __core_end[]; /* vmx/core.ld */
int vmx_launch(void);
extern char vmx_exit_entry[];

static struct page_pool pool;
struct vmx_raw vm_raw;
struct pcpu pcpu_boot = { .self = &pcpu_boot };
static struct launch_params params_copy, *answer;
static struct launch_params *params;

static void message_sink(void *ctx, const char *text, size_t len)
{
	size_t used = strlen(answer->message);

	while (len-- && used + 1 < sizeof(answer->message))
		answer->message[used++] = *text++;
	answer->message[used] = '\0';
}

static const struct out message_out = { message_sink, 0 };

static int fail(const char *why)
{
	out_printf(&message_out, "%s", why);
	return -1;
}

static void *ept_alloc(void *ctx, uint64_t *phys)
{
	void *page = page_pool_alloc(&pool, 1);

	*phys = (uint64_t)(uintptr_t)page;
	return page;
}

static void *ept_ptr(void *ctx, uint64_t phys)
{
	return (void *)(uintptr_t)phys;
}

/* What the resident memory holds, for the log and `make bench`. */
static struct {
	uint64_t ept, bitmaps, vmx_regions, stacks, profiling;
} resident;

/* Pages for EPT tables made at run time, beyond the memory map (one per
 * GiB the guest reaches there without 1-GiB pages, one per 512 GiB with
 * them); when they run out, all such tables are forgotten and the pages
 * used again (vm_ept_map()). */
#define EPT_SPARE_PAGES 64
static struct page_pool ept_spare;
static uint64_t ept_spare_base;
static struct ept_params ept_live;
static struct ept_on_demand ept_demand;

static void *ept_spare_alloc(void *ctx, uint64_t *phys)
{
	void *page = page_pool_alloc(&ept_spare, 1);

	*phys = (uint64_t)(uintptr_t)page;
	return page;
}

/* The EPT is every processor's: one maps on demand at a time. */
static struct spinlock ept_lock = SPINLOCK_INIT;

static int ept_map_locked(uint64_t gpa, const char **why)
{
	struct ept_stats stats;

	if (ept_map_on_demand(&ept_live, &ept_demand, vm.eptp, gpa, &stats) == 0)
		return 0;
	/* Out of pages (or of room to note links): forget every table made
	 * so far and try once more with all the pages; the caller flushes
	 * the EPT's cached translations. */
	if (!strncmp(stats.error, "out of memory", 13)) {
		ept_on_demand_forget(&ept_demand);
		ept_spare.next = ept_spare_base;
		if (ept_map_on_demand(&ept_live, &ept_demand, vm.eptp, gpa, &stats) == 0)
			return 0;
	}
	*why = stats.error;
	return -1;
}

int vm_ept_map(uint64_t gpa, const char **why)
{
	int status;

	spin_lock(&ept_lock);
	status = ept_map_locked(gpa, why);
	spin_unlock(&ept_lock);
	return status;
}

const struct ept_on_demand *vm_ept_on_demand(void)
{
	return &ept_demand;
}

static int build_ept(const struct vmx_caps *caps)
{
	static struct mtrr_state mtrr;
	static struct ept_range excluded;
	struct ept_params ep = {
		.top = params->phys_top, .mtrr = &mtrr,
		.allow_2m = caps->ept_2m, .allow_1g = caps->ept_1g,
		.excluded = &excluded, .excluded_count = 1,
		.memory = { ept_alloc, 0, ept_ptr, 0 },
	};
	struct ept_stats stats;
	void *spare = page_pool_alloc(&pool, EPT_SPARE_PAGES);

	if (!spare)
		return fail("out of resident memory for the EPT's spare pages");
	ept_spare_base = (uint64_t)(uintptr_t)spare;
	ept_spare = (struct page_pool){ ept_spare_base, ept_spare_base + EPT_SPARE_PAGES * PAGE_SIZE, 0 };
	ept_demand.spare_base = ept_spare.next;
	ept_demand.spare_end = ept_spare.end;
	excluded = (struct ept_range){ params->resident_phys, params->resident_size };
	mtrr_read(&mtrr);
	ept_live = ep;
	ept_live.memory.alloc = ept_spare_alloc;
	vm.eptp = ept_build(&ep, &stats);
	if (!vm.eptp) {
		out_printf(&message_out, "cannot build the EPT: %s at 0x%lx", stats.error,
			   (unsigned long)stats.failed_gpa);
		return -1;
	}
	vm.ept_pml4 = vm.eptp & EPT_ADDRESS_MASK;
	resident.ept = (stats.table_pages + EPT_SPARE_PAGES) * PAGE_SIZE;
	log_printf("core: EPT maps 0x%lx bytes: %lu 1G + %lu 2M + %lu 4K pages in %lu tables, "
		   "0x%lx bytes hidden\n", (unsigned long)params->phys_top,
		   (unsigned long)stats.leaves_1g, (unsigned long)stats.leaves_2m,
		   (unsigned long)stats.leaves_4k, (unsigned long)stats.table_pages,
		   (unsigned long)stats.unmapped_bytes);
	return 0;
}

/* MSR bitmap (SDM Vol. 3C, 25.6.9): read-low, read-high, write-low,
 * write-high, 1 KiB each; a set bit makes the access exit. */
static void intercept_msr(uint8_t *bitmap, uint32_t msr)
{
	unsigned offset = msr >= 0xc0000000u ? 1024 : 0, bit = msr & 0x1fff;

	bitmap[offset + bit / 8] |= (uint8_t)(1u << (bit % 8));
	bitmap[2048 + offset + bit / 8] |= (uint8_t)(1u << (bit % 8));
}

static int build_bitmaps(uint64_t *msr_bitmap, uint64_t *io_a, uint64_t *io_b)
{
	uint8_t *msr = page_pool_alloc(&pool, 1), *io = page_pool_alloc(&pool, 2);
	uint32_t m;
	unsigned port, i;

	if (!msr || !io)
		return fail("out of resident memory for the MSR and I/O bitmaps");
	intercept_msr(msr, MSR_IA32_FEATURE_CONTROL);
	intercept_msr(msr, MSR_IA32_APIC_BASE); /* the APIC page must not land on pmuvisor */
	for (m = MSR_IA32_VMX_BASIC; m <= 0x491; m++)
		intercept_msr(msr, m);
	/* While the PMU is pmuvisor's, the guest gets #GP for its MSRs, or
	 * (vpmu=on) its virtual PMU's. */
	for (i = 0; (vm.pmu_owned || vpmu_emulated()) && i < PMU_MSR_RANGE_COUNT; i++)
		for (m = pmu_msr_ranges[i].first; m < pmu_msr_ranges[i].first + pmu_msr_ranges[i].count; m++)
			intercept_msr(msr, m);
	/* I/O bitmaps A (ports 0-0x7fff) and B: pmuvisor's serial port and
	 * the demo device. */
	for (port = vm.console_port; vm.console_port && port < vm.console_port + CONSOLE_PORTS; port++)
		io[port / 8] |= (uint8_t)(1u << (port % 8));
	if (device.port)
		io[device.port / 8] |= (uint8_t)(1u << (device.port % 8));
	resident.bitmaps = 3 * PAGE_SIZE;
	*msr_bitmap = (uint64_t)(uintptr_t)msr;
	*io_a = (uint64_t)(uintptr_t)io;
	*io_b = *io_a + PAGE_SIZE;
	return 0;
}

static int enable_vmx(const struct vmx_raw *raw, uint64_t *vmxon_region)
{
	uint64_t fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
	uint32_t *region;

	/* VMXON needs FEATURE_CONTROL locked with VMX enabled (SDM 24.7). */
	if (!(fc & FEATURE_CONTROL_LOCK))
		wrmsr(MSR_IA32_FEATURE_CONTROL,
		      fc | FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMX_OUTSIDE_SMX);
	else if (!(fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX))
		return fail("IA32_FEATURE_CONTROL is locked with VMX disabled");
	region = page_pool_alloc(&pool, 1);
	if (!region)
		return fail("out of resident memory for the VMXON region");
	region[0] = (uint32_t)(raw->basic & 0x7fffffff); /* VMCS revision (SDM 25.11.5) */
	*vmxon_region = (uint64_t)(uintptr_t)region;
	if (vmx_on(*vmxon_region) < 0)
		return fail("VMXON failed");
	return 0;
}

static void write_controls(const struct vmx_controls *c, uint64_t msr_bitmap, uint64_t io_a,
			   uint64_t io_b)
{
	uint32_t exit = c->value[CONTROLS_EXIT], entry = c->value[CONTROLS_ENTRY];

	/* PERF_GLOBAL_CTRL switching belongs to the virtual PMU's hw backend,
	 * which turns it on (pmu/vpmu_hw.c); without it the register is left
	 * as it is across exits and entries. */
	exit &= ~(1u << EXIT_LOAD_PERF_GLOBAL_CTRL);
	entry &= ~(1u << ENTRY_LOAD_PERF_GLOBAL_CTRL);
	vmcs_write(PIN_BASED_VM_EXEC_CONTROL, c->value[CONTROLS_PIN_BASED]);
	vmcs_write(CPU_BASED_VM_EXEC_CONTROL, c->value[CONTROLS_PRIMARY]);
	vmcs_write(SECONDARY_VM_EXEC_CONTROL, c->value[CONTROLS_SECONDARY]);
	vmcs_write(VM_EXIT_CONTROLS, exit & ~(1u << EXIT_SAVE_PERF_GLOBAL_CTRL));
	vmcs_write(VM_ENTRY_CONTROLS, entry);
	vmcs_write(EXCEPTION_BITMAP, 0);
	vmcs_write(CR3_TARGET_COUNT, 0);
	vmcs_write(MSR_BITMAP, msr_bitmap);
	vmcs_write(IO_BITMAP_A, io_a);
	vmcs_write(IO_BITMAP_B, io_b);
	vmcs_write(EPT_POINTER, vm.eptp);
	if (c->vpid)
		vmcs_write(VIRTUAL_PROCESSOR_ID, 1);
	vmcs_write(VM_EXIT_MSR_STORE_COUNT, 0);
	vmcs_write(VM_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_write(VM_ENTRY_MSR_LOAD_COUNT, 0);
	vmcs_write(VM_ENTRY_INTR_INFO, 0);
	if (c->preemption_timer)
		vmcs_write(VMX_PREEMPTION_TIMER_VALUE, vm.preemption_timer_value);
}

static void write_host_state(const struct host_tables *t, uint64_t stack_top)
{
	uint64_t cr0, cr4;

	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	vmcs_write(HOST_CR0, cr0);
	vmcs_write(HOST_CR3, params->host_cr3);
	vmcs_write(HOST_CR4, cr4);
	vmcs_write(HOST_CS_SELECTOR, HOST_CS);
	vmcs_write(HOST_SS_SELECTOR, HOST_DS);
	vmcs_write(HOST_DS_SELECTOR, HOST_DS);
	vmcs_write(HOST_ES_SELECTOR, HOST_DS);
	vmcs_write(HOST_FS_SELECTOR, 0);
	vmcs_write(HOST_GS_SELECTOR, 0);
	vmcs_write(HOST_TR_SELECTOR, HOST_TR);
	vmcs_write(HOST_FS_BASE, 0);
	vmcs_write(HOST_GS_BASE, (uint64_t)(uintptr_t)&pcpu_boot); /* vmx/pcpu.h */
	vmcs_write(HOST_TR_BASE, t->tr_base);
	vmcs_write(HOST_GDTR_BASE, t->gdt_base);
	vmcs_write(HOST_IDTR_BASE, t->idt_base);
	vmcs_write(HOST_IA32_SYSENTER_CS, 0);
	vmcs_write(HOST_IA32_SYSENTER_ESP, 0);
	vmcs_write(HOST_IA32_SYSENTER_EIP, 0);
	vmcs_write(HOST_IA32_EFER, rdmsr(MSR_IA32_EFER));
	vmcs_write(HOST_RSP, stack_top);
	vmcs_write(HOST_RIP, (uint64_t)(uintptr_t)vmx_exit_entry);
}

/* Makes CR0 and CR4 what VMX operation requires (SDM 24.8) and returns
 * the firmware's values, which become the guest's shadows. */
static void prepare_control_registers(const struct vmx_raw *raw, uint64_t *fw_cr0,
				      uint64_t *fw_cr4)
{
	uint64_t cr0, cr4;

	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	*fw_cr0 = cr0;
	*fw_cr4 = cr4;
	vm.cr0_fixed0 = rdmsr(MSR_IA32_VMX_CR0_FIXED0);
	vm.cr0_fixed1 = rdmsr(MSR_IA32_VMX_CR0_FIXED1);
	vm.cr4_fixed0 = rdmsr(MSR_IA32_VMX_CR4_FIXED0);
	vm.cr4_fixed1 = rdmsr(MSR_IA32_VMX_CR4_FIXED1);
	cr0 = (cr0 | vm.cr0_fixed0) & vm.cr0_fixed1;
	cr4 = (cr4 | vm.cr4_fixed0) & vm.cr4_fixed1;
	/* XSETBV in root mode (for the guest) needs CR4.OSXSAVE. */
	if (cpuid(1, 0).ecx & CPUID1_ECX_XSAVE) {
		struct cpuid_regs x = cpuid(0xd, 0);

		cr4 |= CR4_OSXSAVE;
		vm.xcr0_supported = ((uint64_t)x.edx << 32) | x.eax;
	}
	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0));
	__asm__ volatile("mov %0, %%cr4" : : "r"(cr4));
	(void)raw;
}

static struct vmx_caps vm_caps;

static void report_vmx(const struct out *o)
{
	vmx_caps_report(o, &vm_caps);
}

static void report_memory(const struct out *o)
{
	uint64_t image = (uint64_t)(uintptr_t)__core_end - CORE_VIRTUAL_BASE;
	uint64_t page_tables = params->pool_next - (params->resident_phys + image);

	out_printf(o, "resident memory at 0x%lx: image %lu KiB, page tables %lu KiB, EPT %lu KiB, "
		   "VMXON+VMCS %lu KiB, stacks and blank page %lu KiB, bitmaps %lu KiB, profiling %lu KiB; "
		   "%lu KiB in use of %lu KiB reserved\n", (unsigned long)params->resident_phys,
		   (unsigned long)image / 1024, (unsigned long)page_tables / 1024,
		   (unsigned long)resident.ept / 1024, (unsigned long)resident.vmx_regions / 1024,
		   (unsigned long)resident.stacks / 1024, (unsigned long)resident.bitmaps / 1024,
		   (unsigned long)resident.profiling / 1024,
		   (unsigned long)(pool.next - params->resident_phys) / 1024,
		   (unsigned long)params->resident_size / 1024);
	out_printf(o, "guest touches of pmuvisor's memory: %lu (reads %lu, writes dropped %lu, "
		   "fetches given #UD %lu); EPT regions mapped beyond the memory map: %lu "
		   "(all forgotten %lu times)\n", (unsigned long)hidden.touches,
		   (unsigned long)hidden.reads, (unsigned long)hidden.writes,
		   (unsigned long)hidden.fetches, (unsigned long)ept_demand.mapped,
		   (unsigned long)ept_demand.forgotten);
}

/* TSC ticks per second: CPUID 0x15 (crystal ratio) if it says, else
 * 0x16's base frequency, else a guess (the period only sets how often the
 * console is polled). */
static uint64_t tsc_hz(void)
{
	uint32_t max = cpuid(0, 0).eax;

	if (max >= 0x15) {
		struct cpuid_regs r = cpuid(0x15, 0);

		if (r.eax && r.ebx && r.ecx)
			return (uint64_t)r.ecx * r.ebx / r.eax;
	}
	if (max >= 0x16 && (cpuid(0x16, 0).eax & 0xffff))
		return (uint64_t)(cpuid(0x16, 0).eax & 0xffff) * 1000000;
	return 2000000000ull;
}

static void report_resident(const struct launch_params *p)
{
	uint64_t image = (uint64_t)(uintptr_t)__core_end - CORE_VIRTUAL_BASE;
	uint64_t page_tables = p->pool_next - (p->resident_phys + image);

	log_printf("core: resident memory: image %lu KiB, page tables %lu KiB, EPT %lu KiB, "
		   "VMXON+VMCS %lu KiB, stacks and blank page %lu KiB, bitmaps %lu KiB, profiling %lu KiB; "
		   "%lu KiB in use of %lu KiB reserved\n", (unsigned long)image / 1024,
		   (unsigned long)page_tables / 1024,
		   (unsigned long)resident.ept / 1024, (unsigned long)resident.vmx_regions / 1024,
		   (unsigned long)resident.stacks / 1024, (unsigned long)resident.bitmaps / 1024,
		   (unsigned long)resident.profiling / 1024,
		   (unsigned long)(pool.next - p->resident_phys) / 1024,
		   (unsigned long)p->resident_size / 1024);
}

int core_entry(struct launch_params *p)
{
	static struct host_tables tables;
	struct vmx_raw raw;
	struct vmx_caps caps;
	struct vmx_controls controls;
	uint64_t vmxon_region, vmcs, msr_bitmap, io_a, io_b, fw_cr0, fw_cr4;
	uint64_t *stack, *critical;
	struct cr_fixed cr0f, cr4f;
	uint32_t *vmcs_page;
	int status;

	/* The loader's memory becomes the guest's: keep a copy of the
	 * parameters; answers go to the original. */
	params_copy = *p;
	params = &params_copy;
	answer = p;
	p->message[0] = '\0';
	log_start(p->console_port, p->baud, 0, 0);
	/* The symbols= table, if any, ends the resident region. */
	pool = (struct page_pool){ p->pool_next,
				   p->kernel_symbols_phys ? p->kernel_symbols_phys
							  : p->resident_phys + p->resident_size, 0 };
	vm.resident_phys = p->resident_phys;
	vm.resident_size = p->resident_size;
	vm.phys_top = p->phys_top;
	vm.maxphyaddr = cpuid(0x80000000, 0).eax >= 0x80000008 ? cpuid(0x80000008, 0).eax & 0xff : 36;
	vm.x2apic = (cpuid(1, 0).ecx & CPUID1_ECX_X2APIC) != 0;
	vm.guest_control = (int)p->guest_control;
	vm.console_port = p->console_port;
	device.port = p->device_port;
	if (device.port && vm_console_owns(device.port)) {
		log_printf("pmuvisor: device=0x%x is one of the console's ports (0x%x-0x%x); the "
			  "device is off\n", device.port, vm.console_port,
			  vm.console_port + CONSOLE_PORTS - 1);
		device.port = 0;
	}
	/* A PMU that counts is the profiler's from the start: the guest's
	 * Linux probes its PMU once, at boot. */
	vm.pmu_owned = p->pmu_counts != 0;

	vmx_caps_read(&raw);
	vmx_caps_decode(&raw, &caps);
	vm_caps = caps;
	/* vpmu=on: where the PMU counts and VT-x can switch its global enables
	 * at exits and entries, the guest gets the real counters (the hw
	 * backend); elsewhere counters emulated from time. */
	if (p->vpmu != VPMU_OFF) {
		bool switchable = caps.entry_load_perf_global_ctrl && caps.exit_load_perf_global_ctrl;

		if (p->vpmu == VPMU_HW && !switchable)
			return fail("vpmu=hw: VT-x here cannot load IA32_PERF_GLOBAL_CTRL at VM entry "
				    "and exit, which the hw backend switches the counters with");
		if (p->vpmu == VPMU_HW && !vm.pmu_owned)
			log_printf("core: vpmu=hw on a PMU that does not count: the guest gets its "
				   "counters as they are (for measuring the backend's exit path)\n");
		vpmu_guest_init(p->vpmu == VPMU_HW ||
				(p->vpmu == VPMU_ON && vm.pmu_owned && switchable));
		if (vpmu_hw_on)
			vm.pmu_owned = 0; /* the guest's, not the profiler's */
	}
	/* The console is polled from the preemption timer (it counts at the
	 * TSC rate >> shift, SDM 26.5.1) about poll_hz times per second. */
	vm.preemption_timer_value = (uint32_t)((tsc_hz() / (p->poll_hz ? p->poll_hz : 100)) >>
					       caps.preemption_timer_shift);
	vm.timer_shift = caps.preemption_timer_shift;
	/* A byte at the console's rate (10 bits each), twice over. */
	console_init(p->console_port, tsc_hz() / (p->baud ? p->baud : 115200) * 20);
	console_info = (struct console_info){ params->pmu_summary, p->baud, p->poll_hz, 0,
					      report_vmx, report_memory };
	if (vmx_unavailable_reason(&caps))
		return fail(vmx_unavailable_reason(&caps));
	if (vmx_controls_compute(&raw, &controls, &message_out) < 0)
		return -1;
	vm.unrestricted_guest = 1;

	stack = page_pool_alloc(&pool, HOST_STACK_PAGES);
	critical = page_pool_alloc(&pool, CRITICAL_STACK_PAGES);
	vm.decoy_page = (uint64_t)(uintptr_t)page_pool_alloc(&pool, 1);
	vm.scratch_page = (uint64_t)(uintptr_t)page_pool_alloc(&pool, 1);
	vmcs_page = page_pool_alloc(&pool, 1);
	if (!stack || !critical || !vm.decoy_page || !vm.scratch_page || !vmcs_page)
		return fail("out of resident memory for stacks and the VMCS");
	/* pmuvisor's memory reads as an empty bus: all ones (vmx/exit_ept.c). */
	memset((void *)(uintptr_t)vm.decoy_page, 0xff, PAGE_SIZE);
	memset((void *)(uintptr_t)vm.scratch_page, 0xff, PAGE_SIZE);
	resident.stacks = (HOST_STACK_PAGES + CRITICAL_STACK_PAGES + 2) * PAGE_SIZE; /* + decoy, scratch */
	resident.vmx_regions = 2 * PAGE_SIZE;
	host_tables_init(&tables, (uint64_t)(uintptr_t)critical + CRITICAL_STACK_PAGES * PAGE_SIZE);
	if (build_ept(&caps) < 0 || build_bitmaps(&msr_bitmap, &io_a, &io_b) < 0)
		return -1;
	/* Last: everything after this is the profiler's. */
	resident.profiling = pool.next;
	if (prof_init(&pool, &(struct prof_setup){ tsc_hz(), caps.preemption_timer_shift,
						    controls.preemption_timer, p->pmu_counts != 0,
						    params->pmu_summary, p->prof_samples,
						    (const void *)(uintptr_t)p->kernel_symbols_phys,
						    p->kernel_symbols_size }) < 0)
		return fail("out of resident memory for the profiling sample ring");
	resident.profiling = pool.next - resident.profiling;

	prepare_control_registers(&raw, &fw_cr0, &fw_cr4);
	if (enable_vmx(&raw, &vmxon_region) < 0)
		goto restore;
	vmcs_page[0] = (uint32_t)(raw.basic & 0x7fffffff);
	vmcs = (uint64_t)(uintptr_t)vmcs_page;
	if (vmcs_clear(vmcs) < 0 || vmcs_load(vmcs) < 0) {
		fail("VMCLEAR/VMPTRLD failed");
		goto off;
	}
	write_controls(&controls, msr_bitmap, io_a, io_b);
	pcpu_boot.cpuid_view = vpmu_emulated() ? CPUID_PMU_VIRTUAL
			       : vm.pmu_owned ? CPUID_PMU_HIDDEN : CPUID_PMU_AS_IS;
	if (vpmu_hw_on) {
		void *store = page_pool_alloc(&pool, 1);

		if (!store) {
			fail("out of resident memory for the VM-exit MSR-store list");
			goto off;
		}
		vpmu_guest_hw_start(store, caps.exit_save_perf_global_ctrl);
	}
	if (vpmu_on)
		pcpu_set_mode(&pcpu_boot, vpmu_hw_on ? EXIT_MODE_VPMU_HW : EXIT_MODE_VPMU);
	/* RDPMC would read pmuvisor's counters (SDM Vol. 3C, 26.1.3), or must
	 * read the virtual PMU's. */
	if ((vm.pmu_owned || vpmu_emulated()) && (raw.procbased >> 32) & (1ull << PROC_RDPMC_EXITING))
		vmcs_write(CPU_BASED_VM_EXEC_CONTROL,
			   vmcs_read(CPU_BASED_VM_EXEC_CONTROL) | (1u << PROC_RDPMC_EXITING));
	write_host_state(&tables, (uint64_t)(uintptr_t)stack + HOST_STACK_PAGES * PAGE_SIZE);
	cr0f = (struct cr_fixed){ vm.cr0_fixed0, vm.cr0_fixed1 };
	cr4f = (struct cr_fixed){ vm.cr4_fixed0, vm.cr4_fixed1 };
	vmcs_write(CR0_GUEST_HOST_MASK, cr0_guest_host_mask(&cr0f, true));
	vmcs_write(CR4_GUEST_HOST_MASK, cr4_guest_host_mask(&cr4f));
	guest_state_write(p, fw_cr0, fw_cr4, &cr0f, &cr4f, true);
	if (p->selftest == SELFTEST_BAD_GUEST_STATE) {
		log_printf("core: selftest=bad-guest-state: clearing CR0.NE in the guest state\n");
		vmcs_write(GUEST_CR0, vmcs_read(GUEST_CR0) & ~CR0_NE);
	}
	/* The software check of the VM-entry rules: a failure is explained
	 * by rule and fields, not left to a bare error number. */
	if (vmx_check_current(&raw) < 0) {
		fail("the VMCS breaks a VM-entry rule (see above)");
		goto off;
	}
	report_resident(p);

	vm_raw = raw;
	log_printf("core: console on 0x%x, polled every %u preemption-timer ticks; shell: type help\n",
		   p->console_port, vm.preemption_timer_value);
	console_info.launch_tsc = rdtsc();
	fault_guard_host_idt(true);
	status = vmx_launch();
	/* Only a failed VMLAUNCH comes back, under the firmware's IDT. */
	fault_guard_host_idt(false);
	vmx_check_current(&raw);
	out_printf(&message_out, "VMLAUNCH failed (%s, VM-instruction error %lu)",
		   status == 1 ? "no current VMCS" : "invalid control or host state",
		   (unsigned long)vmcs_read(VM_INSTRUCTION_ERROR));
off:
	vmx_off();
restore:
	__asm__ volatile("mov %0, %%cr4" : : "r"(fw_cr4));
	__asm__ volatile("mov %0, %%cr0" : : "r"(fw_cr0));
	return -1;
}
