/* boot/image.c: recognising the payload before the firmware loads it. */
#include "unit.h"

#include "boot/image.h"

static uint8_t image[4096];

static void make_pe(uint16_t machine)
{
	memset(image, 0, sizeof(image));
	image[0] = 'M';
	image[1] = 'Z';
	image[0x3c] = 0x80; /* e_lfanew */
	memcpy(image + 0x80, "PE\0\0", 4);
	image[0x84] = (uint8_t)machine;
	image[0x85] = (uint8_t)(machine >> 8);
}

static void test_x86_64_efi_application(void **state)
{
	struct image_kind kind;

	make_pe(0x8664);
	image_identify(image, sizeof(image), &kind);
	assert_null(kind.problem);
	assert_true(kind.is_pe);
	assert_false(kind.is_linux);
}

static void test_linux_kernel_with_version(void **state)
{
	struct image_kind kind;
	const char version[] = "6.1.0-56-cloud-amd64 (debian-kernel@lists.debian.org) #1 SMP";

	make_pe(0x8664);
	memcpy(image + 0x202, "HdrS", 4);
	image[0x20e] = 0x00; /* kernel_version = 0x300 -> string at 0x500 */
	image[0x20f] = 0x03;
	memcpy(image + 0x500, version, sizeof(version));
	image_identify(image, sizeof(image), &kind);
	assert_null(kind.problem);
	assert_true(kind.is_linux);
	assert_string_equal(kind.linux_version, "6.1.0-56-cloud-amd64");
}

static void test_not_an_image(void **state)
{
	struct image_kind kind;
	const uint8_t text[] = "#!/bin/sh\necho this is not an EFI program\n";

	image_identify(text, sizeof(text), &kind);
	assert_string_equal(kind.problem, "not an EFI image (no MZ header)");
	image_identify(text, 1, &kind);
	assert_string_equal(kind.problem, "not an EFI image (no MZ header)");
}

static void test_mz_without_pe_or_pe_offset_outside_file(void **state)
{
	struct image_kind kind;

	make_pe(0x8664);
	memcpy(image + 0x80, "NE\0\0", 4);
	image_identify(image, sizeof(image), &kind);
	assert_string_equal(kind.problem, "not an EFI image (no PE header)");
	make_pe(0x8664);
	image[0x3c] = 0xf0;
	image[0x3d] = 0xff; /* 0xfff0: beyond this 4 KiB file */
	image_identify(image, sizeof(image), &kind);
	assert_string_equal(kind.problem, "not an EFI image (no PE header)");
}

static void test_other_machine_type(void **state)
{
	struct image_kind kind;

	make_pe(0xaa64); /* arm64 */
	image_identify(image, sizeof(image), &kind);
	assert_string_equal(kind.problem, "an EFI image for another machine type (not x86-64)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_x86_64_efi_application),
		cmocka_unit_test(test_linux_kernel_with_version),
		cmocka_unit_test(test_not_an_image),
		cmocka_unit_test(test_mz_without_pe_or_pe_offset_outside_file),
		cmocka_unit_test(test_other_machine_type),
	};

	return cmocka_run_group_tests_name("image", tests, NULL, NULL);
}
