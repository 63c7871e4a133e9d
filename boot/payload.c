#include "boot/payload.h"
#include "boot/efi.h"
#include "boot/image.h"
#include "boot/initrd.h"
#include "console/log.h"
#include "lib/string.h"
#include "lib/ucs2.h"
#include "vmx/hypercall.h"

/* "pmuvisor.cfg:7: " or "load options: " or "" for a default. */
static const char *where(const struct config *cfg, enum config_key key, char *buf, size_t size)
{
	const struct config_origin *o = &cfg->origin[key];

	if (!o->source)
		buf[0] = '\0';
	else if (o->line)
		format_buf(buf, size, "%s:%u: ", o->source, o->line);
	else
		format_buf(buf, size, "%s: ", o->source);
	return buf;
}

static EFI_STATUS read_input(EFI_FILE_HANDLE root, const struct config *cfg, enum config_key key,
			     const char *path, struct efi_file *file)
{
	char at[80];
	EFI_STATUS status = efi_read_file(root, path, file);

	if (EFI_ERROR(status))
		log_printf("%s%s %s: cannot read it: %s\n", where(cfg, key, at, sizeof(at)),
			  config_key_name(key), path, efi_status_name(status));
	return status;
}

static void describe(const struct config *cfg, const struct image_kind *kind, UINTN size,
		     UINTN initrd_size)
{
	log_printf("  %-10s %s (%lu KiB", "payload", cfg->payload, (unsigned long)size / 1024);
	if (kind->is_linux)
		log_printf(", Linux %s", kind->linux_version[0] ? kind->linux_version : "kernel");
	log_printf(")\n");
	if (cfg->initrd[0])
		log_printf("  %-10s %s (%lu KiB, through the LoadFile2 initrd protocol)\n", "initrd",
			   cfg->initrd, (unsigned long)initrd_size / 1024);
	log_printf("  %-10s %s\n", "cmdline", cfg->cmdline[0] ? cfg->cmdline : "(empty)");
}

/* The payload's load options: its command line as a UCS-2 string. */
static EFI_STATUS set_load_options(EFI_HANDLE image, const char *cmdline)
{
	EFI_GUID li_guid = EFI_LOADED_IMAGE_PROTOCOL_GUID;
	EFI_LOADED_IMAGE *li;
	size_t chars = strlen(cmdline) + 1;
	CHAR16 *options;
	EFI_STATUS status;

	status = efi_bs->HandleProtocol(image, &li_guid, (void **)&li);
	if (EFI_ERROR(status))
		return status;
	status = efi_bs->AllocatePool(EfiLoaderData, chars * sizeof(CHAR16), (void **)&options);
	if (EFI_ERROR(status))
		return status;
	ascii_to_ucs2((uint16_t *)options, chars, cmdline);
	li->LoadOptions = options;
	li->LoadOptionsSize = (UINT32)(chars * sizeof(CHAR16));
	return EFI_SUCCESS;
}

/* The files, read and checked before anything is started. */
static struct efi_file image, initrd;
static struct image_kind kind;

EFI_STATUS payload_prepare(EFI_FILE_HANDLE root, const struct config *cfg)
{
	EFI_STATUS status;
	char at[80];

	status = read_input(root, cfg, CONFIG_PAYLOAD, cfg->payload, &image);
	if (EFI_ERROR(status))
		return status;
	image_identify(image.data, image.size, &kind);
	if (kind.problem) {
		log_printf("%spayload %s: %s\n", where(cfg, CONFIG_PAYLOAD, at, sizeof(at)),
			   cfg->payload, kind.problem);
		status = EFI_LOAD_ERROR;
	} else if (cfg->initrd[0]) {
		status = read_input(root, cfg, CONFIG_INITRD, cfg->initrd, &initrd);
	}
	if (EFI_ERROR(status)) {
		efi_free_file(&initrd);
		efi_free_file(&image);
	}
	return status;
}

EFI_STATUS payload_start(EFI_HANDLE device, const struct config *cfg, bool as_guest)
{
	EFI_DEVICE_PATH *path;
	EFI_HANDLE handle = NULL;
	EFI_STATUS status;

	describe(cfg, &kind, image.size, initrd.size);
	path = efi_file_device_path(device, cfg->payload);
	status = efi_bs->LoadImage(FALSE, efi_image, path, image.data, image.size, &handle);
	if (path)
		efi_bs->FreePool(path);
	if (EFI_ERROR(status)) {
		log_printf("payload %s: the firmware refused to load it: %s\n", cfg->payload,
			   efi_status_name(status));
		goto out;
	}
	status = set_load_options(handle, cfg->cmdline);
	if (!EFI_ERROR(status) && cfg->initrd[0]) {
		status = initrd_install(initrd.data, initrd.size);
		if (EFI_ERROR(status))
			log_printf("initrd %s: cannot offer it to the payload: %s\n", cfg->initrd,
				   efi_status_name(status));
	}
	if (EFI_ERROR(status)) {
		efi_bs->UnloadImage(handle);
		goto out;
	}

	log_printf("starting the payload %s\n", as_guest ? "as pmuvisor's guest" : "natively");
	/* The console takes no more text from the guest, whose code runs from
	 * here on (docs/hypercalls.md); with guest_control=on it still does. */
	if (as_guest)
		__asm__ volatile("vmcall" : : "a"((uint64_t)HYPERCALL_LOG_CLOSE) : "memory");
	status = efi_bs->StartImage(handle, NULL, NULL);
	/* Only an EFI application that exits comes back here. */
	log_printf("payload %s returned: %s\n", cfg->payload, efi_status_name(status));
	initrd_uninstall();
out:
	efi_free_file(&initrd);
	efi_free_file(&image);
	return status;
}
