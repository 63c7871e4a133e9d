#include "boot/config_file.h"
#include "boot/efi.h"
#include "console/log.h"
#include "lib/string.h"
#include "lib/ucs2.h"

#define CONFIG_NAME "pmuvisor.cfg"
#define OPTIONS_SOURCE "load options"

static void log_problem(void *ctx, const char *source, unsigned line, const char *message)
{
	(void)ctx;
	if (line)
		log_printf("%s:%u: %s\n", source, line, message);
	else
		log_printf("%s: %s\n", source, message);
}

static const struct config_reporter reporter = { log_problem, NULL };

/* Candidates: the directory of the running image, then the root. */
static int try_read(EFI_FILE_HANDLE root, const char *image_path, struct efi_file *file,
		    char *found, size_t found_size)
{
	char dir[CONFIG_PATH_MAX];
	const char *slash = NULL, *p;
	EFI_STATUS status;

	for (p = image_path; *p; p++)
		if (*p == '\\')
			slash = p;
	if (slash && slash != image_path) {
		format_buf(dir, sizeof(dir), "%.*s\\" CONFIG_NAME, (int)(slash - image_path),
			   image_path);
		status = efi_read_file(root, dir, file);
		if (!EFI_ERROR(status)) {
			str_copy(found, dir, found_size);
			return 0;
		}
		if (status != EFI_NOT_FOUND)
			log_printf("%s: cannot read it: %s\n", dir, efi_status_name(status));
	}
	status = efi_read_file(root, "\\" CONFIG_NAME, file);
	if (!EFI_ERROR(status)) {
		str_copy(found, "\\" CONFIG_NAME, found_size);
		return 0;
	}
	if (status != EFI_NOT_FOUND)
		log_printf("\\%s: cannot read it: %s\n", CONFIG_NAME, efi_status_name(status));
	return -1;
}

static void apply_load_options(struct config *cfg, EFI_LOADED_IMAGE *self)
{
	static char text[CONFIG_LINE_MAX];
	size_t chars = self->LoadOptionsSize / sizeof(CHAR16);

	if (!self->LoadOptions || self->LoadOptionsSize == 0)
		return;
	/* Boot entries may carry binary data here; only text is options. */
	if (self->LoadOptionsSize % 2 ||
	    ucs2_to_ascii(text, sizeof(text), self->LoadOptions, chars) < 0) {
		cfg->errors++;
		log_printf("%s: %u bytes that are not plain ASCII text; not used\n", OPTIONS_SOURCE,
			  (unsigned)self->LoadOptionsSize);
		return;
	}
	config_parse_options(cfg, OPTIONS_SOURCE, text, &reporter);
}

void config_load(struct config *cfg, EFI_FILE_HANDLE root, const char *image_path,
		 EFI_LOADED_IMAGE *self, char *found, size_t found_size)
{
	struct efi_file file;

	config_defaults(cfg);
	found[0] = '\0';
	if (root && try_read(root, image_path, &file, found, found_size) == 0) {
		config_parse_text(cfg, CONFIG_NAME, file.data, file.size, &reporter);
		efi_free_file(&file);
	}
	apply_load_options(cfg, self);
}
