#include "boot/efi.h"
#include "lib/string.h"
#include "lib/ucs2.h"

EFI_SYSTEM_TABLE *efi_st;
EFI_BOOT_SERVICES *efi_bs;
EFI_HANDLE efi_image;

#define PATH_CHARS 512

void efi_init(EFI_HANDLE image, EFI_SYSTEM_TABLE *st)
{
	efi_image = image;
	efi_st = st;
	efi_bs = st->BootServices;
}

const char *efi_status_name(EFI_STATUS status)
{
	static const struct {
		EFI_STATUS status;
		const char *name;
	} names[] = {
		{ EFI_SUCCESS, "success" },
		{ EFI_LOAD_ERROR, "load error" },
		{ EFI_INVALID_PARAMETER, "invalid parameter" },
		{ EFI_UNSUPPORTED, "unsupported" },
		{ EFI_BUFFER_TOO_SMALL, "buffer too small" },
		{ EFI_DEVICE_ERROR, "device error" },
		{ EFI_VOLUME_CORRUPTED, "volume corrupted" },
		{ EFI_OUT_OF_RESOURCES, "out of resources" },
		{ EFI_NOT_FOUND, "not found" },
		{ EFI_ACCESS_DENIED, "access denied" },
		{ EFI_SECURITY_VIOLATION, "security violation (Secure Boot?)" },
		{ EFI_ABORTED, "aborted" },
		{ EFI_NO_MEDIA, "no media" },
		{ EFI_MEDIA_CHANGED, "media changed" },
		{ EFI_VOLUME_FULL, "volume full" },
		{ EFI_ALREADY_STARTED, "already started" },
		{ EFI_INCOMPATIBLE_VERSION, "incompatible version" },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].status == status)
			return names[i].name;
	return "unexpected status";
}

EFI_STATUS efi_read_file(EFI_FILE_HANDLE root, const char *path, struct efi_file *file)
{
	CHAR16 path16[PATH_CHARS];
	EFI_FILE_HANDLE handle;
	EFI_STATUS status;
	UINT64 size;
	UINTN got;

	file->data = NULL;
	file->size = 0;
	if (ascii_to_ucs2((uint16_t *)path16, PATH_CHARS, path) < 0)
		return EFI_INVALID_PARAMETER;
	status = root->Open(root, &handle, path16, EFI_FILE_MODE_READ, 0);
	if (EFI_ERROR(status))
		return status;
	/* Seeking to the end gives the size; directories refuse it. */
	status = handle->SetPosition(handle, 0xffffffffffffffffull);
	if (!EFI_ERROR(status))
		status = handle->GetPosition(handle, &size);
	if (!EFI_ERROR(status))
		status = handle->SetPosition(handle, 0);
	if (!EFI_ERROR(status))
		status = efi_bs->AllocatePool(EfiLoaderData, size ? size : 1, &file->data);
	if (!EFI_ERROR(status)) {
		got = size;
		status = handle->Read(handle, &got, file->data);
		if (!EFI_ERROR(status) && got != size)
			status = EFI_DEVICE_ERROR;
	}
	handle->Close(handle);
	if (EFI_ERROR(status)) {
		efi_free_file(file);
		return status;
	}
	file->size = size;
	return EFI_SUCCESS;
}

void efi_free_file(struct efi_file *file)
{
	if (file->data)
		efi_bs->FreePool(file->data);
	file->data = NULL;
	file->size = 0;
}

static UINTN node_length(const EFI_DEVICE_PATH *node)
{
	return node->Length[0] | ((UINTN)node->Length[1] << 8);
}

static EFI_DEVICE_PATH *next_node(EFI_DEVICE_PATH *node)
{
	return (EFI_DEVICE_PATH *)((UINT8 *)node + node_length(node));
}

static int is_end(const EFI_DEVICE_PATH *node)
{
	return node->Type == END_DEVICE_PATH_TYPE;
}

EFI_DEVICE_PATH *efi_file_device_path(EFI_HANDLE device, const char *path)
{
	EFI_GUID dp_guid = EFI_DEVICE_PATH_PROTOCOL_GUID;
	EFI_DEVICE_PATH *base = NULL, *node, *result;
	UINTN base_size = 0, file_size;
	size_t chars = strlen(path) + 1;
	UINT8 *p;

	if (chars > PATH_CHARS)
		return NULL;
	if (device && !EFI_ERROR(efi_bs->HandleProtocol(device, &dp_guid, (void **)&base)))
		for (node = base; !is_end(node); node = next_node(node))
			base_size += node_length(node);
	file_size = 4 + chars * sizeof(CHAR16);
	if (EFI_ERROR(efi_bs->AllocatePool(EfiLoaderData, base_size + file_size + 4,
					   (void **)&result)))
		return NULL;
	p = (UINT8 *)result;
	if (base_size)
		memcpy(p, base, base_size);
	p += base_size;
	/* File path media node (UEFI spec 10.3.5.4): type 4, subtype 4. */
	p[0] = MEDIA_DEVICE_PATH;
	p[1] = MEDIA_FILEPATH_DP;
	p[2] = (UINT8)file_size;
	p[3] = (UINT8)(file_size >> 8);
	ascii_to_ucs2((uint16_t *)(void *)(p + 4), chars, path);
	p += file_size;
	p[0] = END_DEVICE_PATH_TYPE;
	p[1] = END_ENTIRE_DEVICE_PATH_SUBTYPE;
	p[2] = 4;
	p[3] = 0;
	return result;
}

void efi_device_path_file_text(EFI_DEVICE_PATH *dp, char *text, size_t size)
{
	size_t used = 0;
	EFI_DEVICE_PATH *node;

	if (size)
		text[0] = '\0';
	for (node = dp; node && !is_end(node); node = next_node(node)) {
		const uint16_t *name = (const uint16_t *)(void *)((UINT8 *)node + 4);
		size_t chars = (node_length(node) - 4) / 2, i;

		if (node->Type != MEDIA_DEVICE_PATH || node->SubType != MEDIA_FILEPATH_DP)
			continue;
		if (used && text[used - 1] != '\\' && chars && name[0] != '\\' && used + 1 < size)
			text[used++] = '\\';
		for (i = 0; i < chars && name[i] && used + 1 < size; i++)
			text[used++] = name[i] < 0x80 ? (char)name[i] : '?';
		text[used] = '\0';
	}
}

void efi_conout_sink(void *ctx, const char *text, size_t len)
{
	CHAR16 chunk[64];
	size_t n = 0;

	(void)ctx;
	while (len--) {
		char c = *text++;

		if (c == '\n')
			chunk[n++] = '\r';
		chunk[n++] = (CHAR16)(unsigned char)c;
		if (n >= sizeof(chunk) / sizeof(chunk[0]) - 3 || !len) {
			chunk[n] = 0;
			efi_st->ConOut->OutputString(efi_st->ConOut, chunk);
			n = 0;
		}
	}
}
