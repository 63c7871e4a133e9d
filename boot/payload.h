/* Loading and starting the payload (a Linux EFI stub or any EFI application). */
#ifndef BOOT_PAYLOAD_H
#define BOOT_PAYLOAD_H

#include "boot/config.h"

#include <efi.h>
#include <stdbool.h>

/* Loads cfg->payload (and cfg->initrd) from 'root' on 'device' and starts
 * it with cfg->cmdline as its load options. Returns only if the payload
 * could not be started (the reason is logged) or once it exits. */
EFI_STATUS payload_boot(EFI_HANDLE device, EFI_FILE_HANDLE root, const struct config *cfg,
			bool as_guest);

#endif
