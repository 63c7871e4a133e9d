/*
 * A tiny EFI application used as a payload by the integration tests: it
 * proves it was started and with which load options, on COM1, then ends
 * the emulation (Bochs's shutdown port) or returns to its caller.
 */
#include <efi.h>

#include "console/serial.h"
#include "lib/cpu.h"
#include "lib/format.h"
#include "lib/ucs2.h"

static void com1(void *ctx, const char *text, size_t len)
{
	(void)ctx;
	serial_write(text, len);
}

/* Called by GNU-EFI's crt0 with the SysV convention, after relocation. */
EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st);

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st)
{
	EFI_GUID li_guid = EFI_LOADED_IMAGE_PROTOCOL_GUID;
	EFI_LOADED_IMAGE *li = NULL;
	char options[512] = "";
	const char *bye = "Shutdown";

	serial_init(SERIAL_COM1, 115200);
	if (!EFI_ERROR(st->BootServices->HandleProtocol(image, &li_guid, (void **)&li)) &&
	    li->LoadOptions &&
	    ucs2_to_ascii(options, sizeof(options), li->LoadOptions,
			  li->LoadOptionsSize / 2) < 0)
		format_buf(options, sizeof(options), "(not ASCII)");
	format(com1, NULL, "\nPMUVISOR-PAYLOAD: hello started\n");
	format(com1, NULL, "PMUVISOR-PAYLOAD: load-options=%s\n", options);
	format(com1, NULL, "PMUVISOR-PAYLOAD: end\n");
	/* Bochs ends the simulation on "Shutdown" written to port 0x8900. */
	while (*bye)
		outb(0x8900, (uint8_t)*bye++);
	return EFI_SUCCESS;
}
