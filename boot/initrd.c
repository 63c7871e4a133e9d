#include "boot/initrd.h"
#include "boot/efi.h"
#include "lib/string.h"

#define LOAD_FILE2_PROTOCOL_GUID \
	{ 0x4006c0c1, 0xfcb3, 0x403e, { 0x99, 0x6d, 0x4a, 0x6c, 0x87, 0x24, 0xe0, 0x6d } }
#define LINUX_EFI_INITRD_MEDIA_GUID \
	{ 0x5568e427, 0x68fc, 0x4f3d, { 0xac, 0x74, 0xca, 0x55, 0x52, 0x31, 0xcc, 0x68 } }

/* Vendor media node + end node, the whole device path the stub asks for. */
static struct {
	VENDOR_DEVICE_PATH vendor;
	EFI_DEVICE_PATH end;
} __attribute__((packed)) initrd_device_path = {
	.vendor = {
		.Header = { MEDIA_DEVICE_PATH, MEDIA_VENDOR_DP,
			    { sizeof(VENDOR_DEVICE_PATH), 0 } },
		.Guid = LINUX_EFI_INITRD_MEDIA_GUID,
	},
	.end = { END_DEVICE_PATH_TYPE, END_ENTIRE_DEVICE_PATH_SUBTYPE, { 4, 0 } },
};

static const void *initrd_data;
static UINTN initrd_size;
static EFI_HANDLE initrd_handle;

/* LoadFile2 (UEFI spec 13.2): BootPolicy must be FALSE; a short or absent
 * buffer learns the size through EFI_BUFFER_TOO_SMALL. */
static EFI_STATUS EFIAPI initrd_load_file(EFI_LOAD_FILE_PROTOCOL *self, EFI_DEVICE_PATH *path,
					  BOOLEAN boot_policy, UINTN *size, VOID *buffer)
{
	(void)self;
	(void)path;
	if (boot_policy)
		return EFI_UNSUPPORTED;
	if (!size)
		return EFI_INVALID_PARAMETER;
	if (!buffer || *size < initrd_size) {
		*size = initrd_size;
		return EFI_BUFFER_TOO_SMALL;
	}
	memcpy(buffer, initrd_data, initrd_size);
	*size = initrd_size;
	return EFI_SUCCESS;
}

static EFI_LOAD_FILE_PROTOCOL initrd_protocol = { initrd_load_file };

EFI_STATUS initrd_install(const void *data, UINTN size)
{
	EFI_GUID dp_guid = EFI_DEVICE_PATH_PROTOCOL_GUID;
	EFI_GUID lf2_guid = LOAD_FILE2_PROTOCOL_GUID;
	EFI_STATUS status;

	initrd_data = data;
	initrd_size = size;
	initrd_handle = NULL;
	status = efi_bs->InstallProtocolInterface(&initrd_handle, &dp_guid, EFI_NATIVE_INTERFACE,
						  &initrd_device_path);
	if (EFI_ERROR(status))
		return status;
	status = efi_bs->InstallProtocolInterface(&initrd_handle, &lf2_guid, EFI_NATIVE_INTERFACE,
						  &initrd_protocol);
	if (EFI_ERROR(status)) {
		efi_bs->UninstallProtocolInterface(initrd_handle, &dp_guid, &initrd_device_path);
		initrd_handle = NULL;
	}
	return status;
}

void initrd_uninstall(void)
{
	EFI_GUID dp_guid = EFI_DEVICE_PATH_PROTOCOL_GUID;
	EFI_GUID lf2_guid = LOAD_FILE2_PROTOCOL_GUID;

	if (!initrd_handle)
		return;
	efi_bs->UninstallProtocolInterface(initrd_handle, &lf2_guid, &initrd_protocol);
	efi_bs->UninstallProtocolInterface(initrd_handle, &dp_guid, &initrd_device_path);
	initrd_handle = NULL;
}
