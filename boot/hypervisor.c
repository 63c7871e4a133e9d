#include "boot/hypervisor.h"
#include "boot/efi.h"
#include "console/log.h"
#include "lib/cpu.h"
#include "lib/page_pool.h"
#include "lib/string.h"
#include "pmu/sample_ring.h"
#include "vmx/host_paging.h"
#include "vmx/hypercall.h"
#include "vmx/launch.h"

/* Everything root mode owns: the core image, its page tables, stacks,
 * VMCS, EPT and bitmaps in the first MiB, then the profiling sample ring
 * and the report's scratch.  Reserved memory: the OS never reuses it. */
#define CORE_SIZE (1024 * 1024)
#define REPORT_SCRATCH (256 * 1024)
#define GIB (1ull << 30)
#define CPUID_80000001_EDX_1G_PAGES (1u << 26)

extern const uint8_t core_image_start[], core_image_end[];

static struct launch_params params;
struct kernel_symbols kernel_symbols;

/* The highest address the firmware's memory map describes, rounded up
 * to 1 GiB, and never below 4 GiB (the MMIO hole lives there). */
static uint64_t physical_top(void)
{
	UINTN size = 0, key, desc_size;
	UINT32 version;
	EFI_MEMORY_DESCRIPTOR *map = NULL;
	uint64_t top = 4 * GIB;
	UINTN i;

	if (efi_bs->GetMemoryMap(&size, NULL, &key, &desc_size, &version) != EFI_BUFFER_TOO_SMALL)
		return top;
	size += 4 * desc_size;
	if (EFI_ERROR(efi_bs->AllocatePool(EfiLoaderData, size, (void **)&map)))
		return top;
	if (!EFI_ERROR(efi_bs->GetMemoryMap(&size, map, &key, &desc_size, &version))) {
		for (i = 0; i < size / desc_size; i++) {
			EFI_MEMORY_DESCRIPTOR *d = (void *)((UINT8 *)map + i * desc_size);
			uint64_t end = d->PhysicalStart + d->NumberOfPages * 4096;

			if (end > top)
				top = end;
		}
	}
	efi_bs->FreePool(map);
	return (top + GIB - 1) & ~(GIB - 1);
}

/* Once the loader is a guest, the serial port is pmuvisor's: its log
 * lines reach the console through HYPERCALL_LOG. */
static void hypercall_log_sink(void *ctx, const char *text, size_t len)
{
	while (len) {
		uint64_t chunk = len < HYPERCALL_LOG_MAX ? len : HYPERCALL_LOG_MAX, status;

		__asm__ volatile("vmcall"
				 : "=a"(status)
				 : "a"((uint64_t)HYPERCALL_LOG), "b"((uint64_t)(uintptr_t)text), "c"(chunk)
				 : "rdx", "memory");
		text += chunk;
		len -= chunk;
	}
}

int hypervisor_start(const struct config *cfg)
{
	const struct core_header *head = (const void *)core_image_start;
	uint64_t file_size = (uint64_t)(core_image_end - core_image_start), resident;
	struct page_pool pool;
	EFI_PHYSICAL_ADDRESS phys = 0;
	EFI_STATUS status;
	int result;

	uint64_t symbols_at = CORE_SIZE + REPORT_SCRATCH +
			      (((uint64_t)cfg->prof_samples * sizeof(struct sample) + 4095) & ~4095ull);
	uint64_t resident_size = symbols_at + ((kernel_symbols.size + 4095) & ~4095ull);

	if (head->magic != CORE_MAGIC || head->file_size > file_size ||
	    head->memory_size > CORE_SIZE / 2) {
		log_printf("hypervisor: the embedded core image is damaged\n");
		return -1;
	}
	status = efi_bs->AllocatePages(AllocateAnyPages, EfiReservedMemoryType,
				       resident_size / 4096, &phys);
	if (EFI_ERROR(status)) {
		log_printf("hypervisor: cannot reserve %lu KiB: %s\n", (unsigned long)resident_size / 1024,
			   efi_status_name(status));
		return -1;
	}
	resident = phys;
	memcpy((void *)(uintptr_t)resident, core_image_start, head->file_size);
	memset((void *)(uintptr_t)(resident + head->file_size), 0,
	       head->memory_size - head->file_size);

	/* The symbols= table rides at the end, hidden from the guest with the
	 * rest; the pool stops before it. */
	memcpy((void *)(uintptr_t)(resident + symbols_at), kernel_symbols.table, kernel_symbols.size);
	memset(&params, 0, sizeof(params));
	params.kernel_symbols_phys = kernel_symbols.size ? resident + symbols_at : 0;
	params.kernel_symbols_size = kernel_symbols.size;
	params.magic = LAUNCH_PARAMS_MAGIC;
	params.resident_phys = resident;
	params.resident_size = resident_size;
	params.phys_top = physical_top();
	params.console_port = cfg->console_port;
	params.baud = cfg->baud;
	params.selftest = (uint16_t)cfg->selftest;
	params.poll_hz = cfg->poll_hz;
	params.guest_control = (uint32_t)cfg->guest_control;
	str_copy(params.pmu_summary, pmu_summary, sizeof(params.pmu_summary));
	params.pmu_counts = pmu_counts;
	params.prof_samples = cfg->prof_samples;
	params.vpmu = (uint32_t)cfg->vpmu;
	params.device_port = cfg->device_port;
	pool = (struct page_pool){ resident + head->memory_size, resident + symbols_at, 0 };
	params.host_cr3 = host_paging_build(&pool, params.phys_top,
					    cpuid(0x80000001, 0).edx & CPUID_80000001_EDX_1G_PAGES,
					    resident, head->memory_size);
	params.pool_next = pool.next;
	if (!params.host_cr3) {
		log_printf("hypervisor: out of resident memory for page tables\n");
		efi_bs->FreePages(phys, resident_size / 4096);
		return -1;
	}
	log_printf("hypervisor: core at 0x%lx (%lu KiB image, %lu KiB resident), mapping 0x%lx\n",
		   (unsigned long)resident, (unsigned long)head->memory_size / 1024,
		   (unsigned long)resident_size / 1024, (unsigned long)params.phys_top);

	result = launch_core(&params, params.host_cr3, head->entry);
	if (result != 0) {
		log_printf("VT-x not used: %s\n", params.message);
		efi_bs->FreePages(phys, resident_size / 4096);
		return -1;
	}
	log_redirect(hypercall_log_sink, NULL);
	log_printf("hypervisor: running; this firmware is now pmuvisor's guest\n");
	return 0;
}
