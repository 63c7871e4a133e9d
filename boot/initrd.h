/*
 * Hands an initrd to a Linux EFI stub through the LoadFile2 protocol on
 * the vendor media device path LINUX_EFI_INITRD_MEDIA_GUID, the interface
 * Linux 5.8+ looks for before it falls back to its "initrd=" option.
 */
#ifndef BOOT_INITRD_H
#define BOOT_INITRD_H

#include <efi.h>

EFI_STATUS initrd_install(const void *data, UINTN size);
void initrd_uninstall(void);

#endif
