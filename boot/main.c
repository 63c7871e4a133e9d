/*
 * pmuvisor.efi entry point: console, configuration, capability report,
 * then the payload.  At this stage the payload starts natively; the
 * hypervisor core (vmx/) will later slide underneath it first.
 */
#include "boot/config_file.h"
#include "boot/efi.h"
#include "boot/hypervisor.h"
#include "guest/sysmap.h"
#include "boot/payload.h"
#include "console/log.h"
#include "lib/cpu.h"
#include "lib/string.h"
#include "pmu/caps.h"
#include "pmu/probe.h"
#include "vmx/caps.h"
#include "vmx/caps_read.h"

#include "build-id.h"

#define XSTR(x) #x
#define STR(x) XSTR(x)

static void cpu_brand(char *brand, size_t size)
{
	uint32_t words[12];
	const char *p;
	unsigned i;

	brand[0] = '\0';
	if (cpuid(0x80000000, 0).eax < 0x80000004)
		return;
	for (i = 0; i < 3; i++) {
		struct cpuid_regs r = cpuid(0x80000002 + i, 0);

		words[i * 4 + 0] = r.eax;
		words[i * 4 + 1] = r.ebx;
		words[i * 4 + 2] = r.ecx;
		words[i * 4 + 3] = r.edx;
	}
	for (p = (const char *)words; *p == ' '; p++)
		;
	format_buf(brand, size, "%.48s", p);
}

static void banner(void)
{
	char brand[64];

	cpu_brand(brand, sizeof(brand));
	log_printf("\npmuvisor %s (build %s, gcc %s)\n", PMUVISOR_VERSION, PMUVISOR_BUILD_ID,
		   __VERSION__);
	log_printf("CPU: %s\n", brand[0] ? brand : "(no brand string)");
}

static void report_config(const struct config *cfg, const char *found)
{
	log_printf("config: %s%s\n", found[0] ? found : "no pmuvisor.cfg found",
		   cfg->errors ? " (with errors, see above)" : "");
	if (cfg->console_port)
		log_printf("  %-10s 0x%x at %u baud\n", "console", cfg->console_port, cfg->baud);
	log_printf("  %-10s %s\n", "on_error", cfg->on_error == ON_ERROR_HALT ? "halt" : "boot");
}

/* symbols=: the guest kernel's symbol file becomes the profiler's table
 * now (boot/hypervisor.c carries it into resident memory); every problem
 * names the file and line, and profiling then falls back to kallsyms. */
static void load_symbols(EFI_FILE_HANDLE root, const struct config *cfg)
{
	struct efi_file file;
	struct sysmap_error err;
	EFI_STATUS status;
	void *table = NULL;
	size_t bound, size;

	if (!cfg->symbols[0])
		return;
	status = efi_read_file(root, cfg->symbols, &file);
	if (EFI_ERROR(status)) {
		log_printf("%s:%u: symbols %s: cannot read it: %s\n",
			  cfg->origin[CONFIG_SYMBOLS].source, cfg->origin[CONFIG_SYMBOLS].line,
			  cfg->symbols, efi_status_name(status));
		return;
	}
	bound = sysmap_bound(file.size);
	if (EFI_ERROR(efi_bs->AllocatePool(EfiLoaderData, bound, &table))) {
		log_printf("symbols %s: no memory to index it (%lu KiB)\n", cfg->symbols,
			   (unsigned long)bound / 1024);
		efi_free_file(&file);
		return;
	}
	size = sysmap_build(file.data, file.size, table, bound, &err);
	efi_free_file(&file);
	if (!size) {
		if (err.line)
			log_printf("symbols %s:%u: %s; guest kernel names will come from its kallsyms\n",
				   cfg->symbols, err.line, err.message);
		else
			log_printf("symbols %s: %s; guest kernel names will come from its kallsyms\n",
				   cfg->symbols, err.message);
		efi_bs->FreePool(table);
		return;
	}
	kernel_symbols = (struct kernel_symbols){ table, size };
	log_printf("  %-10s %s (%u text symbols, for the guest kernel)\n", "symbols", cfg->symbols,
		   *(const uint32_t *)(const void *)((const uint8_t *)table + 12));
}

static const char *report_vmx(void)
{
	struct vmx_raw raw;
	struct vmx_caps caps;

	vmx_caps_read(&raw);
	vmx_caps_decode(&raw, &caps);
	vmx_caps_report(&log_out, &caps);
	return vmx_unavailable_reason(&caps);
}

/* The PMU verdict, kept for the resident core's 'info'. */
char pmu_summary[128];
uint32_t pmu_counts;

static void summary_sink(void *ctx, const char *text, size_t len)
{
	size_t used = strlen(pmu_summary);

	while (len-- && *text != '\n' && used + 1 < sizeof(pmu_summary))
		pmu_summary[used++] = *text++;
	pmu_summary[used] = '\0';
}

static const struct out summary_out = { summary_sink, NULL };

static void report_pmu(void)
{
	struct cpuid_regs leaf0 = cpuid(0, 0), leaf_a = { 0, 0, 0, 0 };
	struct pmu_probe_raw raw;
	struct pmu_caps caps;

	if (leaf0.eax >= 0xa)
		leaf_a = cpuid(0xa, 0);
	pmu_caps_decode(leaf0.eax, leaf_a.eax, leaf_a.ebx, leaf_a.edx, &caps);
	pmu_probe(&caps, &raw);
	pmu_report(&log_out, &caps, &raw, pmu_probe_judge(&caps, &raw));
	format_buf(pmu_summary, sizeof(pmu_summary), "%s", "");
	pmu_verdict_line(&summary_out, &caps, pmu_probe_judge(&caps, &raw));
	pmu_counts = pmu_probe_judge(&caps, &raw) == PMU_WORKS;
}

static void halt_forever(void)
{
	/* The boot manager arms a 5-minute watchdog (UEFI spec 3.1.2); a
	 * deliberate halt must not turn into a reset loop. */
	efi_bs->SetWatchdogTimer(0, 0, 0, NULL);
	for (;;)
		cpu_halt();
}

/* Called by GNU-EFI's crt0 with the SysV convention, after relocation. */
EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st);

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st)
{
	EFI_GUID li_guid = EFI_LOADED_IMAGE_PROTOCOL_GUID;
	EFI_GUID fs_guid = EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID;
	EFI_SIMPLE_FILE_SYSTEM_PROTOCOL *fs;
	EFI_FILE_HANDLE root = NULL;
	EFI_LOADED_IMAGE *self;
	char image_path[CONFIG_PATH_MAX], found[CONFIG_PATH_MAX];
	static struct config cfg;
	const char *vmx_problem;
	EFI_STATUS status;

	efi_init(image, st);
	status = efi_bs->HandleProtocol(image, &li_guid, (void **)&self);
	if (EFI_ERROR(status)) {
		log_start(0, 0, efi_conout_sink, NULL);
		log_printf("pmuvisor: cannot find its own loaded image: %s\n", efi_status_name(status));
		return status;
	}
	efi_device_path_file_text(self->FilePath, image_path, sizeof(image_path));
	status = efi_bs->HandleProtocol(self->DeviceHandle, &fs_guid, (void **)&fs);
	if (!EFI_ERROR(status))
		status = fs->OpenVolume(fs, &root);
	if (EFI_ERROR(status))
		log_printf("pmuvisor: cannot open the volume it was started from: %s\n",
			  efi_status_name(status));

	config_load(&cfg, root, image_path, self, found, sizeof(found));
	if (log_start(cfg.console_port, cfg.baud, efi_conout_sink, NULL) < 0)
		log_printf("console: no UART answers at port 0x%x; the log goes to the firmware "
			  "console\n", cfg.console_port);
	banner();
	log_printf("image: %s\n", image_path[0] ? image_path : "(unknown path)");
	report_config(&cfg, found);
	if (root)
		load_symbols(root, &cfg);
	vmx_problem = report_vmx();
	report_pmu();

	if (!cfg.payload[0]) {
		log_printf("no payload= in pmuvisor.cfg or the load options: nothing to start\n");
		status = EFI_NOT_FOUND;
	} else if (!root) {
		status = EFI_NO_MEDIA;
	} else {
		status = payload_prepare(root, &cfg);
	}
	if (EFI_ERROR(status))
		goto out;

	if (!vmx_problem && !cfg.vmx) {
		log_printf("vmx=off: pmuvisor stays out of the way\n");
		vmx_problem = "vmx=off";
	} else if (!vmx_problem && hypervisor_start(&cfg) < 0) {
		vmx_problem = "the hypervisor could not start";
	}
	if (vmx_problem && cfg.vmx && cfg.on_error == ON_ERROR_HALT) {
		log_printf("on_error=halt: not starting the payload. Halted.\n");
		halt_forever();
	}
	status = payload_start(self->DeviceHandle, &cfg, !vmx_problem);
out:
	log_printf("pmuvisor: returning to the firmware (%s)\n", efi_status_name(status));
	return status;
}
