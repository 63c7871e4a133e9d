/*
 * Test payload: proves on a real (emulated) CPU that lib/cpu_safe turns a
 * #GP raised by WRMSR into an error return and resumes.  A non-canonical
 * value written to IA32_KERNEL_GS_BASE raises #GP(0) on every x86-64
 * (SDM Vol. 2B, WRMSR), so this works where no MSR is missing.
 */
#include <efi.h>

#include "console/serial.h"
#include "lib/cpu.h"
#include "lib/cpu_safe.h"
#include "lib/format.h"

#define MSR_IA32_KERNEL_GS_BASE 0xc0000102u
#define NON_CANONICAL 0x8000000000000000ull

static void com1(void *ctx, const char *text, size_t len)
{
	(void)ctx;
	serial_write(text, len);
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st);

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st)
{
	struct fault_guard guard;
	uint64_t saved = 0, readback = 0;
	int read_status, bad_write, good_write, reread;
	const char *bye = "Shutdown";

	(void)image;
	(void)st;
	serial_init(SERIAL_COM1, 115200);
	fault_guard_enter(&guard);
	read_status = msr_read_safe(MSR_IA32_KERNEL_GS_BASE, &saved);
	bad_write = msr_write_safe(MSR_IA32_KERNEL_GS_BASE, NON_CANONICAL);
	good_write = msr_write_safe(MSR_IA32_KERNEL_GS_BASE, 0x1234000);
	reread = msr_read_safe(MSR_IA32_KERNEL_GS_BASE, &readback);
	msr_write_safe(MSR_IA32_KERNEL_GS_BASE, saved);
	fault_guard_leave(&guard);

	format(com1, NULL, "\nPMUVISOR-PAYLOAD: faultguard read=%d bad-write=%d good-write=%d "
	       "reread=%d value=0x%lx\n", read_status, bad_write, good_write, reread,
	       (unsigned long)readback);
	format(com1, NULL, "PMUVISOR-PAYLOAD: end\n");
	while (*bye)
		outb(0x8900, (uint8_t)*bye++);
	return EFI_SUCCESS;
}
