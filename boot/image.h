/* Recognising an EFI image (and a Linux kernel) from its headers; pure. */
#ifndef BOOT_IMAGE_H
#define BOOT_IMAGE_H

#include <stddef.h>
#include <stdint.h>

struct image_kind {
	int is_pe;            /* MZ + PE32+ signature found */
	uint16_t machine;     /* COFF machine (0x8664 for x86-64) */
	int is_linux;         /* Linux boot-protocol header "HdrS" */
	char linux_version[80];
	const char *problem;  /* why it cannot be an x86-64 EFI image, or NULL */
};

void image_identify(const uint8_t *data, size_t size, struct image_kind *kind);

#endif
