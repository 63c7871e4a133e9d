/* Loading and starting the payload (a Linux EFI stub or any EFI application). */
#ifndef BOOT_PAYLOAD_H
#define BOOT_PAYLOAD_H

#include "boot/config.h"

#include <efi.h>
#include <stdbool.h>

/* Reads cfg->payload (and cfg->initrd) from 'root' and checks that the
 * payload is an x86-64 EFI image; problems are logged with their config
 * line.  Nothing is started, so a failure can still return cleanly. */
EFI_STATUS payload_prepare(EFI_FILE_HANDLE root, const struct config *cfg);

/* Starts the prepared payload with cfg->cmdline as its load options
 * (an initrd through LoadFile2).  Returns only if the firmware refused
 * it or once it exits. */
EFI_STATUS payload_start(EFI_HANDLE device, const struct config *cfg, bool as_guest);

#endif
