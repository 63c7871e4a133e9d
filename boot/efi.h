/* Small helpers over the UEFI boot services (no GNU-EFI libefi needed). */
#ifndef BOOT_EFI_H
#define BOOT_EFI_H

#include <efi.h>
#include <stddef.h>

extern EFI_SYSTEM_TABLE *efi_st;
extern EFI_BOOT_SERVICES *efi_bs;
extern EFI_HANDLE efi_image;

void efi_init(EFI_HANDLE image, EFI_SYSTEM_TABLE *st);
const char *efi_status_name(EFI_STATUS status);

/* A file read whole into pool memory. */
struct efi_file {
	void *data;
	UINTN size;
};

/* Reads 'path' (ASCII, '\'-separated, from the volume root) on 'root'. */
EFI_STATUS efi_read_file(EFI_FILE_HANDLE root, const char *path, struct efi_file *file);
void efi_free_file(struct efi_file *file);

/* 'device''s device path with a file-path node for 'path' appended, in
 * pool memory (NULL if out of memory or the path is too long). */
EFI_DEVICE_PATH *efi_file_device_path(EFI_HANDLE device, const char *path);

/* The text of the file-path nodes of 'dp' (e.g. \EFI\BOOT\BOOTX64.EFI). */
void efi_device_path_file_text(EFI_DEVICE_PATH *dp, char *text, size_t size);

/* A format_sink that writes to the firmware's text console (ConOut). */
void efi_conout_sink(void *ctx, const char *text, size_t len);

#endif
