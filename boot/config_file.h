#ifndef BOOT_CONFIG_FILE_H
#define BOOT_CONFIG_FILE_H

#include "boot/config.h"

#include <efi.h>

/* Reads pmuvisor.cfg (beside the .efi, else at the volume root) and then
 * the image's load options into 'cfg'; problems are logged as they are
 * found.  'found_path' receives the file used ("" if none). */
void config_load(struct config *cfg, EFI_FILE_HANDLE root, const char *image_path,
		 EFI_LOADED_IMAGE *self, char *found_path, size_t found_size);

#endif
