#include "boot/image.h"
#include "lib/string.h"

static uint32_t get32(const uint8_t *p)
{
	return p[0] | (p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

/* Linux x86 boot protocol (Documentation/arch/x86/boot.rst): "HdrS" at
 * 0x202; kernel_version at 0x20e points (minus 0x200) at a NUL-ended
 * version string that starts with the release. */
static void identify_linux(const uint8_t *data, size_t size, struct image_kind *kind)
{
	uint16_t version_offset;
	size_t start, i;

	if (size < 0x210 || memcmp(data + 0x202, "HdrS", 4))
		return;
	kind->is_linux = 1;
	version_offset = get16(data + 0x20e);
	if (!version_offset)
		return;
	start = (size_t)version_offset + 0x200;
	for (i = 0; start + i < size && i + 1 < sizeof(kind->linux_version); i++) {
		char c = (char)data[start + i];

		/* Keep the release ("6.1.0-56-cloud-amd64"), not the build note. */
		if (!c || !char_is_print(c) || c == ' ')
			break;
		kind->linux_version[i] = c;
	}
	kind->linux_version[i] = '\0';
}

void image_identify(const uint8_t *data, size_t size, struct image_kind *kind)
{
	uint32_t pe;

	memset(kind, 0, sizeof(*kind));
	if (size < 0x40 || data[0] != 'M' || data[1] != 'Z') {
		kind->problem = "not an EFI image (no MZ header)";
		return;
	}
	pe = get32(data + 0x3c);
	if (pe > size - 24 || memcmp(data + pe, "PE\0\0", 4)) {
		kind->problem = "not an EFI image (no PE header)";
		return;
	}
	kind->is_pe = 1;
	kind->machine = get16(data + pe + 4);
	if (kind->machine != 0x8664)
		kind->problem = "an EFI image for another machine type (not x86-64)";
	identify_linux(data, size, kind);
}
